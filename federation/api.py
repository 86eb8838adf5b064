"""The JSON API at /api/v1: flask-smorest with marshmallow schemas, an OpenAPI document at
/api/v1/openapi.json, pagination on lists, and errors as application/problem+json.
"""

from __future__ import annotations

import http
from decimal import Decimal

import marshmallow as ma
from flask import Blueprint, Flask, request
from flask_babel import gettext
from flask_login import current_user
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_wtf.csrf import generate_csrf

from core.errors import ValidationError

PROBLEM = "application/problem+json"


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem: what went wrong, and a message per field where input was refused."""

    type = ma.fields.String(metadata={"description": "A URI for the kind of problem"})
    title = ma.fields.String(required=True, metadata={
        "description": "What went wrong, in the reader's language"})
    code = ma.fields.String(metadata={
        "description": "A stable code for the kind of problem, never translated"})
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "Messages per field"})


class CoopfedApi(Api):
    """flask-smorest's Api, with errors documented and served as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """federation.errors serves every error, as a page or as problem+json."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = CoopfedApi()

NUMERIC_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "default",
                    "multipleOf")


def _decimals_as_numbers(_converter, field, ret: dict, **_kwargs) -> dict:
    """Document exact decimals as they travel, and numbers' bounds as numbers.

    Money and percentages are sent as strings ("12.50") so that no float rounds them;
    apispec would call them numbers, and serialise their bounds as strings.
    """
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        for key in ("minimum", "maximum"):
            if key in ret:
                ret[f"x-{key}"] = str(ret.pop(key))
        if "default" in ret and ret["default"] is not None:
            ret["default"] = str(ret["default"])
        return {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
    if ret.get("type") not in ("number", "integer"):
        return {}
    fixed = {}
    for key in NUMERIC_KEYWORDS:
        value = ret.get(key)
        if isinstance(value, Decimal | str):
            try:
                fixed[key] = float(value)
            except ValueError:
                continue
    return fixed
session_bp = Blueprint("api_session", __name__, url_prefix="/api/v1")


@session_bp.get("/session")
def session_info():
    """Who is signed in, and the CSRF token a cookie-authenticated client sends as X-CSRFToken."""
    body = {"csrf_token": generate_csrf(), "signed_in": current_user.is_authenticated}
    if current_user.is_authenticated:
        body["account_id"] = current_user.account.id
    return body


def init_app(app: Flask, blueprints) -> None:
    """Bind the API to ``app`` and register the workspace API blueprints."""
    app.config.update(
        API_TITLE="coopfed",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "The coopfed API. Every co-op's routes live under "
                                    "/api/v1/c/{slug}/ and need a signed-in member of it; "
                                    "lists are paged (page, page_size; X-Pagination header)."},
        },
    )
    api.init_app(app)
    if _decimals_as_numbers not in api.ma_plugin.converter.attribute_functions:
        api.ma_plugin.converter.add_attribute_function(_decimals_as_numbers)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.register_blueprint(session_bp)
    _bound_page_numbers(app)
    _document_refusals()


WORKSPACE_PATHS = "/api/v1/c/{slug}/"
# What every workspace route may answer besides its own success, and why (the rule is in
# docs/architecture.md, "400 or 422"): not signed in; a role the route does not let in,
# or a co-op the person is not in (404, exactly as a missing one); the co-op over its rate
# limit (429, with Retry-After; COOPFED_COOP_RATE_LIMIT).
WORKSPACE_REFUSALS = {"401": "UNAUTHORIZED", "403": "FORBIDDEN", "404": "NOT_FOUND",
                      "429": "TOO_MANY_REQUESTS"}
# A route that reads a body: 400 when the body cannot be read as JSON, 422 when it was
# read but a field is wrong.
BODY_REFUSALS = {"400": "BAD_REQUEST", "422": "UNPROCESSABLE_ENTITY"}


def _document_refusals() -> None:
    """List, on every workspace operation, the refusals the workspace entry gives before
    the view runs, so that a client (and the contract test) knows each status it may
    meet."""
    components = api.spec.components
    for path, operations in api.spec._paths.items():
        if not path.startswith(WORKSPACE_PATHS):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            refusals = dict(WORKSPACE_REFUSALS)
            if "requestBody" in operation:
                refusals.update(BODY_REFUSALS)
            for status, name in refusals.items():
                operation["responses"].setdefault(status, components.get_ref("response", name))


# Far past any list's end, and small enough that page x page_size never overflows the
# database's OFFSET: a bigger page is refused naming the field, never a 500.
MAX_PAGE = 100_000


def _bound_page_numbers(app: Flask) -> None:
    """Refuse absurd page numbers on every paged list, and document the bound."""
    for operations in api.spec._paths.values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(
                    operation, dict) else []:
                if isinstance(parameter, dict) and parameter.get("in") == "query" \
                        and parameter.get("name") == "page":
                    parameter.setdefault("schema", {})["maximum"] = MAX_PAGE

    @app.before_request
    def _refuse_absurd_page():
        page = request.args.get("page", "")
        if request.path.startswith("/api/") and page.isascii() and page.isdigit() and (
                len(page) > 6 or int(page) > MAX_PAGE):
            raise ValidationError({"page": [gettext("Use a page number from 1 to %(max)s.",
                                                    max=MAX_PAGE)]})
