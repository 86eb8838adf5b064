"""Consent: only an approved consent is published, and withdrawal removes the worker."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from services.lending import matching
from services.pool.models import PoolProfile, PoolShift
from tenants.lending.models import PoolConsent
from tenants.outbox.models import OutboxEvent
from tests.fixtures.factories import drain_jobs
from tests.services.lending.helpers import (
    add_worker,
    eligible_refs,
    next_weekday,
    pool_coop,
    pool_worker,
    profile,
    request_body,
)


def _candidates(app, api_client, borrower, admin, body) -> list[str]:
    client = api_client(admin)
    request_id = client.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=body).get_json()["id"]
    top = client.get(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/candidates")
    assert top.status_code == 200 and len(top.get_json()) <= 5
    return eligible_refs(app, request_id)


def test_opting_in_publishes_nothing_until_a_coordinator_approves(app, api_client,
                                                                  coop_session):
    coop, admin = pool_coop(app, "W06000002")
    other, _ = pool_coop(app, "W06000003")
    _worker_id, account = add_worker(app, coop, coop_session)
    worker = api_client(account)
    half = worker.post(f"/api/v1/c/{coop.slug}/worker-pool/consent", json={"i_consent": False})
    assert half.status_code == 422 and "i_consent" in half.get_json()["errors"]
    opted = worker.post(f"/api/v1/c/{coop.slug}/worker-pool/consent", json={"i_consent": True})
    assert opted.status_code == 201
    assert opted.get_json()["state"] == "awaiting_approval"
    drain_jobs(app)
    with coop_session(coop) as session:
        consent = session.scalar(select(PoolConsent))
        ref = consent.worker_ref
        assert session.scalar(select(OutboxEvent).where(
            OutboxEvent.type == "pool.profile_changed")) is None
    assert profile(app, ref) is None
    # Approving is for coordinators: the worker cannot approve themselves.
    assert worker.post(f"/api/v1/c/{coop.slug}/worker-pool/consents/{consent.id}/approve"
                       ).status_code == 403
    # Another co-op's admin does not even see it.
    assert api_client(_).post(f"/api/v1/c/{coop.slug}/worker-pool/consents/{consent.id}/approve"
                              ).status_code == 404
    approved = api_client(admin).post(
        f"/api/v1/c/{coop.slug}/worker-pool/consents/{consent.id}/approve")
    assert approved.get_json()["state"] == "approved"
    drain_jobs(app)
    published = profile(app, ref)
    assert published is not None and published.coop_id == coop.id
    assert published.skills == ["dementia", "personal_care"]
    assert published.scw_status == "registered"


def test_withdrawn_consent_is_never_matched(app, api_client, coop_session):
    lender, _ = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, account, ref = pool_worker(app, lender, coop_session)
    day = next_weekday(4)
    assert ref in _candidates(app, api_client, borrower, borrower_admin, request_body(day))

    with coop_session(lender) as session:
        consent_id = session.scalar(select(PoolConsent.id).where(
            PoolConsent.worker_ref == ref))
    worker = api_client(account)
    assert worker.delete(f"/api/v1/c/{lender.slug}/worker-pool/consent/{consent_id + 999}"
                         ).status_code == 404
    withdrawn = worker.delete(f"/api/v1/c/{lender.slug}/worker-pool/consent/{consent_id}")
    assert withdrawn.status_code == 200
    drain_jobs(app)  # one relay cycle
    assert profile(app, ref) is None
    with app.app_context():
        assert db.session.scalar(select(PoolShift.id).join(PoolProfile).where(
            PoolProfile.worker_ref == ref)) is None
    assert ref not in _candidates(app, api_client, borrower, borrower_admin, request_body(day))
    # Not even by offering the ref directly.
    client = api_client(borrower_admin)
    request_id = client.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=request_body(day)).get_json()["id"]
    offered = client.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                          json={"worker_ref": ref})
    assert offered.status_code == 422
    assert "worker_ref" in offered.get_json()["errors"]
    with app.app_context():
        from services.lending.models import LendingRequest

        stored = db.session.get(LendingRequest, request_id)
        everyone = matching.find_candidates(matching.need_of(stored), limit=10_000)
        assert ref not in {c.worker_ref for c in everyone}


def test_a_coop_that_leaves_the_pool_takes_its_workers_with_it(app, coop_session, client):
    lender, lender_admin = pool_coop(app, "W06000002")
    _other, _ = pool_coop(app, "W06000003")
    _worker_id, _account, ref = pool_worker(app, lender, coop_session)
    assert profile(app, ref) is not None
    from tests.fixtures.app import csrf_token, sign_in
    from tests.fixtures.factories import PASSWORD

    assert sign_in(client, lender_admin.email, PASSWORD).status_code == 302
    token = csrf_token(client, f"/c/{lender.slug}/worker-pool/")
    left = client.post(f"/c/{lender.slug}/worker-pool/joins",
                       data={"joins": "n", "csrf_token": token})
    assert left.status_code == 302
    assert profile(app, ref) is None
    with app.app_context():
        assert db.session.scalar(select(PoolProfile.id).where(
            PoolProfile.coop_id == lender.id)) is None
