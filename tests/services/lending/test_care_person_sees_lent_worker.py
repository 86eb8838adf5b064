"""The person receiving care is told, before the visit, the first name of a worker lent to
their co-op, and only once the loan is confirmed (issues 11 and 12)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tenants.lending.models import GuestAssignment
from tests.services.lending.helpers import (
    make_confirmable,
    next_weekday,
    pool_coop,
    pool_worker,
    request_body,
)
from tests.tenants.care_person.helpers import Place, linked_person
from tests.tenants.rota.helpers import make_client


def test_the_person_sees_the_lent_workers_first_name_once_confirmed(
        app, api_client, coop_session, run_jobs):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, worker, ref = pool_worker(app, lender, coop_session,
                                          display_name="Gethin Parry")
    with coop_session(borrower) as session:
        client_id = make_client(session, display_name="Nest Bowen", la_code="W06000003")
    person = linked_person(app, api_client, Place(borrower, borrower_admin,
                                                  clients=[client_id]), name="Nest Bowen")
    day = next_weekday(3)
    borrow = api_client(borrower_admin)
    made = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                       json=request_body(day, client_id=client_id))
    assert made.status_code == 201, made.get_json()
    agreement_id = borrow.post(
        f"/api/v1/c/{borrower.slug}/lending/requests/{made.get_json()['id']}/offers",
        json={"worker_ref": ref}).get_json()["id"]
    assert api_client(lender_admin).post(
        f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve").status_code == 200
    assert api_client(worker).post(
        f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/accept").status_code == 200
    run_jobs()
    care = api_client(person)
    week = f"/c/{borrower.slug}/my-care/?week={day.isoformat()}"
    assert day > date.today() and day - date.today() < timedelta(days=14)  # before the visit
    assert "Gethin" not in care.client.get(week).get_data(as_text=True)  # accepted only

    make_confirmable(app, agreement_id)
    confirmed = borrow.post(f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/confirm")
    assert confirmed.status_code == 200, confirmed.get_json()
    run_jobs()
    page = care.client.get(week)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Gethin" in text and lender.name in text
    assert "Parry" not in text  # the first name only
    visits = care.get(f"/api/v1/c/{borrower.slug}/my-care/week?week={day.isoformat()}"
                      ).get_json()["visits"]
    assert [(v["worker"], v["lent_from"]) for v in visits] == [("Gethin", lender.name)]
    # The other co-op's person-facing data is untouched: the lender's store has no guest.
    with coop_session(lender) as session:
        assert session.scalars(select(GuestAssignment)).all() == []
