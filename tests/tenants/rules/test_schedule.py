"""Reg 41: a worker's schedule shows travel, visit and break time, prints without the
navigation, and is emailed to them by a job that takes ids only, after the commit."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta

from tenants.audit.models import TenantAuditEvent
from tenants.rota.rules import week_start
from tenants.workforce.service import today
from tests.fixtures.app import captured_mail, csrf_token
from tests.tenants.rota.helpers import make_client, make_visit, make_worker
from tests.tenants.workforce.helpers import browser, count, person

THURSDAY = week_start(today()) + timedelta(weeks=1, days=3)


def _day(coop_session, coop, account_id=None) -> int:
    """A worker's Thursday: travel 08:45, visit 09:00-10:00, break, travel 10:40, visit
    11:00-11:30, and a cancelled visit that is not on the schedule."""
    with coop_session(coop) as session:
        client_id = make_client(session, display_name="Mrs Gwen Jones")
        worker_id = make_worker(session, display_name="Siôn Rees", account_id=account_id)
        for hour, minutes, travel in ((9, 60, 15), (11, 30, 20)):
            make_visit(session, client_id, datetime.combine(THURSDAY, time(hour)), minutes,
                       worker_id=worker_id, travel_minutes=travel)
        make_visit(session, client_id, datetime.combine(THURSDAY, time(15)), 60,
                   worker_id=worker_id, status="cancelled")
    return worker_id


def test_schedule_shows_travel_visits_and_breaks_and_prints_the_week_only(
        app, positions, api_client, coop_session):
    (plain, _), (registered, admin) = positions
    worker_id = _day(coop_session, registered)
    other = _day(coop_session, plain)
    days = api_client(admin).get(f"/api/v1/c/{registered.slug}/workers/{worker_id}/schedule",
                                 query_string={"week": THURSDAY.isoformat()}).get_json()
    thursday = days[3]
    assert [(i["kind"], i["start"][11:16], i["minutes"]) for i in thursday["items"]] == [
        ("travel", "08:45", 15), ("visit", "09:00", 60), ("break", "10:00", 40),
        ("travel", "10:40", 20), ("visit", "11:00", 30)]
    assert (thursday["travel_minutes"], thursday["visit_minutes"],
            thursday["break_minutes"]) == (35, 90, 40)
    # Another co-op's worker is not found here.
    assert api_client(admin).get(f"/api/v1/c/{registered.slug}/workers/{other + 1000}/schedule",
                                 query_string={"week": THURSDAY.isoformat()}).status_code == 404

    page = html.unescape(browser(app, admin).get(
        f"/c/{registered.slug}/rota/workers/{worker_id}?week={THURSDAY.isoformat()}")
        .get_data(as_text=True))
    assert 'href="/static/coopfed/schedule-print.css' in page and 'media="print"' in page
    assert 'data-kind="break"' in page and "Mrs Gwen Jones" in page
    assert "travel 35, visits 90, breaks 40 minutes" in page


def test_a_worker_emails_themself_their_schedule(app, positions, coop_session, run_jobs):
    (plain, _), (registered, _) = positions
    account = person(app, registered, "worker", name="Siôn Rees")
    _day(coop_session, registered, account_id=account.id)
    web = browser(app, account)
    path = f"/c/{registered.slug}/rota/mine?week={THURSDAY.isoformat()}"
    with captured_mail() as mails:
        response = web.post(f"/c/{registered.slug}/rota/mine/email", data={
            "csrf_token": csrf_token(web, path), "week": THURSDAY.isoformat()})
        assert response.status_code == 302
        run_jobs()
    sent = [m for m in mails if account.email in m]
    assert len(sent) == 1
    assert "09:00-10:00 Visit (Mrs Gwen Jones): 60 minutes" in sent[0]
    assert "10:00-10:40 Break: 40 minutes" in sent[0] and "Egwyl" in sent[0]
    assert count(coop_session, registered, TenantAuditEvent) > count(coop_session, plain,
                                                                     TenantAuditEvent)
