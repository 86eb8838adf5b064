"""AGM and FCA annual return reminders: due from the year end, sent once, to the secretary
and a granted agency's advisors; on two co-ops."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from core.db import db
from core.timeutil import local_now
from federation.agencies.access import grant_access
from federation.agencies.models import Agency, AgencyAdvisor
from services.jobs.runner import run_job
from tenants.governance import reminders
from tenants.governance.models import GeneralMeeting, SocietyReminder
from tenants.members import service as members
from tenants.officers.models import Officer
from tests.fixtures.factories import create_account


def test_add_months_keeps_within_the_month():
    assert reminders.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert reminders.add_months(date(2025, 12, 31), 7) == date(2026, 7, 31)
    assert reminders.add_months(date(2026, 3, 31), -7) == date(2025, 8, 31)


def _year_end_with_fca_due_in(days: int) -> date:
    return reminders.add_months(local_now().date() + timedelta(days=days), -7)


def _mails(caplog, *addresses: str) -> list[str]:
    """Emails logged to any of ``addresses`` (co-ops of earlier tests get theirs too)."""
    return [m for m in (r.getMessage() for r in caplog.records if r.name == "coopfed.mail")
            if any(f"To: {address}" in m for address in addresses)]


def test_reminders_go_once_to_the_secretary_and_a_granted_advisor(
        app, two_coops, coop_session, run_jobs, caplog):
    (a, _), (b, admin_b) = two_coops
    year_end = _year_end_with_fca_due_in(10)
    advisor = create_account(app)
    with app.app_context():
        agency = Agency(name="Cwmpas (test)")
        db.session.add(agency)
        db.session.flush()
        db.session.add(AgencyAdvisor(agency_id=agency.id, account_id=advisor.id))
        grant_access(a.id, agency.id, actor_account_id=None)
        db.session.commit()
    with coop_session(a) as session:
        session.add(reminders.CoopSetting(key="financial_year_end",
                                          value=year_end.strftime("%m-%d")))
        secretary = members.create_member(session, {
            "display_name": "Siân Secretary", "email": "sian@example.org",
            "joined_on": date(2020, 1, 1), "classes": ["worker"]}, actor_account_id=None)
        session.add(Officer(office="secretary", name="Siân Secretary", member_id=secretary.id,
                            appointed_on=date(2021, 1, 1)))
    with coop_session(b) as session:
        # B's year ended a month ago: nothing is due for months.
        session.add(reminders.CoopSetting(key="financial_year_end", value=(
            local_now().date() - timedelta(days=30)).strftime("%m-%d")))
    with caplog.at_level(logging.INFO, logger="coopfed.mail"):
        with app.app_context():
            run_job("federation.society_reminders:remind_all")
        run_jobs()
        watched = ("sian@example.org", advisor.email, admin_b.email)
        first = _mails(caplog, *watched)
        with app.app_context():
            run_job("federation.society_reminders:remind_all")
        run_jobs()
        second = _mails(caplog, *watched)[len(first):]
    # FCA return due in 10 days (the 14-day stage); the AGM (6 months) is overdue.
    assert len(first) == 4, first
    assert sum("sian@example.org" in m for m in first) == 2
    assert sum(advisor.email in m for m in first) == 2
    assert any("annual return" in m and "due by" in m for m in first)
    assert any("annual general meeting is overdue" in m for m in first)
    assert any("Deddf Cymdeithasau Cydweithredol" in m for m in first)  # Welsh as well
    assert second == []  # idempotent: each stage once
    with coop_session(a) as session:
        rows = session.scalars(select(SocietyReminder).order_by(SocietyReminder.kind)).all()
        assert [(r.kind, r.stage) for r in rows] == [("agm", "overdue"), ("fca_return", "final")]
        assert all(r.year_end == year_end for r in rows)
    with coop_session(b) as session:
        assert session.scalar(select(func.count(SocietyReminder.id))) == 0


def test_no_agm_reminder_once_the_agm_is_called_and_admins_get_it_without_a_secretary(
        app, two_coops, coop_session, run_jobs, caplog):
    (a, admin_a), (b, admin_b) = two_coops
    year_end = _year_end_with_fca_due_in(40)  # FCA early stage; AGM due in ~10 days
    for coop in (a, b):
        with coop_session(coop) as session:
            session.add(reminders.CoopSetting(key="financial_year_end",
                                              value=year_end.strftime("%m-%d")))
    with coop_session(a) as session:
        session.add(GeneralMeeting(kind="annual", title="AGM", quorum=3, notice_days=14,
                                   held_at=datetime.now(UTC) + timedelta(days=5)))
    with caplog.at_level(logging.INFO, logger="coopfed.mail"):
        with app.app_context():
            run_job("federation.society_reminders:remind_all")
        run_jobs()
    with coop_session(a) as session:
        assert session.scalars(select(SocietyReminder.kind)).all() == ["fca_return"]
    with coop_session(b) as session:
        assert sorted(session.scalars(select(SocietyReminder.kind)).all()) == [
            "agm", "fca_return"]
    sent = _mails(caplog, admin_a.email, admin_b.email)
    assert sum(admin_a.email in m for m in sent) == 1
    assert sum(admin_b.email in m for m in sent) == 2
