"""Reg 42: 13 weeks of regular hours on non-guaranteed hours put a worker on the contract
offer list with their average, in a domiciliary support service only; the offer and the
worker's choice are recorded through the page and the API."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta
from decimal import Decimal

from tenants.rota.models import ContractOffer
from tenants.rota.rules import week_start
from tenants.workforce.service import today
from tests.fixtures.app import csrf_token
from tests.tenants.rota.helpers import make_client, make_visit, make_worker
from tests.tenants.workforce.helpers import browser, count


def _weeks_of_work(session, worker_id, client_id, weeks, skip=None) -> Decimal:
    """One visit in each of the ``weeks`` whole weeks before this one (none in week
    ``skip``); week i lasts 120 + 15 i minutes plus 15 minutes' travel. Returns the hours."""
    this_monday = week_start(today())
    total = 0
    for i in range(weeks):
        if i == skip:
            continue
        day = this_monday - timedelta(weeks=weeks - i) + timedelta(days=2)
        minutes = 120 + 15 * i
        make_visit(session, client_id, datetime.combine(day, time(10)), minutes,
                   worker_id=worker_id, travel_minutes=15)
        total += minutes + 15
    # A cancelled visit is not worked time.
    make_visit(session, client_id, datetime.combine(this_monday - timedelta(days=3), time(8)),
               600, worker_id=worker_id, status="cancelled")
    return Decimal(total) / 60


def test_13_weeks_of_regular_hours_put_a_worker_on_the_offer_list(app, positions, api_client,
                                                                  coop_session):
    (plain, plain_admin), (registered, admin) = positions
    made = {}
    for coop, _ in positions:
        with coop_session(coop) as session:
            client_id = make_client(session)
            regular = make_worker(session, display_name="Regular Rhys",
                                  non_guaranteed_hours=True)
            hours = _weeks_of_work(session, regular, client_id, 13)
            gap = make_worker(session, display_name="Gap Gwen", non_guaranteed_hours=True)
            _weeks_of_work(session, gap, client_id, 13, skip=6)
            guaranteed = make_worker(session, display_name="Contracted Catrin")
            _weeks_of_work(session, guaranteed, client_id, 13)
        made[coop.slug] = (regular, hours)

    regular, hours = made[registered.slug]
    expected = round(float(hours / 13), 2)
    assert expected == round((13 * 135 + 15 * 78) / 60 / 13, 2)
    due = api_client(admin).get(f"/api/v1/c/{registered.slug}/contract-offers-due").get_json()
    assert [(d["display_name"], d["weeks"], d["average_hours"]) for d in due] == [
        ("Regular Rhys", 13, expected)]
    # Without a domiciliary support service reg 42 does not apply.
    assert api_client(plain_admin).get(
        f"/api/v1/c/{plain.slug}/contract-offers-due").get_json() == []

    web = browser(app, admin)
    path = f"/c/{registered.slug}/rota/contract-offers"
    page = html.unescape(web.get(path).get_data(as_text=True))
    assert "Regular Rhys" in page and f'data-average="{expected:.2f}"' in page
    assert "Gap Gwen" not in page and "Contracted Catrin" not in page
    response = web.post(path, data={"csrf_token": csrf_token(web, path), "worker_id": regular,
                                    "offered_hours": f"{expected:.2f}"})
    assert response.status_code == 302
    with coop_session(registered) as session:
        offer = session.query(ContractOffer).one()
        assert offer.average_hours == Decimal(f"{expected:.2f}") and offer.choice == "pending"
        offer_id = offer.id
    chosen = api_client(admin).post(
        f"/api/v1/c/{registered.slug}/contract-offers/{offer_id}/choice",
        json={"choice": "accepted"})
    assert chosen.status_code == 200 and chosen.get_json()["choice"] == "accepted"
    assert chosen.get_json()["chosen_on"] == today().isoformat()
    assert api_client(admin).get(
        f"/api/v1/c/{registered.slug}/contract-offers-due").get_json() == []
    again = api_client(admin).post(f"/api/v1/c/{registered.slug}/contract-offers",
                                   json={"worker_id": regular, "offered_hours": 10})
    assert again.status_code == 422 and "worker_id" in again.get_json()["errors"]
    assert count(coop_session, plain, ContractOffer) == 0
