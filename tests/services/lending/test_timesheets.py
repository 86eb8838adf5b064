"""Timesheets before the ledger (issue 11): only hours the borrower approved are posted,
with the rate's parts; a disputed timesheet posts nothing until it is resolved."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from core.errors import Conflict
from core.timeutil import local_now
from services.lending import ledger, rates, timesheets
from services.lending import service as lending
from services.lending.models import (
    LedgerEntry,
    LedgerEntryParts,
    LendingAgreement,
    LoanRate,
    Timesheet,
)
from tests.services.lending.helpers import INSURANCE, accept_pair, next_weekday
from tests.services.lending.test_pair_agreements import accepted_loan

NEXT_SATURDAY = 5


def _confirmed_loan(app, clients, coop_session):
    day = next_weekday(NEXT_SATURDAY)
    lender, lender_admin, borrower, borrower_admin, agreement_id = accepted_loan(
        app, clients, coop_session, day=day)
    accept_pair(app, lender.id, borrower.id)
    # The lender's own basis: travel and a bigger overhead.
    clients(lender_admin).put(
        f"/api/v1/c/{lender.slug}/lending/terms",
        json={"wage": "12.60", "employer_ni_percent": "15.00", "pension_percent": "3.00",
              "holiday_percent": "12.07", "overheads_percent": "20.00",
              "travel_per_hour": "2.00", "arrangement": "supply_of_staff", **INSURANCE})
    accept_pair(app, lender.id, borrower.id)
    confirmed = clients(borrower_admin).post(
        f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/confirm")
    assert confirmed.status_code == 200, confirmed.get_json()
    after = datetime.combine(day + timedelta(days=1), datetime.min.time())
    return lender, lender_admin, borrower, borrower_admin, agreement_id, after


def _worked(app, agreement_id) -> None:
    """Time passes: the loan's slot was worked a week ago (same hours)."""
    with app.app_context():
        agreement = db.session.get(LendingAgreement, agreement_id)
        for slot in agreement.request.slots:
            back = timedelta(days=(slot.starts_at.date() - local_now().date()).days + 7)
            slot.starts_at, slot.ends_at = slot.starts_at - back, slot.ends_at - back
        db.session.commit()


def _entries(app, agreement_id):
    with app.app_context():
        return db.session.execute(
            select(LedgerEntry, LedgerEntryParts)
            .join(LedgerEntryParts, LedgerEntryParts.entry_id == LedgerEntry.id)
            .where(LedgerEntry.agreement_id == agreement_id)).all()


