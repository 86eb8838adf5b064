"""One unit of work per request: a refusal rolls back what was flushed, whatever the status.

The probe views below stand for any view that catches a ``DomainError`` and redirects or
re-renders: before issue 17 the boundary committed every response below 400, so the
refusing service's flushed writes were kept.
"""

from __future__ import annotations

import pytest
from flask import Blueprint, redirect
from sqlalchemy import func, select

from core import audit
from core.db import db
from core.errors import Conflict, NotFound
from tenants.audit import service as tenant_audit
from tenants.audit.models import TenantAuditEvent
from tenants.context import bind_tenant, tenant_session
from tenants.store import TenantRef
from tests.fixtures.factories import create_coop, in_coop


def _flush_then_refuse(action: str, refuse: type[Exception] | None):
    """A service: writes to both stores, flushes, then maybe refuses."""
    audit.record(db.session, action)
    tenant_audit.record(tenant_session(), action)
    db.session.flush()
    tenant_session().flush()
    if refuse is not None:
        raise refuse("refused on purpose")


def _probe_blueprint() -> Blueprint:
    bp = Blueprint("uow_probe", __name__)

    def _bind(slug, coop_id):
        bind_tenant(TenantRef(coop_id, slug))

    @bp.get("/_uow/<slug>/<int:coop_id>/<action>/caught")
    def caught(slug, coop_id, action):
        _bind(slug, coop_id)
        try:
            _flush_then_refuse(action, Conflict)
        except Conflict:
            return redirect("/")
        return "unreachable"

    @bp.get("/_uow/<slug>/<int:coop_id>/<action>/rendered")
    def rendered(slug, coop_id, action):
        _bind(slug, coop_id)
        try:
            _flush_then_refuse(action, Conflict)
        except Conflict as exc:
            return f"shown again with: {exc.message}", 200
        return "unreachable"

    @bp.get("/_uow/<slug>/<int:coop_id>/<action>/tolerated")
    def tolerated(slug, coop_id, action):
        _bind(slug, coop_id)
        try:
            raise NotFound("no such thing, and that is fine here")
        except NotFound as exc:
            exc.tolerate()
        _flush_then_refuse(action, None)
        return redirect("/")

    @bp.get("/_uow/<slug>/<int:coop_id>/<action>/fine")
    def fine(slug, coop_id, action):
        _bind(slug, coop_id)
        _flush_then_refuse(action, None)
        return "done", 418  # a status of 400 or more no longer decides anything

    @bp.get("/_uow/<slug>/<int:coop_id>/<action>/escaped")
    def escaped(slug, coop_id, action):
        _bind(slug, coop_id)
        _flush_then_refuse(action, Conflict)
        return "unreachable"

    return bp


@pytest.fixture(scope="module")
def probe_app(tmp_path_factory, scratch_stores):
    """An app of its own with the probe views (routes cannot be added to a used app)."""
    from tests.fixtures.app import build_app, close_app

    application = build_app(tmp_path_factory.mktemp("uow"), scratch_stores)
    application.register_blueprint(_probe_blueprint())
    first, _ = create_coop(application)
    second, _ = create_coop(application)
    yield application, first, second
    close_app(application)


def _counts(app, coop, action: str) -> tuple[int, int]:
    with app.app_context():
        federation = db.session.scalar(
            select(func.count()).select_from(audit.AuditEvent)
            .where(audit.AuditEvent.action == action))
    with in_coop(app, coop) as session:
        tenant = session.scalar(select(func.count()).select_from(TenantAuditEvent)
                                .where(TenantAuditEvent.action == action))
    return federation, tenant


@pytest.mark.parametrize("view, status, kept", [
    ("caught", 302, False),      # the bug: caught, redirected, and the writes were committed
    ("rendered", 200, False),    # caught and shown again with 200: nothing committed either
    ("escaped", 409, False),     # the error handler's 409: rolled back, as before
    ("tolerated", 302, True),    # an expected refusal does not spoil the request's own writes
    ("fine", 418, True),         # returned normally: committed, whatever the status
])
def test_a_refusal_caught_by_a_view_commits_none_of_the_services_writes(
        probe_app, view, status, kept):
    app, first, second = probe_app
    action = f"uow.{view}"
    answer = app.test_client().get(f"/_uow/{first.slug}/{first.id}/{action}/{view}")
    assert answer.status_code == status
    expected = 1 if kept else 0
    assert _counts(app, first, action) == (expected, expected)
    assert _counts(app, second, action) == (expected, 0)  # the other co-op saw nothing


def test_a_refusal_outside_a_request_marks_nothing(app):
    """Jobs and scripts own their transactions: a DomainError there dooms no request."""
    with app.app_context():
        Conflict("not in a request")
        from core import unit_of_work

        assert unit_of_work.should_commit()
