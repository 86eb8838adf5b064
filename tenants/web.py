"""What every workspace page and API route shares: entering the co-op named in the URL,
role checks, the workspace navigation, paging through a query, and strict input schemas.

Use ``coop_pages(...)`` for pages under ``/c/<slug>/`` and ``coop_api(...)`` for JSON
routes under ``/api/v1/c/<slug>/``. Both bind the co-op before any view runs, so a view
only ever calls ``tenant_session()``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import flask_smorest
import marshmallow as ma
from flask import Blueprint, current_app, g, request
from flask_babel import gettext
from flask_login import current_user
from flask_smorest.pagination import Page
from sqlalchemy import Select, func, select
from werkzeug.exceptions import BadRequest

from core import audit
from core.errors import DomainError, Forbidden, Unreadable
from core.timeutil import as_utc
from tenants.context import bind_tenant, tenant_session
from tenants.registry.models import Role
from tenants.registry.service import access_coop
from tenants.store import TenantRef

ALL_ROLES = tuple(Role)
MANAGERS = (Role.ADMIN, Role.COORDINATOR)


class Unauthenticated(DomainError):
    """Sign in first."""

    status = 401
    code = "unauthenticated"


class CoopBusy(DomainError):
    """This co-op has used its share of the service for now (its rate limit)."""

    status = 429
    code = "coop_rate_limited"

    def __init__(self, retry_after: int):
        super().__init__(retry_after=retry_after)
        self.retry_after = retry_after


def requested_coop_slug() -> str | None:
    """The slug of the co-op whose workspace this request names (None elsewhere), once
    the URL has been read: the sign-in loader asks, to read the co-op with the session."""
    return g.get("coop_slug")


def note_coop_access(slug: str, account_id: int, coop, role: str | None) -> None:
    """Keep, for this request only, what the login-session query read about the co-op at
    ``slug`` and ``account_id``'s role there (``with_access``), so that entering the co-op
    decides on it without a second query. The entry and the request's end drop it."""
    g.coopfed_coop_access = (slug, account_id, coop, role)


def limit_coop(refused_for: Callable[[str], int | None]) -> None:
    """Count a member's request against its co-op's rate limit as it arrives.

    A before-request hook of the whole app, bound ahead of every other: before the CSRF
    check reads a form and before the co-op's store is opened. The login-session query
    (which entering the co-op needs anyway, and which reads the co-op and the person's
    role there with the session) tells whether the signed-in person is a member; only
    members are counted, so nobody outside a co-op can spend its allowance (they get 404
    at the entry, as before). ``refused_for(slug)`` counts one request and returns the
    seconds until the co-op is served again when it is over its limit, else None.
    """
    slug = g.get("coop_slug")
    if slug is None or not current_user.is_authenticated:
        return
    noted = g.get("coopfed_coop_access")
    if noted is None or noted[:2] != (slug, current_user.account.id) \
            or noted[2] is None or noted[3] is None:
        return
    retry_after = refused_for(slug)
    if retry_after is not None:
        raise CoopBusy(retry_after)


def _noted_access(slug: str, account_id: int):
    noted = g.pop("coopfed_coop_access", None)
    if noted is None or noted[:2] != (slug, account_id):
        return None
    return noted[2:]


def _enter_coop(api: bool):
    """The co-op comes from the URL and must be one of the person's memberships; then
    the person's role there must be one the view declared."""
    if getattr(g, "coop", None) is None:
        if not current_user.is_authenticated:
            if api:
                raise Unauthenticated(gettext("Sign in to use this co-op's API."))
            return current_app.login_manager.unauthorized()
        account_id = current_user.account.id
        coop, role = access_coop(g.coop_slug, account_id, ip=request.remote_addr,
                                 found=_noted_access(g.coop_slug, account_id))
        g.coop, g.coop_role = coop, role
        bind_tenant(TenantRef(coop.id, coop.slug))
    _check_role()
    if api:
        check_json_body()
    return None


BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def check_json_body() -> None:
    """Refuse, with 400, an API request whose body cannot be read as JSON.

    Called after the permission check and before the view's schema parses the body, so
    "could not read it" (400) and "read it, but a field is wrong" (422) never mix: a
    body that is not JSON would otherwise be read as no fields at all.
    """
    if request.method not in BODY_METHODS:
        return
    # A form body has already been read by the CSRF check, so its length is what tells.
    if not (request.content_length or request.get_data(cache=True)):
        return
    if not request.is_json:
        raise Unreadable(gettext("Send the request body as JSON, with the header "
                                 "Content-Type: application/json."))
    try:
        request.get_json()
    except BadRequest:
        raise Unreadable(gettext("The request body is not valid JSON.")) from None


def declared_roles(view, method: str) -> tuple[str, ...] | None:
    """The roles a view declared with ``require_role`` (for a class-based view, the
    roles of its handler for ``method``); None when it declared none."""
    roles = getattr(view, "coopfed_roles", None)
    view_class = getattr(view, "view_class", None)
    if roles is None and view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":  # Flask answers HEAD with the GET handler
            handler = getattr(view_class, "get", None)
        roles = getattr(handler, "coopfed_roles", None)
    return roles


