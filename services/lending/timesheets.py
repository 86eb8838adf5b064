"""Timesheets: the hours a loan was worked, approved by the borrower before the ledger.

After the last slot has ended, the lending co-op or the worker submits the minutes worked
(travel included). The borrowing co-op approves them, and only then does anything reach
the ledger: the approved minutes at the rate fixed at confirmation, part by part. Or it
disputes them, saying why: that is recorded and posts nothing, until the lender submits
corrected hours to approve, or the borrower records the resolution and the minutes agreed.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.timeutil import local_now
from services.lending import rates
from services.lending.models import (
    LedgerEntry,
    LedgerEntryParts,
    LendingAgreement,
    Timesheet,
)

#: A slot lasts at most 13 hours and travel at most 10, so a day per slot is a generous cap.
MINUTES_PER_SLOT_CAP = 24 * 60
NOTE_MAX = 500


def _now() -> datetime:
    return datetime.now(UTC)


def of(agreement_id: int, *, lock: bool = False) -> Timesheet | None:
    """The loan's timesheet, if one was submitted; ``lock`` holds its row to the end of the
    transaction on PostgreSQL, so two approvals of the same hours cannot both post."""
    stmt = select(Timesheet).where(Timesheet.agreement_id == agreement_id)
    return db.session.scalar(stmt.with_for_update() if lock else stmt)


def _agreement(agreement_id: int, *, coop_id: int | None = None,
               account_id: int | None = None) -> LendingAgreement:
    from services.lending import service

    return service.access_agreement(agreement_id, coop_id=coop_id, account_id=account_id)


def _text(value: str | None, field: str, required: bool) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [str(_l("Say why, in a sentence or two."))]})
    if len(value) > NOTE_MAX:
        raise ValidationError({field: [str(_l("Use at most %(n)s characters.", n=NOTE_MAX))]})
    return value or None


def _check_minutes(agreement: LendingAgreement, minutes, field: str = "minutes") -> int:
    cap = MINUTES_PER_SLOT_CAP * max(len(agreement.request.slots), 1)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= cap:
        raise ValidationError({field: [str(_l(
            "Enter the minutes worked, travel included: more than 0 and at most %(cap)s.",
            cap=cap))]})
    return minutes


def check_submit(agreement_id: int, minutes: int, *, note: str | None = None,
                 lender_coop_id: int | None = None, worker_account_id: int | None = None,
                 actor: int | None, now: datetime | None = None) -> Timesheet:
    """The lending co-op (``lender_coop_id``) or the worker (``worker_account_id``) submits
    the minutes worked, once the loan's last slot has ended; corrected minutes may follow a
    dispute. Approved hours cannot be changed."""
    agreement = _agreement(agreement_id, coop_id=lender_coop_id, account_id=worker_account_id)
    if lender_coop_id is not None and agreement.lender_coop_id != lender_coop_id:
        raise NotFound()
    if agreement.state not in ("confirmed", "completed"):
        raise Conflict(str(_l("Hours can be submitted only for a confirmed loan.")))
    if max(s.ends_at for s in agreement.request.slots) > (now or local_now()):
        raise Conflict(str(_l("Hours can be submitted once the loan's last slot has ended.")))
    minutes = _check_minutes(agreement, minutes)
    note = _text(note, "note", required=False)
    # The loan's row is held while the first timesheet is written, so two submissions at
    # once make one row (the second then updates it) rather than a duplicate.
    db.session.execute(select(LendingAgreement.id).where(LendingAgreement.id == agreement.id)
                       .with_for_update())
    sheet = of(agreement.id, lock=True)
    if sheet is not None and sheet.state == "approved":
        raise Conflict(str(_l("These hours are already approved.")))
    was = sheet.state if sheet is not None else None
    if sheet is None:
        sheet = Timesheet(agreement_id=agreement.id)
        db.session.add(sheet)
    sheet.state, sheet.minutes, sheet.note = "submitted", minutes, note
    sheet.submitted_as = "lender" if lender_coop_id is not None else "worker"
    sheet.submitted_by_account_id, sheet.submitted_at = actor, _now()
    db.session.flush()
    audit.record(db.session, "lending.timesheet_submitted", actor_account_id=actor,
                 coop_id=agreement.lender_coop_id, agreement_id=agreement.id,
                 timesheet_id=sheet.id, minutes=minutes, submitted_as=sheet.submitted_as,
                 before=was)
    return sheet


def _borrowers(agreement_id: int, borrower_coop_id: int) -> tuple[LendingAgreement, Timesheet]:
    agreement = _agreement(agreement_id, coop_id=borrower_coop_id)
    if agreement.borrower_coop_id != borrower_coop_id:
        raise NotFound()
    sheet = of(agreement.id, lock=True)
    if sheet is None:
        raise Conflict(str(_l("No hours have been submitted for this loan yet.")))
    return agreement, sheet


def _approve(agreement: LendingAgreement, sheet: Timesheet, minutes: int, actor: int | None,
             now: datetime | None) -> Timesheet:
    from services.lending import service

    sheet.state, sheet.approved_minutes = "approved", minutes
    sheet.approved_by_account_id, sheet.approved_at = actor, _now()
    db.session.flush()
    audit.record(db.session, "lending.timesheet_approved", actor_account_id=actor,
                 coop_id=agreement.borrower_coop_id, agreement_id=agreement.id,
                 timesheet_id=sheet.id, minutes=minutes)
    if agreement.state == "confirmed":  # completing posts the approved hours
        service.do_complete(agreement.id, agreement.borrower_coop_id, actor=actor, now=now)
    else:
        service.post_to_ledger(agreement)
    return sheet


def do_approve(agreement_id: int, borrower_coop_id: int, *, actor: int | None,
               now: datetime | None = None) -> Timesheet:
    """The borrowing co-op approves the submitted hours: they go to the ledger now."""
    agreement, sheet = _borrowers(agreement_id, borrower_coop_id)
    if sheet.state != "submitted":
        raise Conflict(str(_l("These hours are %(state)s, not waiting for approval.",
                              state=STATE_NAMES[sheet.state])))
    return _approve(agreement, sheet, sheet.minutes, actor, now)


def check_dispute(agreement_id: int, borrower_coop_id: int, reason: str, *,
                  actor: int | None) -> Timesheet:
    """The borrowing co-op disputes the submitted hours, saying why; nothing is posted."""
    agreement, sheet = _borrowers(agreement_id, borrower_coop_id)
    reason = _text(reason, "reason", required=True)
    if sheet.state != "submitted":
        raise Conflict(str(_l("These hours are %(state)s, not waiting for approval.",
                              state=STATE_NAMES[sheet.state])))
    sheet.state, sheet.dispute_reason = "disputed", reason
    sheet.disputed_by_account_id, sheet.disputed_by_coop_id = actor, borrower_coop_id
    sheet.disputed_at = _now()
    db.session.flush()
    audit.record(db.session, "lending.timesheet_disputed", actor_account_id=actor,
                 coop_id=borrower_coop_id, agreement_id=agreement.id, timesheet_id=sheet.id)
    return sheet


def check_resolve(agreement_id: int, borrower_coop_id: int, minutes: int, resolution: str, *,
                  actor: int | None, now: datetime | None = None) -> Timesheet:
    """The borrowing co-op records how a dispute was settled and the minutes agreed; those
    approved minutes are posted."""
    agreement, sheet = _borrowers(agreement_id, borrower_coop_id)
    minutes = _check_minutes(agreement, minutes)
    resolution = _text(resolution, "resolution", required=True)
    if sheet.state != "disputed":
        raise Conflict(str(_l("These hours are not in dispute.")))
    sheet.resolution, sheet.resolved_at = resolution, _now()
    audit.record(db.session, "lending.timesheet_resolved", actor_account_id=actor,
                 coop_id=borrower_coop_id, agreement_id=agreement.id, timesheet_id=sheet.id,
                 minutes=minutes)
    return _approve(agreement, sheet, minutes, actor, now)


def post_approved(agreement: LendingAgreement) -> LedgerEntry | None:
    """The loan's ledger entry for its approved hours; None while they are not approved.

    The entry keeps the parts of the rate fixed at confirmation (a loan confirmed before
    rates had parts is valued at the wage alone, as it was agreed) and the timesheet.
    """
    from services.lending import service

    entry = db.session.scalar(select(LedgerEntry).where(
        LedgerEntry.agreement_id == agreement.id))
    if entry is not None:
        return entry
    sheet = of(agreement.id)
    if sheet is None or sheet.state != "approved":
        return None
    row = rates.fixed(agreement.id)
    parts = (rates.RateParts.of(row) if row is not None else rates.RateParts(
        agreement.rate, *(rates.Decimal("0.00"),) * 5))
    first = min(s.starts_at for s in agreement.request.slots)
    entry = LedgerEntry(agreement_id=agreement.id, lender_coop_id=agreement.lender_coop_id,
                        borrower_coop_id=agreement.borrower_coop_id,
                        month=date(first.year, first.month, 1), minutes=sheet.approved_minutes,
                        rate=parts.total, amount=service.value(sheet.approved_minutes,
                                                               parts.total))
    db.session.add(entry)
    db.session.flush()
    db.session.add(LedgerEntryParts(entry_id=entry.id, timesheet_id=sheet.id, **asdict(parts)))
    db.session.flush()
    audit.record(db.session, "lending.ledger_posted", coop_id=agreement.borrower_coop_id,
                 agreement_id=agreement.id, entry_id=entry.id, timesheet_id=sheet.id)
    return entry


def waiting_for(coop_id: int) -> list[tuple[LendingAgreement, Timesheet | None]]:
    """Loans of the co-op whose hours are not yet on the ledger: worked but not submitted,
    waiting for approval, or disputed (newest first)."""
    rows = db.session.execute(
        select(LendingAgreement, Timesheet)
        .outerjoin(Timesheet, Timesheet.agreement_id == LendingAgreement.id)
        .outerjoin(LedgerEntry, LedgerEntry.agreement_id == LendingAgreement.id)
        .where((LendingAgreement.borrower_coop_id == coop_id)
               | (LendingAgreement.lender_coop_id == coop_id),
               LendingAgreement.state.in_(("confirmed", "completed")),
               LedgerEntry.id.is_(None))
        .order_by(LendingAgreement.id.desc()).limit(100)).all()
    return [(a, t) for a, t in rows]


STATE_NAMES = {"submitted": _l("waiting for approval"), "approved": _l("approved"),
               "disputed": _l("disputed")}