def test_the_ledger_holds_the_rate_parts_and_only_approved_hours(app, clients,
                                                                 coop_session):
    lender, lender_admin, borrower, borrower_admin, agreement_id, after = _confirmed_loan(
        app, clients, coop_session)
    with app.app_context():
        # Before the slot has ended, no hours can be submitted.
        with pytest.raises(Conflict):
            timesheets.check_submit(agreement_id, 200, lender_coop_id=lender.id, actor=None)
        db.session.rollback()
        # Completing the loan posts nothing while no hours are approved.
        lending.do_complete(agreement_id, borrower.id, actor=None, now=after)
        assert lending.post_to_ledger(db.session.get(LendingAgreement, agreement_id)) is None
        # The lender submits 3 h 30 (the plan was 4 h); the borrower may not submit.
        timesheets.check_submit(agreement_id, 210, note="Left early", lender_coop_id=lender.id,
                                actor=lender_admin.id, now=after)
        db.session.commit()
    assert _entries(app, agreement_id) == []
    assert clients(borrower_admin).post(
        f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/timesheet",
        json={"minutes": 240}).status_code == 404
    # Another co-op cannot approve them.
    approved = clients(lender_admin).post(
        f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/timesheet/approve")
    assert approved.status_code == 404
    approved = clients(borrower_admin).post(
        f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/timesheet/approve")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["approved_minutes"] == 210

    [(entry, parts)] = _entries(app, agreement_id)
    expected = rates.RateParts(
        wage=Decimal("12.60"), employer_ni=Decimal("1.89"), pension=Decimal("0.38"),
        holiday_pay=Decimal("1.52"), travel=Decimal("2.00"), overheads=Decimal("2.52"))
    assert rates.RateParts.of(parts) == expected
    assert entry.minutes == 210 and entry.rate == expected.total == Decimal("20.91")
    assert entry.amount == Decimal("73.19")  # 3.5 h at 20.91, to the penny
    with app.app_context():
        assert rates.RateParts.of(db.session.get(LoanRate, agreement_id)) == expected
        sheet = db.session.scalar(select(Timesheet).where(
            Timesheet.agreement_id == agreement_id))
        assert parts.timesheet_id == sheet.id
        assert db.session.get(LendingAgreement, agreement_id).state == "completed"
        [shown] = ledger.entries(borrower.id, entry.month)
        assert shown.parts == expected and shown.minutes == 210
    listed = clients(lender_admin).get(
        f"/api/v1/c/{lender.slug}/lending/ledger/entries?month={entry.month:%Y-%m}")
    assert listed.status_code == 200
    [row] = [r for r in listed.get_json() if r["agreement_id"] == agreement_id]
    assert row["parts"]["travel"] == "2.00" and row["amount"] == "73.19"
    # Approved hours cannot be submitted again.
    again = clients(lender_admin).post(
        f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/timesheet",
        json={"minutes": 300})
    assert again.status_code == 409
    page = clients(borrower_admin).client.get(
        f"/c/{borrower.slug}/lending/ledger?month={entry.month:%Y-%m}")
    assert page.status_code == 200 and "20.91" in page.get_data(as_text=True)


def test_a_disputed_timesheet_posts_nothing_until_resolved(app, clients, coop_session):
    lender, lender_admin, borrower, borrower_admin, agreement_id, after = _confirmed_loan(
        app, clients, coop_session)
    _worked(app, agreement_id)
    with app.app_context():
        timesheets.check_submit(agreement_id, 300, lender_coop_id=lender.id,
                                actor=lender_admin.id)
        db.session.commit()
    borrow = clients(borrower_admin)
    base = f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/timesheet"
    no_reason = borrow.post(f"{base}/dispute", json={"reason": "   "})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    disputed = borrow.post(f"{base}/dispute",
                           json={"reason": "The visit ended at 14:00, not 15:00."})
    assert disputed.status_code == 200, disputed.get_json()
    body = disputed.get_json()
    assert body["state"] == "disputed" and body["disputed_by_coop_id"] == borrower.id
    assert _entries(app, agreement_id) == []
    # A disputed timesheet cannot be approved as it stands.
    assert borrow.post(f"{base}/approve").status_code == 409
    assert _entries(app, agreement_id) == []
    with app.app_context():
        assert db.session.get(LendingAgreement, agreement_id).state == "confirmed"
        assert lending.post_to_ledger(db.session.get(LendingAgreement, agreement_id)) is None
        db.session.rollback()

    bad = borrow.post(f"{base}/resolve", json={"minutes": 0, "resolution": "Agreed 4 h"})
    assert bad.status_code == 422 and "minutes" in bad.get_json()["errors"]
    assert _entries(app, agreement_id) == []
    # Resolving the dispute for a full day per slot and more is refused by field too.
    too_long = borrow.post(f"{base}/resolve",
                           json={"minutes": 24 * 60 + 1, "resolution": "Agreed"})
    assert too_long.status_code == 422 and "minutes" in too_long.get_json()["errors"]
    resolved = borrow.post(f"{base}/resolve", json={
        "minutes": 240, "resolution": "Both co-ops agreed 4 hours by phone."})
    assert resolved.status_code == 200, resolved.get_json()
    assert resolved.get_json()["approved_minutes"] == 240
    [(entry, _parts)] = _entries(app, agreement_id)
    assert entry.minutes == 240
    with app.app_context():
        actions = [a for (a,) in db.session.execute(
            select(AuditEvent.action).where(AuditEvent.action.like("lending.timesheet_%"),
                                            AuditEvent.coop_id.in_([lender.id, borrower.id]))
            .order_by(AuditEvent.id))]
        assert actions == ["lending.timesheet_submitted", "lending.timesheet_disputed",
                           "lending.timesheet_resolved", "lending.timesheet_approved"]
        sheet = db.session.scalar(select(Timesheet).where(
            Timesheet.agreement_id == agreement_id))
        assert sheet.dispute_reason == "The visit ended at 14:00, not 15:00."
        assert sheet.resolution.startswith("Both co-ops")


def test_the_worker_submits_and_the_hours_page_approves(app, clients, coop_session):
    from tests.fixtures.app import csrf_token

    lender, lender_admin, borrower, borrower_admin, agreement_id, after = _confirmed_loan(
        app, clients, coop_session)
    _worked(app, agreement_id)
    with app.app_context():
        worker_account_id = db.session.get(LendingAgreement, agreement_id).worker_account_id
        timesheets.check_submit(agreement_id, 240, worker_account_id=worker_account_id,
                                actor=worker_account_id)
        db.session.commit()
    browser = clients(borrower_admin).client
    path = f"/c/{borrower.slug}/lending/offers/{agreement_id}/hours"
    page = browser.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="rate-parts"' in text and "20.91" in text
    empty = browser.post(path, data={"action": "dispute", "reason": "",
                                     "csrf_token": csrf_token(browser, path)})
    assert empty.status_code == 422 and 'id="reason-error"' in empty.get_data(as_text=True)
    assert _entries(app, agreement_id) == []
    done = browser.post(path, data={"action": "approve",
                                    "csrf_token": csrf_token(browser, path)})
    assert done.status_code == 302
    [(entry, _parts)] = _entries(app, agreement_id)
    assert entry.minutes == 240
