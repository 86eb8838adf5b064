"""Turning errors into responses: pages for people, problem+json for the API."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from core.errors import DomainError, Unavailable, ValidationError
from tenants.web import CoopBusy

# Machine clients live under these prefixes: their errors are always problem+json.
JSON_PREFIXES = ("/api/", "/oauth/", "/.well-known/")


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def problem(status: int, title: str, detail: str | None = None,
            errors: dict | None = None, code: str | None = None):
    """An RFC 9457 problem response; ``title`` and ``detail`` are for people, ``code`` for
    programs."""
    body = {"type": "about:blank", "title": str(title), "status": status}
    if code:
        body["code"] = code
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return body, status, {"Content-Type": "application/problem+json"}


def _texts(errors: dict | None) -> dict | None:
    """Every message as text in the reader's language (marshmallow's own are translated
    when printed; see ``core.messages``)."""
    if not errors:
        return errors
    return {key: [str(m) for m in (value if isinstance(value, list) else [value])]
            for key, value in errors.items()}


def _http_texts(code: int) -> tuple[str, str] | None:
    """A title and an explanation for an HTTP error, in the reader's language."""
    texts = {
        400: (_("Bad request"), _("The request could not be understood. Check it and try "
                                  "again.")),
        401: (_("Sign in first"), _("Sign in to see this page.")),
        403: (_("Not allowed"), _("You do not have permission to see this page.")),
        404: (_("Page not found"), _("If you typed the web address, check it is correct.")),
        405: (_("Not allowed here"), _("This address does not accept that kind of request.")),
        409: (_("There is a conflict"), _("Something changed while you were working. "
                                          "Reload the page and try again.")),
        410: (_("No longer available"), _("This page has been removed.")),
        413: (_("Too much to send"), _("The request body is too large.")),
        415: (_("Wrong kind of content"), _("Send the request as JSON.")),
        422: (_("Invalid input"), _("Check the fields named below and try again.")),
        429: (_("Too many attempts"), _("Wait a minute before you try again.")),
    }
    return texts.get(code)


def _page(status: int, title: str, message: str, template: str = "errors/error.html",
          headers: dict | None = None):
    return render_template(template, title=title, message=message, status=status), status, (
        headers or {})


def _field_errors(exc: HTTPException) -> dict | None:
    """Messages per field from webargs: ``{"json": {"name": [...]}}`` becomes ``{"name": ...}``."""
    if exc.code == 413:
        return {"body": [_("The request body is too large.")]}
    if exc.code == 400 and "JSON" in (exc.description or ""):
        return {"body": [_("The request body is not valid JSON.")]}
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if not isinstance(messages, dict):
        return None
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat[prefix or "body"] = [str(v) for v in value]
        else:
            flat[prefix or "body"] = [str(value)]

    for location, fields in messages.items():
        walk("" if location in ("json", "form", "files") else location, fields)
    return flat


