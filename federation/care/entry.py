"""Entering a co-op's care page: through the care index and the co-op's own store only.

A person receiving care, or a family member, usually has no membership in the co-op, so
the workspace's entry (``tenants.web``) would refuse them. Here the federation's
``care_access`` index says whether the account may try; the co-op's store then says
which client's page it is (``care_person.service.access_seat``). Anything else answers
404, exactly as for a co-op that does not exist, and the refusal is audited.
"""

from __future__ import annotations

import functools

from flask import current_app, g, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import Forbidden, NotFound
from tenants.care_person.access import has_care_access
from tenants.care_person.service import seats_for
from tenants.context import bind_tenant
from tenants.registry.models import Coop
from tenants.registry.service import check_serving
from tenants.store import TenantRef
from tenants.web import Unauthenticated, check_json_body


def _enter(api: bool):
    if getattr(g, "care_coop", None) is None:
        if not current_user.is_authenticated:
            if api:
                raise Unauthenticated(gettext("Sign in to see your care."))
            return current_app.login_manager.unauthorized()
        _enter_coop(current_user.account.id)
    _check_speaks_for_person(current_user.account.id)
    if api:
        check_json_body()
    return None


def _enter_coop(account_id: int) -> None:
    coop = db.session.scalar(select(Coop).where(Coop.slug == g.care_slug))
    if coop is None or not has_care_access(account_id, coop.id):
        audit.record_despite_rollback(
            "access.refused", actor_account_id=account_id, outcome="refused",
            coop_id=coop.id if coop else None, ip=request.remote_addr,
            slug=g.care_slug[:40], area="care")
        raise NotFound()
    check_serving(coop)
    g.care_coop = coop
    bind_tenant(TenantRef(coop.id, coop.slug))


def for_the_person(view):
    """Declare a view that only the person, or their representative, may use (not a
    family member): ``_enter`` enforces it before the body is read."""
    view.coopfed_for_the_person = True
    return view


def _check_speaks_for_person(account_id: int) -> None:
    """A family member asking for what only the person may do gets 403 before anything
    reads the body, so an invalid body never answers 422 to someone without permission.
    The service checks the seat the body names again."""
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "coopfed_for_the_person", False):
        return
    if any(seat.speaks_for_person for seat in seats_for(account_id)):
        return
    audit.record_despite_rollback(
        "access.refused", actor_account_id=account_id, outcome="refused",
        coop_id=g.care_coop.id, endpoint=request.endpoint, area="care")
    raise Forbidden(gettext("Only the person, or their representative, can do this."))


def attach(blueprint, *, api: bool):
    """Make ``blueprint`` (with ``<slug>`` in its prefix) enter through the care index."""

    @blueprint.url_value_preprocessor
    def _pull_slug(_endpoint, values):
        g.care_slug = values.pop("slug")

    @blueprint.url_defaults
    def _add_slug(_endpoint, values):
        if "slug" not in values and getattr(g, "care_coop", None) is not None:
            values["slug"] = g.care_coop.slug

    blueprint.before_request(functools.partial(_enter, api))
    return blueprint
