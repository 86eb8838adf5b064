"""An agency advisor sees a co-op's own figures, unsuppressed, only while the co-op has
granted the agency access: two co-ops, two agencies.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest

from core.db import db
from core.timeutil import utcnow
from federation.agencies.access import grant_access, withdraw_access
from federation.agencies.models import Agency, AgencyAdvisor
from tenants.clients.models import Client
from tenants.rota.models import Visit
from tenants.stats.service import complete_weeks
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, unique

WEEKS = complete_weeks(utcnow().date(), 12)


def add_care(coop_session, coop, clients: int, visits_each: int) -> None:
    """Clients in the co-op's own store, each with completed 90-minute visits last week."""
    monday = datetime.combine(date.fromisocalendar(*map(int, WEEKS[-1].split("-W")), 1),
                              time(9))
    with coop_session(coop) as session:
        for n in range(clients):
            client = Client(display_name=f"Client {n}", funding_source="direct_payment",
                            age_band="85+", la_code=coop.la_code, preferred_language="cy")
            session.add(client)
            session.flush()
            for day in range(visits_each):
                starts = monday + timedelta(days=day)
                session.add(Visit(client_id=client.id, starts_at=starts,
                                  ends_at=starts + timedelta(minutes=90), status="completed"))


def make_agency(app, make_account):
    advisor = make_account()
    with app.app_context():
        agency = Agency(name=unique("Agency"))
        db.session.add(agency)
        db.session.flush()
        db.session.add(AgencyAdvisor(agency_id=agency.id, account_id=advisor.id))
        db.session.commit()
        return agency.id, advisor


@pytest.fixture
def setting(app, two_coops, coop_session, make_account):
    (first, _), (second, _) = two_coops
    add_care(coop_session, first, clients=3, visits_each=2)
    add_care(coop_session, second, clients=6, visits_each=1)
    agency_a, advisor_a = make_agency(app, make_account)
    agency_b, advisor_b = make_agency(app, make_account)
    with app.app_context():
        grant_access(first.id, agency_a, actor_account_id=None)
        db.session.commit()
    return first, second, (agency_a, advisor_a), (agency_b, advisor_b)


def figures(html: str) -> dict[str, dict[str, str]]:
    body = html[html.index('id="own-figures"'):]
    rows = re.findall(r'<th scope="row" class="govuk-table__header">(\d{4}-W\d\d)</th>(.*?)</tr>',
                      body, re.S)
    return {week: dict(re.findall(r'data-measure="(\w+)">([^<]*)<', cells))
            for week, cells in rows}


def test_a_granted_advisor_sees_the_coops_own_figures_unsuppressed(app, client, setting):
    first, _, (_, advisor), _ = setting
    sign_in(client, advisor.email, PASSWORD)
    response = client.get(f"/agency/coops/{first.slug}/statistics")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = figures(html)
    assert list(found) == list(WEEKS)
    # Three people and six visits are shown as they are: nothing hidden, nothing rounded.
    last = found[WEEKS[-1]]
    assert (last["clients"], last["visits"], last["care_hours"]) == ("3", "6", "9")
    assert all(found[w]["clients"] == "0" for w in WEEKS[:-1])
    assert "Hidden" not in html


def test_another_coop_and_another_agency_get_404(app, client, setting):
    first, second, (_, advisor_a), (_, advisor_b) = setting
    sign_in(client, advisor_a.email, PASSWORD)
    assert client.get(f"/agency/coops/{second.slug}/statistics").status_code == 404
    assert client.get("/agency/coops/no-such-coop/statistics").status_code == 404
    other = app.test_client()
    sign_in(other, advisor_b.email, PASSWORD)
    assert other.get(f"/agency/coops/{first.slug}/statistics").status_code == 404
    assert other.get(f"/agency/coops/{second.slug}/statistics").status_code == 404


def test_withdrawn_access_answers_404_at_once(app, client, setting):
    first, _, (agency_a, advisor_a), _ = setting
    sign_in(client, advisor_a.email, PASSWORD)
    assert client.get(f"/agency/coops/{first.slug}/statistics").status_code == 200
    with app.app_context():
        withdraw_access(first.id, agency_a, actor_account_id=None)
        db.session.commit()
    assert client.get(f"/agency/coops/{first.slug}/statistics").status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, setting):
    first = setting[0]
    response = client.get(f"/agency/coops/{first.slug}/statistics")
    assert response.status_code == 302
