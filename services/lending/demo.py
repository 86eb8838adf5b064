"""Demo lending: an open request on the board, a confirmed loan, and last month's ledger.

Runs after ``services.pool.demo``. Idempotent: it does nothing once the demo co-ops have
any lending agreement. Each demo co-op states its lending terms (the default on-costs and
its insurance), and each pair that lends accepts its sharing agreement. Last month's
completed loans are history, so they are written directly (a new request may not have
slots in the past), with the rate's parts fixed as confirmation fixes them and hours
approved on a timesheet, then posted to the ledger the way approval posts them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from core.db import db
from services.lending import compliance, matching, pair_agreements, rates
from services.lending import service as lending
from services.lending.models import LendingAgreement, LendingRequest, LendingSlot, Timesheet
from services.pool.areas import centroids
from services.pool.models import PoolProfile, skills_mask
from tenants.registry.models import Coop

RATE = Decimal("12.60")  # the wage: the Real Living Wage for 2025-26, per hour
PAIRS = (("gofal-gwynedd", "powys-elders"), ("caerphilly-foster", "cardiff-dp-circle"))


def _coops() -> dict[str, Coop]:
    return {c.slug: c for c in db.session.scalars(select(Coop).where(Coop.slug.in_(
        ["gofal-gwynedd", "cardiff-dp-circle", "powys-elders", "caerphilly-foster"])))}


def _next(weekday: int, today: date, weeks: int = 1) -> date:
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
    return monday + timedelta(days=weekday)


def _request(borrower: Coop, la: str, slots, skills, welsh: bool, on_board=False):
    return lending.check_create_request(
        borrower.id, {"slots": [{"starts_at": s, "ends_at": e} for s, e in slots],
                      "la_code": la, "skills": skills, "welsh_required": welsh, "rate": RATE,
                      "on_board": on_board}, actor=borrower.first_admin_account_id)


def _confirmed_loan(coops, today: date) -> None:
    borrower, lender = coops["powys-elders"], coops["gofal-gwynedd"]
    for weeks in (1, 2, 3):
        day = _next(1, today, weeks)  # a Tuesday
        request = _request(borrower, "W06000023", [(datetime.combine(day, time(9)),
                                                    datetime.combine(day, time(12)))],
                           ["personal_care"], True)
        found = [c for c in matching.find_candidates(matching.need_of(request), limit=20)
                 if c.coop_id == lender.id]
        if found:
            break
        lending.do_cancel_request(request.id, borrower.id, actor=None)
    else:
        return
    pick = next((c for c in found if c.account_id is not None), found[0])
    agreement = lending.check_offer(request.id, borrower.id, pick.worker_ref, actor=None)
    lending.do_lender_decide(agreement.id, lender.id, True, actor=lender.first_admin_account_id)
    if agreement.worker_account_id is not None:
        lending.do_worker_respond(agreement.id, agreement.worker_account_id, True)
    else:
        agreement.state = "accepted"
    compliance.do_record_all(agreement, borrower_actor=borrower.first_admin_account_id,
                             lender_actor=lender.first_admin_account_id)  # each side's checks
    lending.do_confirm(agreement.id, borrower.id, actor=borrower.first_admin_account_id)


def _agree(coops) -> None:
    """Each demo co-op states its terms and insurance; each lending pair accepts."""
    for coop in coops.values():
        terms = rates.terms_of(coop.id)
        values = {name: getattr(terms, name) for name in (*rates.BASIS_FIELDS, "wage",
                                                          "arrangement")}
        pair_agreements.check_set_terms(coop.id, {
            **values,
            "employers_liability": f"Employer's liability: £10m, policy EL-{coop.id:04d}",
            "public_liability": f"Public liability: £5m, policy PL-{coop.id:04d}"},
            actor=coop.first_admin_account_id)
    for x, y in PAIRS:
        row = pair_agreements.ensure_for_pair(coops[x].id, coops[y].id)
        for coop in (coops[x], coops[y]):
            pair_agreements.do_accept(row.id, coop.id, actor=coop.first_admin_account_id)


def _worked_and_approved(agreement: LendingAgreement, minutes: int, borrower: Coop) -> None:
    """Fix the rate's parts under the pair's accepted agreement, and approve the hours."""
    row = pair_agreements.current(agreement.lender_coop_id, agreement.borrower_coop_id)
    rates.do_fix(agreement, row.id, row.terms["rates"][str(agreement.lender_coop_id)])
    now = datetime.now(UTC)
    db.session.add(Timesheet(
        agreement_id=agreement.id, state="approved", minutes=minutes, submitted_as="lender",
        submitted_at=now, approved_minutes=minutes, approved_at=now,
        approved_by_account_id=borrower.first_admin_account_id))
    db.session.flush()


def _last_month(coops, today: date) -> None:
    """Completed loans last month, both ways between two pairs of co-ops."""
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    pairs = (("gofal-gwynedd", "powys-elders", 3, 6), ("powys-elders", "gofal-gwynedd", 8, 4),
             ("caerphilly-foster", "cardiff-dp-circle", 10, 5),
             ("gofal-gwynedd", "powys-elders", 15, 3))
    for lender_slug, borrower_slug, day, hours in pairs:
        lender, borrower = coops[lender_slug], coops[borrower_slug]
        ref = db.session.scalar(select(PoolProfile.worker_ref).where(
            PoolProfile.coop_id == lender.id).order_by(PoolProfile.id))
        if ref is None:
            continue
        start = datetime.combine(first + timedelta(days=day), time(9))
        lat, lon = centroids()[borrower.la_code]
        request = LendingRequest(
            borrower_coop_id=borrower.id, la_code=borrower.la_code, lat=lat, lon=lon,
            skills=["personal_care"], skills_mask=skills_mask(["personal_care"]), rate=RATE,
            state="filled", slots=[LendingSlot(starts_at=start,
                                               ends_at=start + timedelta(hours=hours))])
        db.session.add(request)
        db.session.flush()
        agreement = LendingAgreement(
            request_id=request.id, borrower_coop_id=borrower.id, lender_coop_id=lender.id,
            worker_ref=ref, rate=RATE, state="completed")
        db.session.add(agreement)
        db.session.flush()
        _worked_and_approved(agreement, hours * 60, borrower)
        lending.post_to_ledger(agreement)


def seed(today: date) -> list[tuple[str, str]]:
    """Seed the demo's lending once."""
    coops = _coops()
    if len(coops) < 4 or db.session.scalar(select(LendingAgreement.id).where(
            LendingAgreement.borrower_coop_id.in_([c.id for c in coops.values()])).limit(1)):
        return []
    _agree(coops)
    _last_month(coops, today)
    day = _next(2, today)  # an open request for next Wednesday, also on the board
    _request(coops["cardiff-dp-circle"], "W06000015",
             [(datetime.combine(day, time(8)), datetime.combine(day, time(10)))],
             ["personal_care"], False, on_board=True)
    _confirmed_loan(coops, today)
    db.session.commit()
    current_app.extensions["coopfed.jobs"].drain()
    return []
