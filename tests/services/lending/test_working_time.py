"""Working time counts every employer: hours at home and hours lent elsewhere together."""

from __future__ import annotations

from datetime import timedelta

from tenants.rota.models import Visit
from tests.fixtures.factories import drain_jobs
from tests.services.lending.helpers import (
    at,
    eligible_refs,
    next_weekday,
    pool_coop,
    pool_worker,
    request_body,
)
from tests.tenants.workforce.helpers import client_payload


def _home_week(app, coop, coop_session, worker_id: int, monday) -> None:
    """40 hours at home: Monday to Friday, 08:00–16:00."""
    from tenants.clients import schemas as client_schemas
    from tenants.clients.service import do_create_client

    with coop_session(coop) as session:
        client = do_create_client(client_schemas.ClientIn().load(client_payload()),
                                  actor_account_id=1)
        for day in range(5):
            date = monday + timedelta(days=day)
            session.add(Visit(client_id=client.id, worker_id=worker_id, starts_at=at(date, 8),
                              ends_at=at(date, 16), status="scheduled"))


def _ten_hours_lent(monday) -> dict:
    """10 hours on Saturday and Sunday of the same week, 5 hours each (no break needed)."""
    saturday, sunday = monday + timedelta(days=5), monday + timedelta(days=6)
    return request_body(saturday, slots=[
        {"starts_at": at(saturday, 9).isoformat(), "ends_at": at(saturday, 14).isoformat()},
        {"starts_at": at(sunday, 9).isoformat(), "ends_at": at(sunday, 14).isoformat()}])


def _refs_found(app, api_client, borrower, admin, body) -> list[str]:
    client = api_client(admin)
    created = client.post(f"/api/v1/c/{borrower.slug}/lending/requests", json=body)
    assert created.status_code == 201, created.get_json()
    return eligible_refs(app, created.get_json()["id"])


def test_40_hours_at_home_and_10_lent_is_refused_unless_opted_out(app, api_client,
                                                                    coop_session):
    lender, _ = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    monday = next_weekday(0, weeks_ahead=2)
    worker_id, _account, ref = pool_worker(app, lender, coop_session)
    opted_id, _account2, opted_ref = pool_worker(
        app, lender, coop_session, wt_opt_out=True,
        wt_opt_out_signed_on=(monday - timedelta(days=60)).isoformat())
    _home_week(app, lender, coop_session, worker_id, monday)
    _home_week(app, lender, coop_session, opted_id, monday)
    with coop_session(lender) as session:  # the home co-op republishes committed hours
        from tenants.lending.service import do_request_refresh

        assert do_request_refresh(session) >= 2
    drain_jobs(app)

    refs = _refs_found(app, api_client, borrower, borrower_admin, _ten_hours_lent(monday))
    assert ref not in refs
    assert opted_ref in refs

    # The same 10 hours in a week with nothing at home are fine.
    free = _refs_found(app, api_client, borrower, borrower_admin,
                       _ten_hours_lent(monday + timedelta(weeks=1)))
    assert ref in free


def test_hours_later_in_the_same_week_count_too(app, api_client, coop_session):
    """A Monday loan in a week whose Tuesday to Saturday already hold 45 hours at home."""
    lender, _ = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    monday = next_weekday(0, weeks_ahead=2)
    worker_id, _account, ref = pool_worker(app, lender, coop_session)
    from tenants.clients import schemas as client_schemas
    from tenants.clients.service import do_create_client

    with coop_session(lender) as session:
        client = do_create_client(client_schemas.ClientIn().load(client_payload()),
                                  actor_account_id=1)
        for day in range(1, 6):  # Tuesday to Saturday, 9 hours with an hour's break
            date = monday + timedelta(days=day)
            session.add(Visit(client_id=client.id, worker_id=worker_id,
                              starts_at=at(date, 7), ends_at=at(date, 11), status="scheduled"))
            session.add(Visit(client_id=client.id, worker_id=worker_id,
                              starts_at=at(date, 12), ends_at=at(date, 17), status="scheduled"))
    with coop_session(lender) as session:
        from tenants.lending.service import do_request_refresh

        do_request_refresh(session)
    drain_jobs(app)
    body = request_body(monday, slots=[{"starts_at": at(monday, 9).isoformat(),
                                        "ends_at": at(monday, 14).isoformat()}])
    assert ref not in _refs_found(app, api_client, borrower, borrower_admin, body)
    later = monday + timedelta(weeks=1)
    free = request_body(later, slots=[{"starts_at": at(later, 9).isoformat(),
                                       "ends_at": at(later, 14).isoformat()}])
    assert ref in _refs_found(app, api_client, borrower, borrower_admin, free)


def test_a_refused_offer_names_the_48_hour_rule(app, api_client, coop_session):
    lender, _ = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    monday = next_weekday(0, weeks_ahead=2)
    worker_id, _account, ref = pool_worker(app, lender, coop_session)
    _home_week(app, lender, coop_session, worker_id, monday)
    with coop_session(lender) as session:
        from tenants.lending.service import do_request_refresh

        do_request_refresh(session)
    drain_jobs(app)
    client = api_client(borrower_admin)
    request_id = client.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=_ten_hours_lent(monday)).get_json()["id"]
    offered = client.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                          json={"worker_ref": ref})
    assert offered.status_code == 422
    assert any(m.startswith("max_48h") for m in offered.get_json()["errors"]["worker_ref"])
