"""Care workers: finding, creating and changing them, and the checks that are due.

Naming: ``access_*`` fetches with a permission check, ``do_*`` acts, ``check_*`` refuses
bad input. Functions flush; the request boundary commits. Every change writes an audit
row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import Select, select

from core.db import db
from core.errors import Forbidden, NotFound, ValidationError
from core.timeutil import local_now
from tenants.audit.service import record
from tenants.context import current_tenant, tenant_session
from tenants.members.models import Member
from tenants.position.service import get_facts
from tenants.registry.models import Membership
from tenants.web import MANAGERS
from tenants.workforce.checks import WARNING_DAYS, CheckStatus, Context, check_status
from tenants.workforce.models import Availability, DbsStatusCheck, Worker, WorkerSkill

SCALARS = (
    "display_name", "account_id", "welsh_level", "started_on", "scw_registration_number",
    "scw_expires_on", "dbs_certificate_date", "dbs_update_service", "contracted_hours",
    "wt_opt_out", "wt_opt_out_signed_on", "base_la_code", "base_postcode_district",
    "travel_radius_km", "active", "engagement", "dp_employer_member_id", "dbs_applied_by_coop",
    "scw_conditions", "scw_suspended_from", "scw_suspended_until", "non_guaranteed_hours",
)


def today() -> date:
    """Today's date in Wales, the day checks are judged on."""
    return local_now().date()


def workers_query(skill: str | None = None, welsh_level: str | None = None) -> Select:
    """Workers by name, optionally only those with ``skill`` or at ``welsh_level``."""
    stmt = select(Worker).order_by(Worker.display_name, Worker.id)
    if skill:
        stmt = stmt.where(Worker.skills.any(WorkerSkill.skill == skill))
    if welsh_level:
        stmt = stmt.where(Worker.welsh_level == welsh_level)
    return stmt


def list_workers(skill: str | None = None, welsh_level: str | None = None) -> list[Worker]:
    """Every worker matching the filters."""
    return list(tenant_session().scalars(workers_query(skill, welsh_level)))


def get_worker(worker_id: int) -> Worker:
    """The worker with this id in the current co-op, or NotFound."""
    worker = tenant_session().get(Worker, worker_id)
    if worker is None:
        raise NotFound(gettext("No such worker."))
    return worker


def worker_for_account(account_id: int) -> Worker | None:
    """The worker record linked to this sign-in account, if any."""
    return tenant_session().scalar(select(Worker).where(Worker.account_id == account_id))


def access_worker(worker_id: int, account_id: int, role: str) -> Worker:
    """The worker, if ``role`` may see it: managers see everyone, a worker only themself."""
    worker = get_worker(worker_id)
    if role in MANAGERS or (role == "worker" and worker.account_id == account_id):
        return worker
    raise Forbidden(gettext("You may see only your own worker record."))


def _check_account(account_id: int | None, worker_id: int | None) -> None:
    if account_id is None:
        return
    member = db.session.scalar(select(Membership.id).where(
        Membership.coop_id == current_tenant().id, Membership.account_id == account_id))
    if member is None:
        raise ValidationError({"account_id": ["This account is not a member of the co-op."]})
    taken = tenant_session().scalar(select(Worker.id).where(
        Worker.account_id == account_id, Worker.id != (worker_id or 0)))
    if taken is not None:
        raise ValidationError({"account_id": ["This account is linked to another worker."]})


def _overlaps(windows: list[dict]) -> bool:
    ordered = sorted(windows, key=lambda w: (w["weekday"], w["starts"]))
    return any(a["weekday"] == b["weekday"] and b["starts"] < a["ends"]
               for a, b in zip(ordered, ordered[1:], strict=False))


def check_worker_rules(values: dict, on: date) -> None:
    """Refuse a worker whose fields disagree with each other, naming each field."""
    errors: dict[str, list[str]] = {}
    if values.get("wt_opt_out") and values.get("wt_opt_out_signed_on") is None:
        errors["wt_opt_out_signed_on"] = [
            "An opt-out from the 48-hour week must be in writing: enter the date it was signed."]
    for field in ("wt_opt_out_signed_on", "dbs_certificate_date", "started_on"):
        if values.get(field) is not None and values[field] > on:
            errors.setdefault(field, []).append("Must not be in the future.")
    if values.get("scw_registration_number") and values.get("scw_expires_on") is None:
        errors["scw_expires_on"] = ["Enter the date the registration expires."]
    if values.get("scw_expires_on") is not None and not values.get("scw_registration_number"):
        errors["scw_registration_number"] = ["Enter the registration number."]
    if values.get("engagement") == "dp_pa":
        employer = values.get("dp_employer_member_id")
        if employer is None or tenant_session().get(Member, employer) is None:
            errors["dp_employer_member_id"] = [
                "A Personal Assistant's employer must be a member of the co-op: choose one."]
    elif values.get("dp_employer_member_id") is not None:
        errors["dp_employer_member_id"] = [
            "Only a Personal Assistant has a Direct Payment employer."]
    if values.get("scw_suspended_until") is not None and (
            values.get("scw_suspended_from") is None
            or values["scw_suspended_until"] < values["scw_suspended_from"]):
        errors["scw_suspended_until"] = ["Must be on or after the date the suspension began."]
    if _overlaps(values.get("availability") or []):
        errors["availability"] = ["Windows on the same day must not overlap."]
    if (values.get("left_on") is not None and values.get("started_on") is not None
            and values["started_on"] > values["left_on"]):
        errors.setdefault("started_on", []).append(
            gettext("Must not be after the day they left."))
    if errors:
        raise ValidationError(errors)


