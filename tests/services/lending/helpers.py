"""Helpers of the pool and lending tests: pool co-ops, pooled workers, requests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from core.db import db
from core.timeutil import local_now
from services.pool.models import PoolProfile
from tenants.lending import service as tenant_lending
from tenants.registry.service import set_sharing
from tenants.workforce import schemas as workforce_schemas
from tenants.workforce.service import do_create_worker
from tests.fixtures.factories import add_member, create_account, create_coop, drain_jobs


def next_weekday(weekday: int, weeks_ahead: int = 1) -> date:
    """A date ``weeks_ahead`` weeks on, on ``weekday`` (0 is Monday)."""
    today = local_now().date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return monday + timedelta(days=weekday)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time on a day."""
    return datetime.combine(day, time(hour, minute))


def pool_coop(app, la: str, joins: bool = True):
    """A provisioned co-op in ``la`` that joins the pool; returns (coop, admin)."""
    coop, admin = create_coop(app, la=la)
    with app.app_context():
        set_sharing(coop.id, actor_account_id=admin.id, joins_worker_pool=joins)
        db.session.commit()
    return coop, admin


def worker_values(**overrides) -> dict:
    """A worker with valid checks (on the DBS Update Service, so a borrower may check it and
    lend them next week), available every day 07:00–22:00."""
    today = local_now().date()
    body = {
        "display_name": "Elin Pritchard", "welsh_level": "fluent",
        "started_on": (today - timedelta(days=400)).isoformat(),
        "scw_registration_number": "SCW7654321",
        "scw_expires_on": (today + timedelta(days=300)).isoformat(),
        "dbs_certificate_date": (today - timedelta(days=200)).isoformat(),
        "dbs_update_service": True, "contracted_hours": 37.5, "wt_opt_out": False,
        "base_la_code": "W06000002", "base_postcode_district": "LL55",
        "travel_radius_km": 80, "skills": ["personal_care", "dementia"],
        "availability": [{"weekday": d, "starts": "07:00", "ends": "22:00"} for d in range(7)],
    }
    body.update(overrides)
    return body


def add_worker(app, coop, coop_session, *, account=True, **overrides):
    """A worker in ``coop`` (with an account that has the worker role); returns (id, account)."""
    person = create_account(app, name="Pool Worker") if account else None
    if person is not None:
        add_member(app, coop, person, "worker")
    values = worker_values(**overrides)
    if person is not None:
        values["account_id"] = person.id
    with coop_session(coop):
        data = workforce_schemas.WorkerIn().load(values)
        worker = do_create_worker(data, actor_account_id=1)
        worker_id = worker.id
    return worker_id, person


def pool_worker(app, coop, coop_session, **overrides):
    """A worker who has opted in and been approved, with the profile relayed.

    Returns (worker_id, account, worker_ref).
    """
    worker_id, person = add_worker(app, coop, coop_session, **overrides)
    with coop_session(coop) as session:
        from tenants.workforce.models import Worker

        consent = tenant_lending.do_opt_in(session, session.get(Worker, worker_id), actor=None)
        tenant_lending.do_approve_consent(session, consent.id, actor=1)
        ref = consent.worker_ref
    drain_jobs(app)
    return worker_id, person, ref


def profile(app, ref: str):
    """The published profile with ``ref`` (detached), or None."""
    with app.app_context():
        found = db.session.scalar(select(PoolProfile).where(PoolProfile.worker_ref == ref))
        if found is not None:
            db.session.expunge(found)
        return found


def request_body(day: date, start: int = 10, end: int = 14, **overrides) -> dict:
    """A valid request for one slot on ``day``."""
    body = {"slots": [{"starts_at": at(day, start).isoformat(),
                       "ends_at": at(day, end).isoformat()}],
            "la_code": "W06000003", "skills": ["personal_care"], "welsh_required": False,
            "rate": "12.60"}
    body.update(overrides)
    return body


def eligible_refs(app, request_id: int) -> set[str]:
    """Every worker eligible for a request (the tests share a pool, so not only the top 5)."""
    from services.lending import matching
    from services.lending.models import LendingRequest

    with app.app_context():
        stored = db.session.get(LendingRequest, request_id)
        return {c.worker_ref for c in matching.find_candidates(matching.need_of(stored),
                                                               limit=100_000)}


def record_compliance(app, agreement_id: int, **kwargs) -> None:
    """Record every pre-confirmation check the loan needs, as each co-op would (issue 11):
    what tests that confirm a loan do first. ``kwargs`` go to ``compliance.do_record_all``."""
    from services.lending import compliance
    from services.lending.models import LendingAgreement

    accept_pair_of(app, agreement_id)  # and the two co-ops' agreement (H2)
    with app.app_context():
        agreement = db.session.get(LendingAgreement, agreement_id)
        compliance.do_record_all(agreement, borrower_actor=None, lender_actor=None, **kwargs)
        db.session.commit()


INSURANCE = {"employers_liability": "Employer's liability: Co-op Insurance, policy EL-1",
             "public_liability": "Public liability: Co-op Insurance, policy PL-1"}


def state_insurance(app, *coop_ids: int) -> None:
    """Each co-op states its insurance cover (keeping its rate defaults), if it has not."""
    from services.lending import pair_agreements, rates

    with app.app_context():
        for coop_id in coop_ids:
            terms = rates.terms_of(coop_id)
            if terms.employers_liability and terms.public_liability:
                continue
            values = {name: getattr(terms, name) for name in (
                *rates.BASIS_FIELDS, "wage", "arrangement")}
            pair_agreements.check_set_terms(coop_id, {**values, **INSURANCE}, actor=None)
        db.session.commit()


def accept_pair(app, coop_a_id: int, coop_b_id: int):
    """Both co-ops' admins accept the pair's current sharing agreement (made if missing);
    returns its id."""
    from services.lending import pair_agreements

    state_insurance(app, coop_a_id, coop_b_id)
    with app.app_context():
        row = pair_agreements.ensure_for_pair(coop_a_id, coop_b_id)
        for coop_id in (coop_a_id, coop_b_id):
            pair_agreements.do_accept(row.id, coop_id, actor=None)
        db.session.commit()
        return row.id


def accept_pair_of(app, agreement_id: int) -> None:
    """Both co-ops of this loan accept their pair's current sharing agreement."""
    from services.lending.models import LendingAgreement

    with app.app_context():
        agreement = db.session.get(LendingAgreement, agreement_id)
        pair = (agreement.lender_coop_id, agreement.borrower_coop_id)
    accept_pair(app, *pair)


def make_confirmable(app, agreement_id: int) -> None:
    """Everything a borrower needs before confirming this loan: the pair agreement accepted
    by both co-ops, and the borrower's compliance records."""
    record_compliance(app, agreement_id)


def confirm_loan_via_api(app, borrow, lend, worker, borrower, lender, ref: str, body: dict):
    """The whole loan through the API: ``borrow`` (the borrower's admin client) asks for
    cover with ``body`` and offers ``ref``; ``lend`` (the lender's admin) approves; ``worker``
    accepts; the checks are recorded; the borrower confirms. Returns (request id, agreement
    id, the confirm response)."""
    request_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=body).get_json()["id"]
    agreement_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                               json={"worker_ref": ref}).get_json()["id"]
    lend.post(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve")
    worker.post(f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/accept")
    record_compliance(app, agreement_id)
    confirmed = borrow.post(f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/confirm")
    return request_id, agreement_id, confirmed
