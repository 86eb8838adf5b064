"""The lending workflow end to end, through the API: request → offer → lender approves →
worker accepts → borrower confirms → both rotas → completed → ledger."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.db import db
from services.lending import ledger, timesheets
from services.lending import service as lending
from services.lending.models import LedgerEntry, LendingAgreement, Notification
from tenants.lending.models import GuestAssignment, LendingCommitment
from tests.fixtures.factories import add_member, create_account
from tests.services.lending.helpers import (
    confirm_loan_via_api,
    eligible_refs,
    next_weekday,
    pool_coop,
    pool_worker,
    record_compliance,
    request_body,
)


def _coordinator(app, coop):
    person = create_account(app, name="Coordinator")
    add_member(app, coop, person, "coordinator")
    return person


def test_a_loan_goes_from_request_to_ledger(app, api_client, coop_session, run_jobs):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    worker_id, worker_account, ref = pool_worker(app, lender, coop_session)
    saturday = next_weekday(5)

    borrow = api_client(borrower_admin)
    created = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                          json=request_body(saturday))
    assert created.status_code == 201, created.get_json()
    request_id = created.get_json()["id"]
    found = borrow.get(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/candidates")
    assert 1 <= len(found.get_json()) <= 5
    for candidate in found.get_json():
        assert set(candidate["reasons"]) == {"continuity", "distance_km", "reciprocity_hours",
                                             "recent_lends", "asked_not"}
    assert ref in eligible_refs(app, request_id)

    offered = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                          json={"worker_ref": ref})
    assert offered.status_code == 201, offered.get_json()
    agreement_id = offered.get_json()["id"]

    lend = api_client(lender_admin)
    approved = lend.post(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve")
    assert approved.get_json()["state"] == "approved"
    worker = api_client(worker_account)
    accepted = worker.post(f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/accept")
    assert accepted.get_json()["state"] == "accepted"
    record_compliance(app, agreement_id)
    confirmed = borrow.post(f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/confirm")
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["state"] == "confirmed"
    run_jobs()

    with coop_session(borrower) as session:
        guests = session.scalars(select(GuestAssignment)).all()
        assert [(g.worker_ref, g.agreement_id) for g in guests] == [(ref, agreement_id)]
        # Only the first name crosses, for the person cared for to be told who is coming.
        assert [g.worker_first_name for g in guests] == ["Elin"]
    with coop_session(lender) as session:
        commitments = session.scalars(select(LendingCommitment)).all()
        assert [(c.worker_id, c.agreement_id) for c in commitments] == [(worker_id, agreement_id)]

    page = worker.client.get(f"/c/{lender.slug}/worker-pool/")
    assert page.status_code == 200, page.get_data(as_text=True)[:3000]
    assert borrower.name in page.get_data(as_text=True)

    with app.app_context():
        kinds = set(db.session.scalars(select(Notification.kind).where(
            Notification.agreement_id == agreement_id)))
        assert {"offered", "approved", "accepted", "confirmed"} <= kinds
        late = datetime.combine(saturday + timedelta(days=1), datetime.min.time())
        lending.do_complete(agreement_id, borrower.id, actor=None, now=late)
        agreement = db.session.get(LendingAgreement, agreement_id)
        assert lending.post_to_ledger(agreement) is None  # no approved hours, no entry
        timesheets.check_submit(agreement_id, 240, lender_coop_id=lender.id, actor=None,
                                now=late)
        timesheets.do_approve(agreement_id, borrower.id, actor=None, now=late)
        lending.post_to_ledger(agreement)  # posting twice adds nothing
        db.session.commit()
        entries = db.session.scalars(select(LedgerEntry).where(
            LedgerEntry.agreement_id == agreement_id)).all()
        assert len(entries) == 1
        assert entries[0].minutes == 240
        # 12.60 wage + 1.89 NI + 0.38 pension + 1.52 holiday + 1.26 overheads, for 4 hours.
        assert entries[0].rate == Decimal("17.65")
        assert entries[0].amount == Decimal("70.60")
        month = saturday.replace(day=1)
        mine = ledger.statements(lender.id, month)
        theirs = ledger.statements(borrower.id, month)
        assert [(s.other_coop_id, s.net_amount) for s in mine] == [(borrower.id,
                                                                     Decimal("70.60"))]
        assert [(s.other_coop_id, s.net_amount) for s in theirs] == [(lender.id,
                                                                       Decimal("-70.60"))]
        assert ledger.balance_minutes(lender.id, borrower.id) == 240
        assert ledger.balance_minutes(borrower.id, lender.id) == -240

    csv = borrow.client.get(f"/c/{borrower.slug}/lending/ledger.csv?month={month:%Y-%m}")
    assert csv.status_code == 200
    assert csv.mimetype == "text/csv"
    assert "-70.60" in csv.get_data(as_text=True)
    other = _coordinator(app, lender)
    assert api_client(other).get(
        f"/api/v1/c/{lender.slug}/lending/ledger?month={month:%Y-%m}").status_code == 200


def test_cancelling_a_confirmed_loan_clears_both_rotas(app, api_client, coop_session,
                                                        run_jobs):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, worker_account, ref = pool_worker(app, lender, coop_session)
    borrow, lend, worker = (api_client(borrower_admin), api_client(lender_admin),
                            api_client(worker_account))
    _request_id, agreement_id, _confirmed = confirm_loan_via_api(
        app, borrow, lend, worker, borrower, lender, ref, request_body(next_weekday(2)))
    run_jobs()
    cancelled = lend.post(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/cancel")
    assert cancelled.get_json()["state"] == "cancelled"
    run_jobs()
    with coop_session(borrower) as session:
        assert all(g.cancelled_at for g in session.scalars(select(GuestAssignment)))
    with coop_session(lender) as session:
        assert all(c.cancelled_at for c in session.scalars(select(LendingCommitment)))
    again = lend.post(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve")
    assert again.status_code == 409


def test_stale_offers_expire(app, api_client, coop_session):
    lender, _lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, _account, ref = pool_worker(app, lender, coop_session)
    borrow = api_client(borrower_admin)
    request_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=request_body(next_weekday(3))).get_json()["id"]
    agreement_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                               json={"worker_ref": ref}).get_json()["id"]
    with app.app_context():
        lending.expire_stale()
        assert db.session.get(LendingAgreement, agreement_id).state == "offered"
        later = datetime.now(lending.UTC) + lending.OFFER_TTL + timedelta(minutes=1)
        result = lending.expire_stale(later)
        db.session.commit()
        assert result["offers"] >= 1
        assert db.session.get(LendingAgreement, agreement_id).state == "expired"


def test_a_worker_who_served_the_client_before_ranks_first(app, api_client, coop_session,
                                                           run_jobs):
    from tenants.clients import schemas as client_schemas
    from tenants.clients.service import do_create_client
    from tests.tenants.workforce.helpers import client_payload

    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _first_id, first_account, first = pool_worker(app, lender, coop_session)
    with coop_session(borrower):
        client_id = do_create_client(client_schemas.ClientIn().load(client_payload()),
                                     actor_account_id=1).id
    borrow = api_client(borrower_admin)
    body = request_body(next_weekday(1), client_id=client_id)
    request_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=body).get_json()["id"]
    agreement_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                               json={"worker_ref": first}).get_json()["id"]
    api_client(lender_admin).post(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve")
    api_client(first_account).post(
        f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/accept")
    record_compliance(app, agreement_id)
    borrow.post(f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/confirm")
    run_jobs()
    with coop_session(borrower) as session:
        assert session.scalar(select(GuestAssignment.client_id).where(
            GuestAssignment.agreement_id == agreement_id)) == client_id

    # Next time, the borrower's own store hints that this worker knows the client.
    again = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                        json=request_body(next_weekday(3), client_id=client_id)).get_json()
    with app.app_context():
        from services.lending.models import LendingRequest

        stored = db.session.get(LendingRequest, again["id"])
        assert stored.continuity_refs == [first]
        assert "client" not in {c.name for c in LendingRequest.__table__.columns}
    top = borrow.get(f"/api/v1/c/{borrower.slug}/lending/requests/{again['id']}/candidates")
    assert top.get_json()[0]["worker_ref"] == first
    assert top.get_json()[0]["reasons"]["continuity"] is True
    # Another co-op's client id is refused by name.
    refused = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                          json=request_body(next_weekday(3), client_id=client_id + 10_000))
    assert refused.status_code == 422 and "client_id" in refused.get_json()["errors"]


def test_the_loan_shows_on_both_rota_pages(app, api_client, coop_session, run_jobs):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, worker_account, ref = pool_worker(app, lender, coop_session)
    borrow, worker = api_client(borrower_admin), api_client(worker_account)
    day = next_weekday(2)
    confirm_loan_via_api(app, borrow, api_client(lender_admin), worker, borrower, lender, ref,
                         request_body(day))
    run_jobs()
    week = borrow.client.get(f"/c/{borrower.slug}/rota/?week={day.isoformat()}"
                             f"&day={day.weekday()}").get_data(as_text=True)
    assert 'id="guests"' in week and lender.name in week
    mine = worker.client.get(f"/c/{lender.slug}/rota/mine?week={day.isoformat()}")
    assert mine.status_code == 200
    assert 'id="lent"' in mine.get_data(as_text=True)


def test_the_expiry_job_closes_requests_whose_slots_have_begun(app, api_client):
    from services.lending import tasks

    borrower, admin = pool_coop(app, "W06000003")
    _other, _ = pool_coop(app, "W06000002")
    request_id = api_client(admin).post(f"/api/v1/c/{borrower.slug}/lending/requests",
                                        json=request_body(next_weekday(1))).get_json()["id"]
    with app.app_context():
        tasks.expire()
        db.session.commit()
        from services.lending.models import LendingRequest

        assert db.session.get(LendingRequest, request_id).state == "open"
        later = datetime.now(lending.UTC) + timedelta(days=30)
        lending.expire_stale(later)
        db.session.commit()
        assert db.session.get(LendingRequest, request_id).state == "expired"
