"""HTTP hardening the app does for itself: the real client behind proxies, security headers,
ids that fit their columns, and no NUL characters in any field.

Behind nginx every request arrives from 127.0.0.1, so unless the proxy's
``X-Forwarded-For`` is trusted every client shares one rate-limit bucket and the audit
log names the proxy. ``COOPFED_TRUSTED_PROXIES`` says how many proxies to trust: exactly
that many hops of ``X-Forwarded-*`` are believed (werkzeug's ProxyFix), and no more, so
a client cannot choose its own address by sending the header itself.

Every response carries a Content Security Policy with no inline script or style, and no
framing; every dynamic response is ``Cache-Control: no-store`` unless the view chose
otherwise, so personal pages and the one-time client secret are never kept by a cache.
"""

from __future__ import annotations

import json

from flask import Flask, Response, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from core.errors import ValidationError

# Every id column is a 32-bit integer (PostgreSQL ``integer``): a larger id in a URL is
# simply no such thing (404), never a database error.
MAX_ID = 2**31 - 1

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a non-negative number that fits an id column."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def trust_proxies(app: Flask, hops: int) -> None:
    """Believe ``hops`` proxies' X-Forwarded-For/-Proto/-Host/-Port; none when 0."""
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops)


GUARDED_ENDPOINTS = ("accounts.", "oauth.", "oauth_discovery.")


def _refuse_bad_input() -> None:
    """No field anywhere may hold a NUL character (PostgreSQL text cannot store one).

    Refused here, naming the field, before any view or the database sees it; JSON bodies
    are checked by every input schema (``StrictSchema``).
    """
    if "\x00" in request.path:
        abort(404)
    errors: dict[str, list[str]] = {}
    # Query strings everywhere; form fields where they reach sign-in and the OAuth
    # endpoints before any form checks them. Every other form refuses a NUL beside its
    # field (and a stray one that reaches the database is a DataError, answered 422).
    sources = [request.args]
    if (request.endpoint or "").startswith(GUARDED_ENDPOINTS) and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    for values in sources:
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                errors[key.replace("\x00", "")] = ["Remove the NUL character from this field."]
    if "\x00" in request.headers.get("Authorization", ""):
        errors["Authorization"] = ["Remove the NUL character from this header."]
    if errors:
        raise ValidationError(errors)
    if request.is_json and request.content_length:
        try:
            json.loads(request.get_data(cache=True))
        except RecursionError:
            raise ValidationError({"body": ["The JSON is nested too deeply."]}) from None
        except json.JSONDecodeError:
            pass  # malformed JSON: the view's parser refuses it with its own message
        except ValueError:
            raise ValidationError({"body": ["A number in the JSON is too long."]}) from None


def _set_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    static = (request.endpoint or "").rsplit(".", 1)[-1] == "static"
    if not static and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask) -> None:
    """Trust the configured proxies and add the security headers to every response."""
    trust_proxies(app, app.config["TRUSTED_PROXIES"])
    app.before_request(_refuse_bad_input)
    app.after_request(_set_headers)