def _check_role() -> None:
    """Refuse a role the view did not declare, before the view runs.

    This runs in the blueprint's ``before_request``, so it comes before anything reads or
    parses the request's body: someone without permission gets 403 whatever they sent,
    never 400 or 422 (which would tell them what the route expects). A workspace view
    that declares no roles is refused to everyone, so a forgotten declaration fails
    closed (``tests/test_request_rules.py`` checks that none is forgotten).
    """
    if request.method == "OPTIONS":
        return
    roles = declared_roles(current_app.view_functions.get(request.endpoint), request.method)
    if roles is not None and g.coop_role in roles:
        return
    if roles is None:
        current_app.logger.error("workspace view %s declares no roles: refused",
                                 request.endpoint)
    audit.record_despite_rollback(
        "access.refused", actor_account_id=current_user.account.id, coop_id=g.coop.id,
        outcome="refused", endpoint=request.endpoint, role=g.coop_role)
    raise Forbidden(gettext("Your role in this co-op does not allow this."))


def _attach(blueprint, api: bool):
    @blueprint.url_value_preprocessor
    def _pull_slug(_endpoint, values):
        g.coop_slug = values.pop("slug")

    @blueprint.url_defaults
    def _add_slug(_endpoint, values):
        if "slug" not in values and getattr(g, "coop", None) is not None:
            values["slug"] = g.coop.slug

    blueprint.before_request(functools.partial(_enter_coop, api))
    return blueprint


def coop_pages(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint of workspace pages at ``/c/<slug><url_prefix>``."""
    return _attach(Blueprint(name, import_name, url_prefix=f"/c/<slug>{url_prefix}",
                             template_folder="templates"), api=False)


def coop_api(name: str, import_name: str, url_prefix: str = "",
             description: str = "") -> flask_smorest.Blueprint:
    """A flask-smorest blueprint at ``/api/v1/c/<slug><url_prefix>``, documented in OpenAPI."""
    blueprint = flask_smorest.Blueprint(name, import_name, description=description,
                                        url_prefix=f"/api/v1/c/<slug>{url_prefix}")
    return _attach(blueprint, api=True)


def current_role() -> str:
    """The signed-in person's role in the current co-op."""
    return g.coop_role


def current_account_id() -> int:
    """The signed-in person's account id (the actor recorded in audit rows)."""
    return current_user.account.id


def require_role(*roles: str) -> Callable:
    """Declare the roles that may use this workspace view.

    The blueprint's ``before_request`` (``_check_role``) enforces it for every view on a
    ``coop_pages`` or ``coop_api`` blueprint, before the body is read, wherever this
    decorator sits among the others; anyone else in the co-op gets 403, audited.
    """

    def decorate(view):
        view.coopfed_roles = tuple(roles)
        return view

    return decorate


@dataclass(frozen=True)
class NavItem:
    """An entry in the workspace navigation, for some roles and (optionally) co-op types."""

    endpoint: str
    label: object
    roles: tuple[str, ...]
    coop_types: tuple[str, ...] | None = None


NAV: list[NavItem] = []


def register_nav(endpoint: str, label, roles=ALL_ROLES, coop_types=None) -> None:
    """Add a workspace navigation entry (``label`` is a lazy gettext string).

    ``coop_types`` limits the entry to co-ops of those types (None: every type).
    """
    if all(item.endpoint != endpoint for item in NAV):
        NAV.append(NavItem(endpoint, label, tuple(str(r) for r in roles),
                           tuple(str(t) for t in coop_types) if coop_types else None))


def nav_for(role: str) -> list[NavItem]:
    """The navigation entries this role may open in the current co-op."""
    coop_type = g.coop.coop_type
    return [item for item in NAV if role in item.roles
            and (item.coop_types is None or coop_type in item.coop_types)]


class SelectPage(Page):
    """Pages through a SQLAlchemy ``Select`` on the current co-op's session."""

    @property
    def items(self):
        stmt: Select = self.collection
        params = self.page_params
        return list(tenant_session().scalars(
            stmt.offset(params.first_item).limit(params.page_size)))

    @property
    def item_count(self):
        stmt: Select = self.collection
        return tenant_session().scalar(
            select(func.count()).select_from(stmt.order_by(None).subquery()))


def _reject_nul(value, path: str, errors: dict) -> None:
    if isinstance(value, str) and "\x00" in value:
        errors[path] = [gettext("Must not contain NUL characters.")]
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(item, f"{path}.{key}" if path else str(key), errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_nul(item, f"{path}.{index}" if path else str(index), errors)


class UTCDateTime(ma.fields.DateTime):
    """A stored instant, always written with its UTC offset (RFC 3339), on either store.

    SQLite hands back naive UTC values; an API that promises ``date-time`` must not
    answer ``2026-12-06T21:55:57`` there and ``…+00:00`` on PostgreSQL.
    """

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value), attr, obj, **kwargs)


class StrictSchema(ma.Schema):
    """Base of every input schema: unknown fields and NUL characters are refused by name."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _no_nul(self, data, **_kwargs):
        errors: dict = {}
        _reject_nul(data, "", errors)
        if errors:
            raise ma.ValidationError(errors)
        return data
