"""A lent slot is working time at home: the rota refuses to double-book over it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from core.errors import ValidationError
from core.timeutil import local_now
from tenants.clients import schemas as client_schemas
from tenants.clients.service import do_create_client
from tenants.lending import service as lending
from tenants.lending.models import LendingCommitment, PoolConsent
from tenants.rota.service import check_create_visit
from tenants.workforce import schemas as workforce_schemas
from tenants.workforce.models import Worker
from tenants.workforce.service import do_create_worker
from tests.tenants.workforce.helpers import client_payload, worker_payload


def _worker_and_client(coop_session, coop):
    with coop_session(coop):
        worker = do_create_worker(workforce_schemas.WorkerIn().load(worker_payload()),
                                  actor_account_id=1)
        client = do_create_client(client_schemas.ClientIn().load(client_payload()),
                                  actor_account_id=1)
        return worker.id, client.id


def test_a_lent_slot_blocks_a_home_visit_at_the_same_time(app, two_coops, coop_session):
    (lender, _), (other, _) = two_coops
    worker_id, client_id = _worker_and_client(coop_session, lender)
    day = local_now().date() + timedelta(days=10)
    start = datetime.combine(day, time(10))
    with coop_session(lender) as session:
        consent = lending.do_opt_in(session, session.get(Worker, worker_id), actor=None)
        lending.do_record_commitment(
            session, agreement_id=77, worker_ref=consent.worker_ref, borrower_coop_id=other.id,
            borrower_name=other.name,
            slots=[lending.Slot(5001, start, start + timedelta(hours=3))])
        # Recording it again adds nothing (the job may run twice).
        assert lending.do_record_commitment(
            session, agreement_id=77, worker_ref=consent.worker_ref, borrower_coop_id=other.id,
            borrower_name=other.name,
            slots=[lending.Slot(5001, start, start + timedelta(hours=3))]) == 0
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        with coop_session(lender):
            check_create_visit({"client_id": client_id, "starts_at": start + timedelta(hours=1),
                                "ends_at": start + timedelta(hours=2), "worker_id": worker_id},
                               actor_account_id=1)
    assert refused.value.problem_extra["rules"] == ["double_booking"]
    # The other co-op's store knows nothing of it.
    with coop_session(other) as session:
        assert session.scalars(select(LendingCommitment)).all() == []
        assert session.scalars(select(PoolConsent)).all() == []


def test_my_shifts_shows_home_visits_and_lent_slots_together(app, two_coops, coop_session):
    (lender, _), (other, _) = two_coops
    worker_id, client_id = _worker_and_client(coop_session, lender)
    day = local_now().date() + timedelta(days=3)
    with app.test_request_context():
        with coop_session(lender) as session:
            check_create_visit({"client_id": client_id,
                                "starts_at": datetime.combine(day, time(8)),
                                "ends_at": datetime.combine(day, time(9)),
                                "worker_id": worker_id}, actor_account_id=1)
            consent = lending.do_opt_in(session, session.get(Worker, worker_id), actor=None)
            lending.do_record_commitment(
                session, agreement_id=78, worker_ref=consent.worker_ref,
                borrower_coop_id=other.id, borrower_name=other.name,
                slots=[lending.Slot(6001, datetime.combine(day, time(13)),
                                    datetime.combine(day, time(16)))])
            shifts = lending.my_shifts(session, session.get(Worker, worker_id),
                                       datetime.combine(day, time()),
                                       datetime.combine(day + timedelta(days=1), time()),
                                       lender.name)
    assert [(s.kind, s.where) for s in shifts] == [("home", lender.name), ("lent", other.name)]


def test_the_snapshot_carries_dates_not_numbers(app, two_coops, coop_session):
    (coop, _), _ = two_coops
    worker_id, _client_id = _worker_and_client(coop_session, coop)
    with coop_session(coop) as session:
        consent = lending.do_opt_in(session, session.get(Worker, worker_id), actor=None)
        ref, snap = lending.snapshot(session, consent.id, local_now().date())
        assert snap is None  # not approved yet
        lending.do_approve_consent(session, consent.id, actor=1)
        ref, snap = lending.snapshot(session, consent.id, local_now().date())
    assert ref == consent.worker_ref
    values = repr(snap)
    assert "SCW1234567" not in values and "Elin" not in values and "Gwen" not in values
    assert snap.scw_status == "registered" and snap.dbs_valid_until is not None