def _current_values(worker: Worker) -> dict:
    values = {name: getattr(worker, name) for name in SCALARS}
    values["left_on"] = worker.left_on
    values["availability"] = [{"weekday": a.weekday, "starts": a.starts, "ends": a.ends}
                              for a in worker.availability]
    return values


def _apply(worker: Worker, data: dict) -> None:
    for name in SCALARS:
        if name in data:
            setattr(worker, name, data[name])
    if "skills" in data:
        wanted = set(data["skills"])
        worker.skills = [s for s in worker.skills if s.skill in wanted] + [
            WorkerSkill(skill=code) for code in sorted(wanted - {s.skill for s in worker.skills})]
    if "availability" in data:
        worker.availability = [Availability(**window) for window in data["availability"]]


def do_create_worker(data: dict, *, actor_account_id: int) -> Worker:
    """Add a worker from loaded ``WorkerIn`` data; audited as ``worker.created``."""
    check_worker_rules(data, today())
    _check_account(data.get("account_id"), None)
    worker = Worker()
    _apply(worker, data)
    session = tenant_session()
    session.add(worker)
    session.flush()
    record(session, "worker.created", actor_account_id=actor_account_id,
           subject_type="worker", subject_id=worker.id)
    return worker


def do_update_worker(worker: Worker, data: dict, *, actor_account_id: int) -> Worker:
    """Change the fields present in ``data``; audited as ``worker.updated`` with their names."""
    check_worker_rules({**_current_values(worker), **data}, today())
    if "account_id" in data:
        _check_account(data["account_id"], worker.id)
    _apply(worker, data)
    session = tenant_session()
    session.flush()
    record(session, "worker.updated", actor_account_id=actor_account_id,
           subject_type="worker", subject_id=worker.id, fields=sorted(data))
    return worker


def do_record_leaving(worker: Worker, left_on: date | None, *,
                      actor_account_id: int) -> Worker:
    """Record the day a worker left (no longer on the rota from then), or clear a leaving
    date recorded by mistake (``None``); audited as ``worker.left`` or
    ``worker.leaving_cleared``. The stats rollup counts leavers per week from this date.
    """
    if left_on is not None:
        if left_on > today():
            raise ValidationError({"left_on": [gettext(
                "Must not be in the future: record the day after they have left.")]})
        if left_on < worker.started_on:
            raise ValidationError({"left_on": [gettext(
                "Must not be before the day they started (%(started)s).",
                started=worker.started_on.isoformat())]})
    previous = worker.left_on
    worker.left_on = left_on
    worker.active = left_on is None
    session = tenant_session()
    session.flush()
    if left_on is None:
        record(session, "worker.leaving_cleared", actor_account_id=actor_account_id,
               subject_type="worker", subject_id=worker.id,
               was=previous.isoformat() if previous else None)
    else:
        record(session, "worker.left", actor_account_id=actor_account_id,
               subject_type="worker", subject_id=worker.id, left_on=left_on.isoformat(),
               was=previous.isoformat() if previous else None)
    return worker


@dataclass(frozen=True)
class CheckDue:
    """A worker whose checks fail on the day or lapse within the window."""

    worker: Worker
    status: CheckStatus


def checks_due(on: date | None = None, days: int = WARNING_DAYS) -> list[CheckDue]:
    """Active workers with a check failing or lapsing within ``days``, most urgent first."""
    on = on or today()
    due = []
    context = checks_context()
    for worker in tenant_session().scalars(workers_query().where(Worker.active.is_(True))):
        status = check_status(worker, on, days, context)
        if status.flagged:
            due.append(CheckDue(worker, status))
    return sorted(due, key=lambda d: (d.status.urgency, d.worker.display_name))


def checks_context() -> Context:
    """The co-op's position, read once, for judging checks."""
    return Context(get_facts())


def status_of(worker: Worker, on: date, context: Context | None = None,
              days: int = WARNING_DAYS) -> CheckStatus:
    """The worker's checks on ``on`` under the rules that apply to this co-op."""
    return check_status(worker, on, days, context or checks_context())


def do_record_status_check(worker: Worker, data: dict, *,
                           actor_account_id: int) -> DbsStatusCheck:
    """Record a DBS Update Service status check; audited as ``worker.dbs_status_checked``."""
    errors = {}
    if data["checked_on"] > today():
        errors["checked_on"] = ["Must not be in the future."]
    if not worker.dbs_update_service:
        errors["checked_on"] = ["This worker's certificate is not on the DBS Update Service."]
    elif worker.dbs_certificate_date is None or data["checked_on"] < worker.dbs_certificate_date:
        errors["checked_on"] = ["Must not be before the certificate's date."]
    if errors:
        raise ValidationError(errors)
    check = DbsStatusCheck(worker_id=worker.id, recorded_by_account_id=actor_account_id, **data)
    session = tenant_session()
    session.add(check)
    session.flush()
    session.expire(worker, ["status_checks"])
    record(session, "worker.dbs_status_checked", actor_account_id=actor_account_id,
           subject_type="worker", subject_id=worker.id, result=check.result,
           checked_on=check.checked_on.isoformat())
    return check
