"""The federation admin's list of co-ops: state, attempts, job status; suspend, reactivate
and retry, audited; everyone else gets 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from federation.extensions import limiter
from tenants.registry.models import Coop, CoopState
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, create_account, create_coop


@pytest.fixture
def admin_client(app):
    """A client signed in as a new federation admin, and the admin's account."""
    limiter.reset()
    account = create_account(app, is_federation_admin=True)
    client = app.test_client()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    return client, account


def _state(app, coop_id: int) -> str:
    with app.app_context():
        return db.session.get(Coop, coop_id).state


def _audit(app, action: str, coop_id: int | None = None, **where) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        if coop_id is not None:
            stmt = stmt.where(AuditEvent.coop_id == coop_id)
        for column, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, column) == value)
        rows = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return rows


def test_suspend_and_reactivate(app, two_coops, admin_client):
    (a, admin_a), (b, admin_b) = two_coops
    client, admin = admin_client
    page = client.get("/admin/coops").get_data(as_text=True)
    assert f'id="coop-{a.slug}"' in page and f'id="coop-{b.slug}"' in page
    token = csrf_token(client, "/admin/coops")
    response = client.post(f"/admin/coops/{a.slug}/suspend",
                           data={"csrf_token": token, "reason": "Unpaid fees"})
    assert response.status_code == 302
    assert _state(app, a.id) == CoopState.SUSPENDED and _state(app, b.id) == CoopState.ACTIVE
    (row,) = _audit(app, "coop.suspend", a.id)
    assert row.actor_account_id == admin.id and row.detail == {"before": "active",
                                                              "after": "suspended"}
    assert "Unpaid fees" in client.get("/admin/coops").get_data(as_text=True)
    # A's workspace is closed to its own admin; B's is not.
    limiter.reset()
    member = app.test_client()
    sign_in(member, admin_a.email, PASSWORD)
    assert member.get(f"/c/{a.slug}/").status_code == 503
    other = app.test_client()
    sign_in(other, admin_b.email, PASSWORD)
    assert other.get(f"/c/{b.slug}/").status_code == 200

    # Suspending again is refused without a change; reactivating works once.
    client.post(f"/admin/coops/{a.slug}/suspend", data={"csrf_token": token})
    assert len(_audit(app, "coop.suspend", a.id)) == 1
    assert client.post(f"/admin/coops/{a.slug}/reactivate",
                       data={"csrf_token": token}).status_code == 302
    assert _state(app, a.id) == CoopState.ACTIVE
    assert _audit(app, "coop.reactivate", a.id, actor_account_id=admin.id)
    assert member.get(f"/c/{a.slug}/").status_code == 200
    # Without CSRF nothing happens; an unknown slug or action is 404.
    assert client.post(f"/admin/coops/{a.slug}/suspend").status_code == 400
    assert client.post("/admin/coops/no-such-coop/suspend",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/admin/coops/{a.slug}/archive",
                       data={"csrf_token": token}).status_code == 404
    assert _state(app, a.id) == CoopState.ACTIVE


def test_everyone_else_gets_404(app, client, two_coops):
    (a, admin_a), _ = two_coops
    assert client.get("/admin/coops").status_code == 404
    limiter.reset()
    assert sign_in(client, admin_a.email, PASSWORD).status_code == 302
    assert client.get("/admin/coops").status_code == 404
    token = csrf_token(client, f"/c/{a.slug}/")
    assert client.post(f"/admin/coops/{a.slug}/suspend",
                       data={"csrf_token": token}).status_code == 404
    assert _state(app, a.id) == CoopState.ACTIVE
    assert _audit(app, "admin.access_refused", actor_account_id=admin_a.id,
                  outcome="refused")


def test_retry_a_failed_coop_and_follow_its_job(app, two_coops, admin_client, run_jobs):
    client, admin = admin_client
    failed, _ = create_coop(app, provision=False)
    with app.app_context():
        coop = db.session.get(Coop, failed.id)
        coop.state, coop.state_reason = CoopState.FAILED, "OperationalError: disk full"
        coop.provisioning_attempts = 1
        db.session.commit()
    page = client.get("/admin/coops").get_data(as_text=True)
    row = page[page.index(f'id="coop-{failed.slug}"'):]
    row = row[:row.index("</tr>")]
    assert "disk full" in row and "Retry set-up" in row and "Failed" in row
    token = csrf_token(client, "/admin/coops")
    backend = app.extensions["coopfed.jobs"]
    assert client.post(f"/admin/coops/{failed.slug}/retry",
                       data={"csrf_token": token}).status_code == 302
    assert _audit(app, "coop.provisioning_retried", failed.id, actor_account_id=admin.id)
    if type(backend).__name__ == "RQBackend":
        # The job waits in RQ until a worker takes it, and the page reads it from there.
        page = client.get("/admin/coops").get_data(as_text=True)
        row = page[page.index(f'id="coop-{failed.slug}"'):]
        row = row[:row.index("</tr>")]
        assert "Queued" in row and "from the co-op" not in row and "Retry set-up" not in row
    run_jobs()
    assert _state(app, failed.id) == CoopState.ACTIVE
    # Retrying an active co-op is refused.
    client.post(f"/admin/coops/{failed.slug}/retry", data={"csrf_token": token})
    assert len(_audit(app, "coop.provisioning_retried", failed.id)) == 1


def test_paging(app, two_coops, admin_client):
    client, _ = admin_client
    assert client.get("/admin/coops?page=1").status_code == 200
    assert client.get("/admin/coops?page=0").status_code == 422
    assert client.get("/admin/coops?page=abc").status_code == 422
    assert client.get("/admin/coops?page=" + "9" * 5000).status_code == 422
    assert client.get("/admin/coops?page=99999").status_code == 404


def test_verify_a_co_op_for_statistics(app, two_coops, admin_client):
    """Issue 18: a co-op's figures count only once a federation admin has verified it."""
    (a, admin_a), (b, _) = two_coops
    client, admin = admin_client
    page = client.get("/admin/coops").get_data(as_text=True)
    assert f'action="/admin/coops/{a.slug}/verify-statistics"' in page
    token = csrf_token(client, "/admin/coops")
    assert client.post(f"/admin/coops/{a.slug}/verify-statistics",
                       data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Coop, a.id).stats_verified_at is not None
        assert db.session.get(Coop, b.id).stats_verified_at is None
    (row,) = _audit(app, "coop.stats_verified", a.id)
    assert row.actor_account_id == admin.id
    page = client.get("/admin/coops").get_data(as_text=True)
    assert f'action="/admin/coops/{a.slug}/verify-statistics"' not in page
    # Again: nothing new. A suspended co-op cannot be verified. Nobody else may.
    client.post(f"/admin/coops/{a.slug}/verify-statistics", data={"csrf_token": token})
    assert len(_audit(app, "coop.stats_verified", a.id)) == 1
    client.post(f"/admin/coops/{b.slug}/suspend", data={"csrf_token": token})
    client.post(f"/admin/coops/{b.slug}/verify-statistics", data={"csrf_token": token})
    assert not _audit(app, "coop.stats_verified", b.id)
    limiter.reset()
    member = app.test_client()
    sign_in(member, admin_a.email, PASSWORD)
    other_token = csrf_token(member, f"/c/{a.slug}/")
    assert member.post(f"/admin/coops/{b.slug}/verify-statistics",
                       data={"csrf_token": other_token}).status_code == 404
