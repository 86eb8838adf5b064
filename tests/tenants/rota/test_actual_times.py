"""Actual times stay near the planned visit (rule ``actual_times``), and a Direct Payment
member is billed on bounded times, in a DP co-op beside a worker co-op."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from tenants.payments.models import DpPoolEntry, DpPoolMember
from tenants.payments.service import do_post_care
from tenants.rota.models import Visit
from tests.fixtures.factories import add_member
from tests.tenants.rota.helpers import make_client, make_member, make_visit, make_worker


def test_a_worker_cannot_record_a_year_on_a_one_hour_visit(coops, coop_session, api_client,
                                                           app, make_account):
    (other, _), (dp, _admin) = coops
    person = make_account()
    add_member(app, dp, person, "worker")
    with coop_session(dp) as session:
        client_id = make_client(session)
        worker = make_worker(session, account_id=person.id)
        visit = make_visit(session, client_id, datetime(2026, 3, 16, 9), 60, worker_id=worker)
    api = api_client(person)
    path = f"/api/v1/c/{dp.slug}/visits/{visit}"
    a_year = {"actual_start": "2026-03-16T09:00", "actual_end": "2027-03-16T09:00"}
    refused = api.patch(path, json=a_year)
    assert refused.status_code == 422
    body = refused.get_json()
    assert "actual_end" in body["errors"] and "within 4 hours" in body["errors"]["actual_end"][0]
    assert body.get("rules") == ["actual_times"] or "actual_times" in str(body)
    early = api.patch(path, json={"actual_start": "2026-03-15T09:00",
                                  "actual_end": "2026-03-16T10:00"})
    assert early.status_code == 422 and "actual_start" in early.get_json()["errors"]
    fair = {"actual_start": "2026-03-16T09:10", "actual_end": "2026-03-16T11:30"}
    assert api.patch(path, json=fair).status_code == 200
    with coop_session(dp) as session:
        stored = session.get(Visit, visit)
        assert stored.actual_end == datetime(2026, 3, 16, 11, 30)
    # The other co-op's visit with the same id is not this one.
    assert api.patch(f"/api/v1/c/{other.slug}/visits/{visit}", json=fair).status_code == 404


def test_billing_uses_the_bounded_times_even_for_old_records(coops, coop_session):
    _, (dp, _admin) = coops
    with coop_session(dp) as session:
        client_id = make_client(session)
        member_id = make_member(session)
        session.add(DpPoolMember(member_id=member_id, client_id=client_id,
                               weekly_budget=Decimal("300"), hourly_rate=Decimal("20"),
                               starts_on=date(2026, 1, 1)))
        # Recorded before the bound existed: a year on a one-hour visit.
        visit = make_visit(session, client_id, datetime(2026, 3, 16, 9), 60,
                           status="completed", actual_start=datetime(2026, 3, 16, 9),
                           actual_end=datetime(2027, 3, 16, 9))
    with coop_session(dp) as session:
        do_post_care(actor_account_id=None)
    with coop_session(dp) as session:
        entry = session.scalar(select(DpPoolEntry).where(DpPoolEntry.visit_id == visit))
        # At most the planned end plus the 4-hour window: 5 hours, never 8,760.
        assert entry.hours == Decimal("5.00")
        assert entry.amount == Decimal("-100.00")
