"""An agency's report by quarter and LA (issue 13): groups by stage, and from the co-ops
that granted it access, registered (FCA date), trading (CIW date), members and paid
workers. A co-op that has not granted access counts for nothing; the CSV is safe.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from core.db import db
from core.timeutil import utcnow
from federation.agencies.access import grant_access
from federation.agencies.models import SupportedGroup
from federation.regional.agency_report import quarters
from tenants.members.models import Member
from tenants.position.models import LegalPosition, RegisteredService
from tenants.workforce.models import Worker
from tests.federation.regional.test_agency_view import make_agency
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD


def _seed(coop_session, coop, *, fca_on, ciw_on, members, paid, volunteers):
    with coop_session(coop) as session:
        session.add(LegalPosition(id=1, legal_form="co_operative_society",
                                  fca_society_number="12345R", registered_on=fca_on))
        session.add(RegisteredService(service_type="domiciliary_support",
                                      ciw_service_id=f"SIN-{coop.id:08d}-TEST",
                                      responsible_individual="R I", registered_on=ciw_on))
        session.add_all(Member(display_name=f"M{n}", joined_on=date(2020, 1, 1))
                        for n in range(members))
        session.add_all(Worker(display_name=f"W{n}", started_on=date(2020, 1, 1),
                               engagement="employee") for n in range(paid))
        session.add_all(Worker(display_name=f"V{n}", started_on=date(2020, 1, 1),
                               engagement="volunteer") for n in range(volunteers))


def test_the_report_counts_only_co_ops_that_granted_access(app, two_coops, coop_session,
                                                         make_account):
    (granted, _), (other, _) = two_coops
    periods = quarters(utcnow().date())
    (first_q, first_end), (last_q, _) = periods[0], periods[-1]
    # Registered with the FCA in the first quarter; trading only after it ended.
    _seed(coop_session, granted, fca_on=first_end - timedelta(days=5),
          ciw_on=first_end + timedelta(days=1), members=4, paid=3, volunteers=2)
    _seed(coop_session, other, fca_on=date(2019, 1, 1), ciw_on=date(2019, 1, 1),
          members=9, paid=9, volunteers=0)
    agency_id, advisor = make_agency(app, make_account)
    with app.app_context():
        grant_access(granted.id, agency_id, actor_account_id=None)
        db.session.add(SupportedGroup(agency_id=agency_id, name="=cmd|' /C calc'!A0",
                                      stage="forming"))
        db.session.commit()
    client = app.test_client()
    assert sign_in(client, advisor.email, PASSWORD).status_code == 302
    assert client.get("/agency/report").status_code == 200
    response = client.get("/agency/report.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_key = {(r["quarter"], r["la_code"]): r for r in rows}
    first = by_key[(first_q, granted.la_code)]
    last = by_key[(last_q, granted.la_code)]
    assert (first["coops_registered_fca"], first["coops_trading_ciw"]) == ("1", "0")
    assert (last["coops_registered_fca"], last["coops_trading_ciw"]) == ("1", "1")
    assert (last["members"], last["paid_workers"]) == ("4", "3")  # volunteers are not paid
    assert not any(r["la_code"] == other.la_code for r in rows)  # no grant, not counted
    assert by_key[(last_q, "")]["groups_forming"] == "1"
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())

    # Anyone who is not an advisor gets 404.
    stranger = make_account()
    other_client = app.test_client()
    assert sign_in(other_client, stranger.email, PASSWORD).status_code == 302
    assert other_client.get("/agency/report.csv").status_code == 404
