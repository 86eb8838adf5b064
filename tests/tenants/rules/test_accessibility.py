"""axe-core: the legal position, rules, contract offers, schedule, worker and visit pages of
issue 10, with data on them and with errors shown, have no serious or critical findings,
in English and Welsh."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from tenants.rota.rules import week_start
from tenants.workforce.service import today
from tests.axe import serious, sign_in
from tests.tenants.rota.helpers import make_client, make_visit, make_worker

pytestmark = pytest.mark.browser


@pytest.fixture
def registered_coop_with_data(positions, coop_session):
    """The registered co-op with a worker due an offer, on the Update Service, with visits."""
    (_, _), (coop, admin) = positions
    monday = week_start(today())
    with coop_session(coop) as session:
        client_id = make_client(session)
        worker_id = make_worker(session, display_name="Rhys Axe", non_guaranteed_hours=True,
                                dbs_update_service=True, dbs_applied_by_coop=False)
        for week in range(1, 14):
            make_visit(session, client_id, datetime.combine(
                monday - timedelta(weeks=week, days=-1), time(10)), 90, worker_id=worker_id)
        visit_id = make_visit(session, client_id, datetime.combine(monday, time(9)), 60,
                              worker_id=worker_id, travel_minutes=15)
        make_visit(session, client_id, datetime.combine(monday, time(11)), 60,
                   worker_id=worker_id, travel_minutes=10)
    return coop, admin, worker_id, visit_id


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_issue_10_pages(page, live_server, registered_coop_with_data, locale):
    coop, admin, worker_id, visit_id = registered_coop_with_data
    page.goto(f"{live_server}/language/{locale}?next=/")
    sign_in(page, live_server, admin.email)
    base = f"{live_server}/c/{coop.slug}"
    problems = {}
    for path in ("/position/", "/position/services/new", "/rules/", "/rota/contract-offers",
                 f"/rota/workers/{worker_id}", f"/workforce/{worker_id}",
                 f"/workforce/{worker_id}/edit", f"/rota/visits/{visit_id}"):
        page.goto(base + path)
        problems[path] = serious(page)
    page.goto(base + "/position/")
    page.fill("#fca_society_number", "not a number")
    page.click("main form[method=post] button[type=submit]")
    problems["/position/ (errors)"] = serious(page)
    page.goto(base + "/position/services/new")
    page.click("main form[method=post] button[type=submit]")
    problems["/position/services/new (errors)"] = serious(page)
    page.goto(f"{base}/workforce/{worker_id}")
    page.click("main form[method=post] button[type=submit]")
    problems["/workforce/ status check (errors)"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