def _coop_too_busy(seconds: int):
    """The co-op's members have used its share of the service for now (its rate limit)."""
    headers = {"Retry-After": str(seconds)}
    detail = ngettext(
        "This co-op has sent more requests in the last few moments than one co-op may. "
        "Nothing has been lost: try again in %(num)d second.",
        "This co-op has sent more requests in the last few moments than one co-op may. "
        "Nothing has been lost: try again in %(num)d seconds.", seconds)
    if _wants_json():
        body, status, problem_headers = problem(429, _("Too many requests for this co-op"),
                                                detail, code="coop_rate_limited")
        body["retry_after"] = seconds
        return body, status, {**problem_headers, **headers}
    return _page(429, _("Too many requests for this co-op"), detail, "errors/busy.html",
                 headers)


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError):
        if _wants_json():
            # 422: read, but a field is wrong; 400 (Unreadable): the body could not be read.
            texts = _http_texts(exc.status) if exc.status != 422 else None
            title = texts[0] if texts else _("Invalid input")
            body, status, headers = problem(exc.status, title, errors=_texts(exc.errors),
                                            code=exc.code)
            body.update(getattr(exc, "problem_extra", {}))  # e.g. the codes of refused rules
            return body, status, headers
        errors = _texts(exc.errors) or {}
        return _page(exc.status, _("There is a problem"),
                     "; ".join(f"{key}: {'; '.join(msgs)}" for key, msgs in errors.items()))

    @app.errorhandler(Unavailable)
    def _unavailable(exc: Unavailable):
        messages = {
            "setting_up": _("This co-op's workspace is still being set up. Try again in a "
                            "moment."),
            "suspended": _("This co-op's workspace is suspended. Contact the federation "
                           "for help."),
            "maintenance": _("This co-op's workspace is being updated. Nothing has been "
                             "lost; try again shortly."),
        }
        message = messages.get(exc.message, messages["maintenance"])
        if _wants_json():
            return problem(503, _("Service unavailable"), message)
        return _page(503, _("Sorry, this workspace is unavailable"), message,
                     "errors/maintenance.html", {"Retry-After": "60"})

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        message = exc.message
        if message == (type(exc).__doc__ or "").strip() and _http_texts(exc.status):
            message = _http_texts(exc.status)[1]  # the class's English default, unworded
        if _wants_json():
            title = (_http_texts(exc.status) or (_("There is a problem"), ""))[0]
            return problem(exc.status, title, str(message), code=exc.code)
        if exc.status == 404:
            return _not_found(exc)
        return _page(exc.status, _("There is a problem"), str(message))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        if _wants_json():
            detail = _("The CSRF token is missing or out of date. Ask for a new one and "
                       "try again.")
            return problem(400, _("CSRF token missing or invalid"), detail,
                           errors={"X-CSRFToken": [detail]})
        return _page(400, _("Your form expired"),
                     _("Go back, reload the page and try again."))

    @app.errorhandler(404)
    def _not_found(_exc):
        if _wants_json():
            return problem(404, _("Not found"))
        return _page(404, _("Page not found"),
                     _("If you typed the web address, check it is correct."))

    @app.errorhandler(CoopBusy)
    def _coop_busy(exc: CoopBusy):
        return _coop_too_busy(exc.retry_after)

    @app.errorhandler(429)
    def _too_many(exc):
        # flask-limiter adds the exact Retry-After when headers are enabled; a minute is
        # the fallback, so a client always learns when to come back.
        headers = {"Retry-After": "60"}
        if _wants_json():
            body, status, problem_headers = problem(
                429, _("Too many requests"), _("Wait before you try again."))
            return body, status, {**problem_headers, **headers}
        return _page(429, _("Too many attempts"),
                     _("Wait a minute before you try again."), headers=headers)

    from limits.errors import StorageError
    from redis.exceptions import RedisError

    @app.errorhandler(RedisError)
    @app.errorhandler(StorageError)
    def _redis_down(_exc):
        # Rate limits fail closed: without Redis nobody can be counted, so nobody signs
        # in; a 503 tells the client (and a proxy) to come back, where a 500 would not.
        app.logger.warning("Redis unavailable: %s answered 503", request.path)
        headers = {"Retry-After": "30"}
        if _wants_json():
            body, status, problem_headers = problem(
                503, _("Service unavailable"), _("Try again in a moment."))
            return body, status, {**problem_headers, **headers}
        return _page(503, _("Sorry, this service is busy"),
                     _("Try again in a moment."), headers=headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        title, description = _http_texts(exc.code) or (exc.name, exc.description or "")
        if _wants_json():
            return problem(exc.code or 500, title, description, errors=_field_errors(exc))
        return _page(exc.code or 500, title, description)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(exc):
        # A number too big for its column (an id above 2^31-1, a 30-digit integer) or a
        # value the database cannot read: the input was wrong, so never a 500.
        app.logger.info("refused out-of-range input on %s: %s", request.path,
                        type(exc).__name__)
        message = _("A number or value in the request is out of range.")
        if _wants_json():
            return problem(422, _("Invalid input"), errors={"body": [message]})
        return _page(422, _("There is a problem"), message)

    @app.errorhandler(500)
    def _server_error(_exc):
        if _wants_json():
            return problem(500, _("Internal server error"), _("Try again later."))
        return _page(500, _("Sorry, there is a problem with the service"),
                     _("Try again later."))
