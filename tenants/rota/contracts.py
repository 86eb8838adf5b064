"""Contract offers (WSI 2017/1264 reg 42): in a domiciliary support service, a worker on
non-guaranteed hours who has worked regular hours for 3 months (13 weeks) must be offered
a contract reflecting their average hours; the offer and their choice are recorded.

"Regular hours" here means hours worked in every one of the 13 whole weeks (Monday to
Sunday) before the current week. Worked time is the visit plus the travel before it, the
actual times once recorded, and never a cancelled or missed visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.errors import NotFound, ValidationError
from tenants.audit.service import record
from tenants.context import tenant_session
from tenants.rota import rules
from tenants.rota.models import ContractOffer, Visit
from tenants.rota.service import NOT_WORKED, check_context, shift_of
from tenants.workforce.checks import Context, engagement_of
from tenants.workforce.models import Worker

DEFAULT_WEEKS = 13


@dataclass(frozen=True)
class OfferDue:
    """A worker due a contract offer: the weeks counted and their average weekly hours."""

    worker: Worker
    weeks: int
    first_week: date
    average_hours: Decimal


def _weeks_param(context: Context) -> int:
    return context.rules["contract_offer"].params.get("weeks", DEFAULT_WEEKS)


def weekly_worked(worker_ids, first_monday: date, weeks: int) -> dict[int, dict[date, timedelta]]:
    """Worked time per worker and week (keyed by Monday), for ``weeks`` from ``first_monday``."""
    start = datetime.combine(first_monday, time())
    end = start + timedelta(weeks=weeks)
    found: dict[int, dict[date, timedelta]] = {w: {} for w in worker_ids}
    if not worker_ids:
        return found
    rows = tenant_session().execute(select(
        Visit.worker_id, Visit.starts_at, Visit.ends_at, Visit.travel_minutes, Visit.actual_start,
        Visit.actual_end, Visit.status).where(
        Visit.worker_id.in_(list(worker_ids)), Visit.starts_at >= start, Visit.starts_at < end,
        Visit.status.not_in(NOT_WORKED)))
    for row in rows:
        shift = shift_of(row.starts_at, row.ends_at, row.travel_minutes, row.actual_start,
                         row.actual_end, row.status)
        monday = rules.week_start(row.starts_at.date())
        found[row.worker_id][monday] = found[row.worker_id].get(monday, timedelta()) + shift.worked
    return found


def contract_offers_due(on: date, context: Context | None = None) -> list[OfferDue]:
    """Workers due an offer on ``on``, where the reg 42 rule applies to them; by name.

    A worker with an offer recorded since the counted weeks began is not listed again.
    """
    context = context or check_context()
    weeks = _weeks_param(context)
    first_monday = rules.week_start(on) - timedelta(weeks=weeks)
    session = tenant_session()
    candidates = [w for w in session.scalars(select(Worker).where(
        Worker.active.is_(True), Worker.non_guaranteed_hours.is_(True))
        .order_by(Worker.display_name, Worker.id))
        if context.rules.applies("contract_offer", context.facts, engagement_of(w), on)]
    offered = set(session.scalars(select(ContractOffer.worker_id).where(
        ContractOffer.offered_on >= first_monday)))
    candidates = [w for w in candidates if w.id not in offered]
    worked = weekly_worked([w.id for w in candidates], first_monday, weeks)
    due = []
    for worker in candidates:
        per_week = worked[worker.id]
        mondays = [first_monday + timedelta(weeks=i) for i in range(weeks)]
        if all(per_week.get(m, timedelta()) > timedelta() for m in mondays):
            total_hours = Decimal(sum(per_week.values(), timedelta()).total_seconds()) / 3600
            average = (total_hours / weeks).quantize(Decimal("0.01"), ROUND_HALF_UP)
            due.append(OfferDue(worker, weeks, first_monday, average))
    return due


def list_offers() -> list[ContractOffer]:
    """Every recorded offer, newest first."""
    return list(tenant_session().scalars(select(ContractOffer).order_by(
        ContractOffer.offered_on.desc(), ContractOffer.id.desc())))


def do_record_offer(worker_id: int, offered_hours: Decimal, on: date, *,
                    actor_account_id: int) -> ContractOffer:
    """Record the contract offered to a worker due one; audited as ``rota.contract_offered``."""
    due = {d.worker.id: d for d in contract_offers_due(on)}
    if worker_id not in due:
        raise ValidationError({"worker_id": [str(_l(
            "This worker is not due a contract offer: they need 3 months of regular hours on "
            "non-guaranteed hours in a domiciliary support service."))]})
    found = due[worker_id]
    offer = ContractOffer(worker_id=worker_id, offered_on=on, weeks_counted=found.weeks,
                          average_hours=found.average_hours, offered_hours=offered_hours,
                          choice="pending", recorded_by_account_id=actor_account_id)
    session = tenant_session()
    session.add(offer)
    session.flush()
    record(session, "rota.contract_offered", actor_account_id=actor_account_id,
           subject_type="worker",
           subject_id=worker_id, offer_id=offer.id, average_hours=str(found.average_hours),
           offered_hours=str(offered_hours))
    return offer


def do_record_choice(offer_id: int, choice: str, on: date, *,
                     actor_account_id: int) -> ContractOffer:
    """Record the worker's choice on a pending offer; audited as ``rota.contract_choice``."""
    session = tenant_session()
    offer = session.get(ContractOffer, offer_id)
    if offer is None:
        raise NotFound()
    if offer.choice != "pending":
        raise ValidationError({"choice": [str(_l("The worker's choice is already recorded."))]})
    offer.choice, offer.chosen_on = choice, on
    session.flush()
    record(session, "rota.contract_choice", actor_account_id=actor_account_id,
           subject_type="worker",
           subject_id=offer.worker_id, offer_id=offer.id, choice=choice)
    return offer
