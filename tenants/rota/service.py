"""The rota: patterns, visits, assigning workers under the working-time rules, week views.

Verbs: ``do_*`` changes something, ``check_*`` validates then changes, ``access_*`` fetches
with a permission check, ``*_view`` builds what a page shows. Every change writes an
audit row in the same transaction; the request boundary commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from core.csvsafe import csv_text
from core.errors import Forbidden, NotFound, ValidationError
from core.registry import Hook
from tenants.audit.service import record
from tenants.clients.models import Client
from tenants.clients.service import WELSH_NEED_CHANGED
from tenants.context import tenant_session
from tenants.position.service import get_facts
from tenants.rota import bounds, rules
from tenants.rota.models import PatternSkill, Visit, VisitHoldBack, VisitPattern, VisitSkill
from tenants.rules import explain
from tenants.workforce.checks import Context, engagement_of, findings_on
from tenants.workforce.models import DbsStatusCheck, Worker, WorkerSkill

RULE_MESSAGES = {
    "checks": _l("The worker's DBS or Social Care Wales checks are not valid on that day."),
    "skills": _l("The worker does not have every skill this visit needs."),
    "welsh": _l("This visit needs a worker who speaks conversational or fluent Welsh."),
    "double_booking": _l("The worker already has a visit at that time."),
    "rest_11h": _l("The worker would not get 11 consecutive hours of rest in 24 hours."),
    "max_48h": _l("The worker would work more than 48 hours a week and has not opted out."),
    "break_20m": _l("The worker would work more than 6 hours without a 20-minute break."),
}
CONFLICT_MESSAGES = {
    **RULE_MESSAGES,
    "unassigned": _l("No worker is assigned."),
    "not_wanted": _l("The person has asked not to have this worker."),
}
#: Visits that are not working time: nobody worked them.
NOT_WORKED = ("cancelled", "missed")
#: Rules that bind only some workers (the data says which); the rest bind everyone.
WORKING_TIME = ("rest_11h", "max_48h", "break_20m")


# What the rota must know but packages above it keep (``core.registry.Hook``): they build
# on the rota, so they answer here rather than being imported.
#: Slots the co-op's workers are lent out for, as ``{worker id: [rules.Shift]}``: working
#: time too, since the limits count every employer. Asked with (session, worker ids,
#: start, end).
LENT_OUT = Hook("tenants.rota.service.LENT_OUT", ("tenants.lending.service",))
#: Lent workers coming to this co-op's rota, starting in [start, end): asked with
#: (session, start, end); each answer a list of rows with ``starts_at`` and ``ends_at``.
GUESTS = Hook("tenants.rota.service.GUESTS", ("tenants.lending.service",))
#: A worker's own lent slots for "my shifts", including loans still awaiting the borrower:
#: asked with (session, worker, account id, co-op id, start, end).
LENT_SHIFTS = Hook("tenants.rota.service.LENT_SHIFTS", ("tenants.lending.awaiting",))
#: (client id, worker id) pairs the person asked not to have: asked with the client ids.
UNWANTED_PAIRS = Hook("tenants.rota.service.UNWANTED_PAIRS", ("tenants.care_person.service",))


class RuleRefusal(ValidationError):
    """An assignment or visit refused by rules: plain messages per field, and the rules'
    codes for machines (``rules`` in the problem response)."""

    def __init__(self, errors: dict, codes: list[str]):
        super().__init__(errors)
        self.problem_extra = {"rules": codes}


def check_context() -> Context:
    """The co-op's position and the rule set, read once for a request or a job."""
    return Context(get_facts())


def rule_errors(codes: list[str], findings=()) -> list[str]:
    """Plain messages naming each failed rule in the reader's language.

    The failed checks are told one by one (``findings``), each with its rule and dates.
    """
    messages = []
    for code in codes:
        if code == "checks":
            messages.extend(explain.finding_text(f) for f in findings)
        else:
            messages.append(f"{explain.title(code)}: {RULE_MESSAGES[code]}")
    return messages


def refused_codes(codes: list[str], findings=()) -> list[str]:
    """The rule codes behind a refusal, checks told by the rule each finding breaks."""
    out: list[str] = []
    for code in codes:
        for rule in ([f.rule for f in findings] if code == "checks" else [code]):
            if rule not in out:
                out.append(rule)
    return out


def binding(codes: list[str], worker, day: date, context: Context) -> list[str]:
    """The failed codes that bind this worker: working-time rules only where the data says."""
    return [c for c in codes if c not in WORKING_TIME
            or context.rules.applies(c, context.facts, engagement_of(worker), day)]


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return rules.week_start(day)


def _day_bounds(monday: date) -> tuple[datetime, datetime]:
    start = datetime.combine(monday, time())
    return start, start + timedelta(days=7)


# -- reading -------------------------------------------------------------------------------


def worker_for_account(account_id: int) -> Worker | None:
    """The worker record of a signed-in account in this co-op, if it has one."""
    return tenant_session().scalar(select(Worker).where(Worker.account_id == account_id))


def visits_stmt(week: date | None = None, worker_id: int | None = None) -> Select:
    """Visits in time order, optionally of one week and one worker (for paging)."""
    stmt = select(Visit).options(selectinload(Visit.skills)).order_by(Visit.starts_at, Visit.id)
    if week is not None:
        start, end = _day_bounds(monday_of(week))
        stmt = stmt.where(Visit.starts_at >= start, Visit.starts_at < end)
    if worker_id is not None:
        stmt = stmt.where(Visit.worker_id == worker_id)
    return stmt


def access_visit(visit_id: int, *, own_worker: Worker | None = None) -> Visit:
    """A visit; with ``own_worker``, only one of that worker's (others look absent)."""
    visit = tenant_session().get(Visit, visit_id)
    if visit is None or (own_worker is not None and visit.worker_id != own_worker.id):
        raise NotFound()
    return visit


def patterns_stmt() -> Select:
    """Every pattern, by weekday and time."""
    return (select(VisitPattern).options(selectinload(VisitPattern.skills))
            .order_by(VisitPattern.weekday, VisitPattern.starts, VisitPattern.id))


def _require(model, ident, field_name: str):
    if ident is None:
        return None
    row = tenant_session().get(model, ident)
    if row is None:
        raise ValidationError({field_name: [str(_l("No such record in this co-op."))]})
    return row


# -- the rules, fed from the store ------------------------------------------------------------


def shift_of(starts_at, ends_at, travel_minutes, actual_start=None, actual_end=None,
             status="scheduled") -> rules.Shift:
    """A visit as a shift: the actual times once both are recorded, else the planned ones."""
    if status == "completed" and actual_start is not None and actual_end is not None:
        return rules.Shift(actual_start, actual_end, travel_minutes or 0)
    return rules.Shift(starts_at, ends_at, travel_minutes or 0)


_SHIFT_COLUMNS = (Visit.id, Visit.worker_id, Visit.starts_at, Visit.ends_at,
                  Visit.travel_minutes, Visit.actual_start, Visit.actual_end, Visit.status)


def _shifts_by_worker(worker_ids, start: datetime, end: datetime,
                      exclude_visit: int | None = None) -> dict[int, list[rules.Shift]]:
    """Each worker's worked shifts starting in [start, end), in one query."""
    found: dict[int, list[rules.Shift]] = defaultdict(list)
    if not worker_ids:
        return found
    rows = tenant_session().execute(
        select(*_SHIFT_COLUMNS).where(Visit.worker_id.in_(list(worker_ids)),
                                      Visit.starts_at >= start, Visit.starts_at < end,
                                      Visit.status.not_in(NOT_WORKED)))
    for row in rows:
        if row.id != exclude_visit:
            found[row.worker_id].append(shift_of(row.starts_at, row.ends_at, row.travel_minutes,
                                                 row.actual_start, row.actual_end, row.status))
    # Slots the co-op has lent the worker out for are working time too (every employer).
    for answer in LENT_OUT.ask(tenant_session(), worker_ids, start, end):
        for worker_id, lent in answer.items():
            found[worker_id].extend(lent)
    return found


def unwanted_pairs(client_ids) -> set[tuple[int, int]]:
    """(client id, worker id) for every "please not" the people cared for have said."""
    ids = list(client_ids)
    return set().union(*UNWANTED_PAIRS.ask(ids)) if ids else set()


def guests_between(start: datetime, end: datetime) -> list:
    """Lent workers' slots in this co-op's rota starting in [start, end), in time order."""
    return sorted((row for answer in GUESTS.ask(tenant_session(), start, end) for row in answer),
                  key=lambda row: row.starts_at)


def lent_shifts(worker: Worker, account_id: int, coop_id: int, start: datetime,
                end: datetime) -> list:
    """The worker's lent slots in [start, end), in time order, with those awaiting the
    borrower's confirmation."""
    return sorted((shift for answer in LENT_SHIFTS.ask(tenant_session(), worker, account_id,
                                                       coop_id, start, end)
                   for shift in answer), key=lambda shift: shift.starts_at)


def _rule_window(starts_at: datetime) -> tuple[datetime, datetime]:
    """Shifts that can matter to a candidate: its 17-week reference period and a day after."""
    monday = datetime.combine(monday_of(starts_at.date()), time())
    return (monday - timedelta(weeks=rules.REFERENCE_WEEKS - 1, days=1),
            monday + timedelta(days=9))


def eligibility(worker: Worker, day: date, context: Context) -> rules.Eligibility:
    """The worker's skills, Welsh and failed checks on ``day``, as plain data."""
    return rules.Eligibility(skills=frozenset(s.skill for s in worker.skills),
                             welsh_level=worker.welsh_level,
                             check_problems=tuple(findings_on(worker, day, context)))


def need_of(visit: Visit) -> rules.Need:
    """What a visit needs from its worker."""
    return rules.Need(skills=frozenset(s.skill for s in visit.skills),
                      welsh_required=bool(visit.welsh_required))


def failed_rules_for(worker: Worker, visit: Visit,
                     context: Context | None = None) -> tuple[list[str], tuple]:
    """Every rule that assigning ``worker`` to ``visit`` would break, and the failed checks."""
    context = context or check_context()
    day = visit.starts_at.date()
    start, end = _rule_window(visit.starts_at)
    shifts = _shifts_by_worker([worker.id], start, end, exclude_visit=visit.id)[worker.id]
    candidate = rules.Shift(visit.starts_at, visit.ends_at, visit.travel_minutes or 0)
    eligible = eligibility(worker, day, context)
    failed = rules.failed_rules(eligible, need_of(visit), shifts, candidate,
                                opted_out=worker.wt_opt_out)
    return binding(failed, worker, day, context), eligible.check_problems


#: Rules about a worker that the rota explains when it assigns them, applying or not.
EXPLAINED = ("scw_registration", "dbs_schedule1", "dbs_policy", *WORKING_TIME)


@dataclass(frozen=True)
class RuleNote:
    """Whether a rule applies to an assignment, and why, in the reader's language."""

    code: str
    applies: bool
    why: str


def rule_notes(worker: Worker, day: date, context: Context | None = None) -> list[RuleNote]:
    """Why each rule about a worker does or does not apply to them on ``day``."""
    context = context or check_context()
    engagement = engagement_of(worker)
    notes = []
    for code in EXPLAINED:
        rule = context.rules[code]
        applies = rule.applies_to(context.facts, engagement, day)
        notes.append(RuleNote(code, applies, explain.why(rule, context.facts, engagement, day)))
    if worker.scw_conditions:
        notes.append(RuleNote("scw_registration", True, str(_l(
            "Social Care Wales registration carries conditions: %(conditions)s",
            conditions=worker.scw_conditions))))
    return notes


# -- changing ----------------------------------------------------------------------------------


def check_assign_worker(visit_id: int, worker_id: int | None, *, actor_account_id: int) -> Visit:
    """Assign (or, with None, unassign) a worker; refused naming every rule it would break."""
    session = tenant_session()
    visit = access_visit(visit_id)
    if worker_id is not None:
        worker = _require(Worker, worker_id, "worker_id")
        failed, findings = failed_rules_for(worker, visit)
        if failed:
            raise RuleRefusal({"worker_id": rule_errors(failed, findings)},
                              refused_codes(failed, findings))
    visit.worker_id = worker_id
    visit.rule_notes = rule_notes(worker, visit.starts_at.date()) if worker_id else []
    session.flush()
    record(session, "rota.visit_assigned", actor_account_id=actor_account_id, subject_type="visit",
           subject_id=visit.id, worker_id=worker_id)
    return visit


def check_short_visit(minutes: int, reason: str | None, day: date,
                      context: Context | None = None) -> None:
    """Refuse a visit shorter than the rule's minimum without a recorded reason, where the
    short-visit rule (reg 41, domiciliary support services) applies."""
    context = context or check_context()
    rule = context.rules["short_visit"]
    minimum = rule.params.get("minimum_minutes", 30)
    if minutes < minimum and not (reason or "").strip() \
            and rule.applies_to(context.facts, None, day):
        raise RuleRefusal({"short_visit_reason": [str(_l(
            "%(rule)s: this visit is %(minutes)s minutes long; record why it is shorter than "
            "%(minimum)s minutes.", rule=explain.title(rule.code), minutes=minutes,
            minimum=minimum))]}, [rule.code])


def check_create_visit(data: dict, *, actor_account_id: int) -> Visit:
    """A one-off visit; a worker given here is assigned under the rules."""
    session = tenant_session()
    if data["ends_at"] <= data["starts_at"]:
        raise ValidationError({"ends_at": [str(_l("The end must be after the start."))]})
    client = _require(Client, data["client_id"], "client_id")
    minutes = int((data["ends_at"] - data["starts_at"]).total_seconds() // 60)
    check_short_visit(minutes, data.get("short_visit_reason"), data["starts_at"].date())
    # The Active Offer: a Welsh preference makes the visit Welsh-required (issue 12).
    visit = Visit(client_id=data["client_id"], starts_at=data["starts_at"],
                  ends_at=data["ends_at"], travel_minutes=data.get("travel_minutes", 0),
                  welsh_required=data.get("welsh_required", False) or client.needs_welsh,
                  note=data.get("note"),
                  short_visit_reason=(data.get("short_visit_reason") or "").strip() or None,
                  status="scheduled",
                  skills=[VisitSkill(skill=s) for s in sorted(set(data.get("skills", [])))])
    session.add(visit)
    session.flush()
    record(session, "rota.visit_created", actor_account_id=actor_account_id, subject_type="visit",
           subject_id=visit.id)
    if data.get("worker_id") is not None:
        check_assign_worker(visit.id, data["worker_id"], actor_account_id=actor_account_id)
    return visit


MANAGER_FIELDS = ("status", "actual_start", "actual_end", "travel_minutes", "note")
WORKER_FIELDS = ("actual_start", "actual_end")


def check_update_visit(visit_id: int, changes: dict, *, actor_account_id: int,
                       own_worker: Worker | None = None) -> Visit:
    """Record status and actual times; a worker (``own_worker``) records their own times only."""
    session = tenant_session()
    visit = access_visit(visit_id, own_worker=own_worker)
    allowed = WORKER_FIELDS if own_worker is not None else MANAGER_FIELDS
    refused = sorted(set(changes) - set(allowed))
    if refused:
        raise Forbidden(str(_l("Your role may not change: %(fields)s", fields=", ".join(refused))))
    start = changes.get("actual_start", visit.actual_start)
    end = changes.get("actual_end", visit.actual_end)
    if start is not None and end is not None and end <= start:
        raise ValidationError({"actual_end": [str(_l("The actual end must be after the "
                                                     "actual start."))]})
    out_of_bounds = bounds.refusals(visit.starts_at, visit.ends_at, start, end)
    if out_of_bounds:
        raise RuleRefusal(out_of_bounds, [bounds.RULE])
    for name, value in changes.items():
        setattr(visit, name, value)
    session.flush()
    record(session, "rota.visit_updated", actor_account_id=actor_account_id, subject_type="visit",
           subject_id=visit.id, fields=sorted(changes))
    return visit


def access_pattern(pattern_id: int) -> VisitPattern:
    """A weekly pattern of this co-op."""
    pattern = tenant_session().get(VisitPattern, pattern_id)
    if pattern is None:
        raise NotFound()
    return pattern


def _pattern_values(data: dict) -> dict:
    """Checked column values of a pattern, from a create or a full update."""
    client = _require(Client, data["client_id"], "client_id")
    _require(Worker, data.get("worker_id"), "worker_id")
    valid_from = data["valid_from"]
    if data.get("valid_until") is not None and data["valid_until"] < valid_from:
        raise ValidationError({"valid_until": [str(_l("The end date must not be before the "
                                                      "start date."))]})
    check_short_visit(data["duration_minutes"], data.get("short_visit_reason"), valid_from)
    return {"short_visit_reason": (data.get("short_visit_reason") or "").strip() or None,
            "client_id": data["client_id"], "worker_id": data.get("worker_id"),
            "weekday": data["weekday"], "starts": data["starts"],
            "duration_minutes": data["duration_minutes"],
            "welsh_required": data.get("welsh_required", False) or client.needs_welsh,
            "valid_from": valid_from, "valid_until": data.get("valid_until")}


def check_create_pattern(data: dict, *, actor_account_id: int) -> VisitPattern:
    """A weekly pattern; its visits appear when a week is generated."""
    session = tenant_session()
    pattern = VisitPattern(**_pattern_values(data),
                           skills=[PatternSkill(skill=s) for s in sorted(set(data.get("skills",
                                                                                     [])))])
    session.add(pattern)
    session.flush()
    record(session, "rota.pattern_created", actor_account_id=actor_account_id,
           subject_type="pattern",
           subject_id=pattern.id)
    return pattern


def check_update_pattern(pattern_id: int, data: dict, *, actor_account_id: int) -> VisitPattern:
    """Change a pattern. Weeks generated from now on follow it; visits already on the rota
    keep their own time and worker (change those one by one), and a week generated before
    the change is not doubled by generating it again."""
    session = tenant_session()
    pattern = access_pattern(pattern_id)
    values = _pattern_values(data)
    changed = sorted(k for k, v in values.items() if getattr(pattern, k) != v)
    for name, value in values.items():
        setattr(pattern, name, value)
    skills = sorted(set(data.get("skills", [])))
    if skills != sorted(s.skill for s in pattern.skills):
        changed.append("skills")
        pattern.skills = [PatternSkill(skill=s) for s in skills]
    session.flush()
    record(session, "rota.pattern_updated", actor_account_id=actor_account_id,
           subject_type="pattern",
           subject_id=pattern.id, fields=changed)
    return pattern


@dataclass
class RemovedPattern:
    """What removing a pattern did."""

    pattern_id: int
    visits_removed: int
    deleted: bool
    ended_on: date | None = None


def do_remove_pattern(pattern_id: int, from_day: date, *, actor_account_id: int) -> RemovedPattern:
    """Stop a pattern from ``from_day``: its visits from that day that are still only
    planned (scheduled, nothing recorded) leave the rota; visits before it stay. A pattern
    that started on or after ``from_day`` is deleted (its remaining visits stay as one-offs);
    otherwise it ends the day before."""
    session = tenant_session()
    pattern = access_pattern(pattern_id)
    planned = (select(Visit.id).where(
        Visit.pattern_id == pattern.id, Visit.starts_at >= datetime.combine(from_day, time()),
        Visit.status == "scheduled", Visit.actual_start.is_(None), Visit.actual_end.is_(None)))
    ids = session.scalars(planned).all()
    if ids:
        session.execute(delete(Visit).where(Visit.id.in_(ids)))
    result = RemovedPattern(pattern.id, len(ids), deleted=from_day <= pattern.valid_from)
    if result.deleted:
        session.delete(pattern)
    else:
        last = from_day - timedelta(days=1)
        pattern.valid_until = min(pattern.valid_until or last, last)
        result.ended_on = pattern.valid_until
    session.flush()
    record(session, "rota.pattern_removed", actor_account_id=actor_account_id,
           subject_type="pattern",
           subject_id=result.pattern_id, from_day=from_day.isoformat(),
           visits_removed=result.visits_removed, deleted=result.deleted)
    return result


@dataclass
class Generated:
    """What generating a week did."""

    week: date
    created: int = 0
    unassigned_by_rules: list[int] = field(default_factory=list)
    #: Visits created without their pattern's worker, by that worker's name.
    held_back: dict[str, int] = field(default_factory=dict)


def _insert_ignoring_duplicates(session, rows: list[dict]) -> list[tuple[int, int]]:
    """Insert visits, skipping any (pattern_id, starts_at) that exists: the unique constraint
    decides, so two coordinators generating the same week at once cannot double it."""
    if not rows:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (dialect.insert(Visit).values(rows)
            .on_conflict_do_nothing(index_elements=["pattern_id", "starts_at"])
            .returning(Visit.id, Visit.pattern_id))
    return [tuple(r) for r in session.execute(stmt)]


def _days_generated(session, monday: date) -> set[tuple[int, date]]:
    """(pattern, day) pairs of the week that already have a visit, whatever its time now:
    a pattern moved to another hour must not add a second visit on a generated day."""
    start, end = _day_bounds(monday)
    return {(pid, at.date()) for pid, at in session.execute(
        select(Visit.pattern_id, Visit.starts_at).where(
            Visit.pattern_id.is_not(None), Visit.starts_at >= start, Visit.starts_at < end))}


def do_generate_week(week: date, *, actor_account_id: int | None) -> Generated:
    """Create the week's visits from the patterns in force; running it again adds nothing.

    A pattern's worker is kept only where the rules allow; otherwise the visit is left
    unassigned, with a hold-back row naming the worker and the rules, so the rota says why.
    """
    session = tenant_session()
    monday = monday_of(week)
    result = Generated(monday)
    patterns = session.scalars(patterns_stmt().where(
        VisitPattern.valid_from <= monday + timedelta(days=6),
        (VisitPattern.valid_until.is_(None)) | (VisitPattern.valid_until >= monday))).all()
    generated = _days_generated(session, monday)
    planned = []
    for pattern in patterns:
        day = monday + timedelta(days=pattern.weekday)
        if (day < pattern.valid_from or (pattern.valid_until and day > pattern.valid_until)
                or (pattern.id, day) in generated):
            continue
        starts_at = datetime.combine(day, pattern.starts)
        planned.append((pattern, starts_at,
                        starts_at + timedelta(minutes=pattern.duration_minutes)))
    workers = _workers_with_skills({p.worker_id for p, _, _ in planned if p.worker_id})
    start, end = _rule_window(datetime.combine(monday, time()))
    shifts = _shifts_by_worker(workers, start, end)
    context = check_context()
    rows, held = [], {}
    for pattern, starts_at, ends_at in sorted(planned, key=lambda p: (p[1], p[0].id)):
        worker_id = pattern.worker_id
        if worker_id is not None:
            worker = workers[worker_id]
            candidate = rules.Shift(starts_at, ends_at)
            need = rules.Need(frozenset(s.skill for s in pattern.skills), pattern.welsh_required)
            day = starts_at.date()
            eligible = eligibility(worker, day, context)
            failed = binding(rules.failed_rules(eligible, need, shifts[worker_id], candidate,
                                                opted_out=worker.wt_opt_out),
                             worker, day, context)
            if failed:
                result.unassigned_by_rules.append(pattern.id)
                held[pattern.id] = (worker, refused_codes(failed, eligible.check_problems))
                worker_id = None
            else:
                shifts[worker_id].append(candidate)
        rows.append({"client_id": pattern.client_id, "pattern_id": pattern.id,
                     "worker_id": worker_id, "starts_at": starts_at, "ends_at": ends_at,
                     "status": "scheduled", "travel_minutes": 0,
                     "welsh_required": pattern.welsh_required,
                     "short_visit_reason": pattern.short_visit_reason})
    created = _insert_ignoring_duplicates(session, rows)
    skills_of = {p.id: [s.skill for s in p.skills] for p in patterns}
    skill_rows = [{"visit_id": vid, "skill": s} for vid, pid in created for s in skills_of[pid]]
    if skill_rows:
        session.execute(VisitSkill.__table__.insert(), skill_rows)
    hold_rows = [{"visit_id": vid, "worker_id": held[pid][0].id, "rules": " ".join(held[pid][1])}
                 for vid, pid in created if pid in held]
    if hold_rows:
        session.execute(VisitHoldBack.__table__.insert(), hold_rows)
    for _visit, pid in created:
        if pid in held:
            name = held[pid][0].display_name
            result.held_back[name] = result.held_back.get(name, 0) + 1
    result.created = len(created)
    record(session, "rota.week_generated", actor_account_id=actor_account_id, subject_type="week",
           week=monday.isoformat(), created=result.created, held_back=len(hold_rows))
    return result


def hold_back_reasons(codes: str) -> list[str]:
    """Plain words, in the reader's language, for the rules that kept a worker off a visit."""
    out = []
    for code in codes.split():
        message = RULE_MESSAGES.get(code)
        out.append(f"{explain.title(code)}: {message}" if message else explain.title(code))
    return out


@dataclass(frozen=True)
class HoldBack:
    """Who was kept off a visit that has no worker, and why."""

    worker_id: int
    worker_name: str
    reasons: list[str]


def hold_backs(visit_ids) -> dict[int, HoldBack]:
    """The hold-backs of the given visits, by visit id, in one query."""
    ids = list(visit_ids)
    if not ids:
        return {}
    rows = tenant_session().execute(
        select(VisitHoldBack.visit_id, VisitHoldBack.worker_id, Worker.display_name,
               VisitHoldBack.rules).join(Worker, Worker.id == VisitHoldBack.worker_id)
        .where(VisitHoldBack.visit_id.in_(ids))).all()
    return {r.visit_id: HoldBack(r.worker_id, r.display_name, hold_back_reasons(r.rules))
            for r in rows}


def week_csv(week: date, *, actor_account_id: int | None) -> str:
    """The week's visits as CSV in the reader's language, one row a visit; audited, since it
    names clients."""
    view = week_view(week)
    header = [_l("Date"), _l("Start"), _l("End"), _l("Client"), _l("Worker"), _l("Status"),
              _l("Welsh needed"), _l("Conflicts"), _l("Held back"), _l("Why held back")]
    statuses = {"scheduled": _l("Scheduled"), "completed": _l("Completed"),
                "missed": _l("Missed"), "cancelled": _l("Cancelled")}
    rows = [[r.starts_at.date().isoformat(), r.starts_at.strftime("%H:%M"),
             r.ends_at.strftime("%H:%M"), r.client_name, r.worker_name or "",
             statuses[r.status], _l("Yes") if r.welsh_required else _l("No"),
             "; ".join(str(CONFLICT_MESSAGES[c]) for c in r.conflicts),
             r.held_back.worker_name if r.held_back else "",
             "; ".join(r.held_back.reasons) if r.held_back else ""]
            for d in view.days for r in d.rows]
    record(tenant_session(), "rota.week_exported", actor_account_id=actor_account_id,
           subject_type="week",
           week=view.monday.isoformat(), rows=len(rows))
    return csv_text([str(h) for h in header], rows)


def people_matching(text: str, limit: int = 50) -> tuple[list, list]:
    """Active workers and clients whose name contains ``text`` (any case), by name."""
    needle = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace(
        "_", "\\_") + "%"
    session = tenant_session()

    def find(model):
        return session.execute(
            select(model.id, model.display_name)
            .where(model.active, func.lower(model.display_name).like(needle, escape="\\"))
            .order_by(model.display_name, model.id).limit(limit)).all()
    return find(Worker), find(Client)


def _workers_with_skills(ids) -> dict[int, Worker]:
    if not ids:
        return {}
    found = tenant_session().scalars(select(Worker).options(
        selectinload(Worker.skills), selectinload(Worker.status_checks))
        .where(Worker.id.in_(list(ids))))
    return {w.id: w for w in found}


# -- week views ----------------------------------------------------------------------------------


@dataclass
class VisitRow:
    """One visit as a week view shows it."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    client_id: int
    client_name: str
    worker_id: int | None
    worker_name: str | None
    conflicts: list[str]
    when: str = ""
    #: Who the rules kept off this visit, when it has no worker because of them.
    held_back: HoldBack | None = None
    welsh_required: bool = False


@dataclass
class DaySummary:
    """One day of a week view."""

    day: date
    visits: int = 0
    unassigned: int = 0
    conflicts: int = 0
    rows: list[VisitRow] = field(default_factory=list)


@dataclass
class WeekView:
    """A week of visits, by day, with conflicts."""

    monday: date
    days: list[DaySummary]

    @property
    def total(self) -> int:
        """Visits in the week."""
        return sum(d.visits for d in self.days)

    @property
    def conflicts(self) -> int:
        """Visits with at least one conflict."""
        return sum(d.conflicts for d in self.days)


_VIEW_COLUMNS = (Visit.id, Visit.client_id, Visit.worker_id, Visit.starts_at, Visit.ends_at,
                 Visit.status, Visit.travel_minutes, Visit.welsh_required, Visit.actual_start,
                 Visit.actual_end)


class _V(NamedTuple):
    """A visit row of a week view (a named tuple: attribute access costs nothing)."""

    id: int
    client_id: int
    worker_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: str
    travel_minutes: int
    welsh_required: bool
    actual_start: datetime | None
    actual_end: datetime | None


_WORKER_FACTS = (Worker.id, Worker.display_name, Worker.welsh_level, Worker.wt_opt_out,
                 Worker.started_on, Worker.scw_registration_number, Worker.scw_expires_on,
                 Worker.dbs_certificate_date, Worker.dbs_update_service,
                 Worker.dbs_applied_by_coop, Worker.engagement, Worker.scw_suspended_from,
                 Worker.scw_suspended_until)


@dataclass
class _WorkerFacts:
    """What a week view needs of a worker, read as plain rows (no ORM objects)."""

    row: object
    skills: frozenset[str]
    context: Context
    last_check: object = None
    checks: dict[date, bool] = field(default_factory=dict)

    def checks_fail(self, day: date) -> bool:
        if day not in self.checks:
            self.checks[day] = bool(findings_on(self.row, day, self.context, self.last_check))
        return self.checks[day]

    def binds(self, code: str, day: date) -> bool:
        """True when working-time rule ``code`` binds this worker on ``day``."""
        return bool(binding([code], self.row, day, self.context))


def week_view(week: date, *, worker_id: int | None = None, client_id: int | None = None,
              rows_for_day: int | None = None, full_rules: bool = False) -> WeekView:
    """A week's visits by day, with their conflicts, in seven queries whatever the size.

    Rows are kept for every day, or only day ``rows_for_day`` (0 is Monday) when paging the
    whole co-op's week; counts cover every day. Conflicts always include a missing worker,
    double booking, checks, skills, Welsh and a week over 48 hours; ``full_rules`` (one
    worker's week) also runs rest and break rules against the worker's other shifts.
    Rows are read with Core (plain tuples): building ORM objects for 6,000 visits would
    cost more than the page's whole budget.
    """
    conn = tenant_session().connection()
    monday = monday_of(week)
    start, end = _day_bounds(monday)
    where = [Visit.starts_at >= start, Visit.starts_at < end]
    if worker_id is not None:
        where.append(Visit.worker_id == worker_id)
    if client_id is not None:
        where.append(Visit.client_id == client_id)
    # .all() fetches each result in one call; iterating the cursor would fetch row by row.
    visits = list(map(_V._make, conn.execute(select(*_VIEW_COLUMNS).where(*where)
                                             .order_by(Visit.starts_at, Visit.id)).all()))
    skills: dict[int, set[str]] = defaultdict(set)
    for visit_id, skill in conn.execute(select(VisitSkill.visit_id, VisitSkill.skill)
                                        .join(Visit).where(*where)).all():
        skills[visit_id].add(skill)
    worker_ids = {v.worker_id for v in visits if v.worker_id is not None}
    workers = _worker_facts(conn, worker_ids)
    client_ids = {v.client_id for v in visits}
    clients = dict(conn.execute(select(Client.id, Client.display_name)
                                .where(Client.id.in_(client_ids))).all()) if client_ids else {}
    conflicts = _conflicts(visits, skills, workers, monday, full_rules=full_rules)
    # The person's "please not ‹name›" (issue 12) warns; it does not refuse.
    unwanted = unwanted_pairs(client_ids)
    for v in visits:
        if (v.client_id, v.worker_id) in unwanted and v.status not in NOT_WORKED:
            conflicts.setdefault(v.id, []).append("not_wanted")
    days = [DaySummary(monday + timedelta(days=i)) for i in range(7)]
    for v in visits:
        summary = days[(v.starts_at.date() - monday).days]
        found = conflicts.get(v.id, [])
        summary.visits += 1
        summary.unassigned += v.worker_id is None and v.status == "scheduled"
        summary.conflicts += bool(found)
        if rows_for_day is None or summary.day.weekday() == rows_for_day:
            worker = workers.get(v.worker_id)
            summary.rows.append(VisitRow(
                v.id, v.starts_at, v.ends_at, v.status, v.client_id, clients.get(v.client_id, ""),
                v.worker_id, worker.row.display_name if worker else None, found,
                f"{v.starts_at.hour:02d}:{v.starts_at.minute:02d}–"
                f"{v.ends_at.hour:02d}:{v.ends_at.minute:02d}",
                welsh_required=bool(v.welsh_required)))
    shown = [r for d in days for r in d.rows if r.worker_id is None]
    held = hold_backs(r.id for r in shown)
    for row in shown:
        row.held_back = held.get(row.id)
    return WeekView(monday, days)


def _worker_facts(conn, ids) -> dict[int, _WorkerFacts]:
    """The workers' check dates, Welsh and skills, in two queries."""
    if not ids:
        return {}
    ids = list(ids)
    skills: dict[int, set[str]] = defaultdict(set)
    for worker_id, skill in conn.execute(select(WorkerSkill.worker_id, WorkerSkill.skill)
                                         .where(WorkerSkill.worker_id.in_(ids))).all():
        skills[worker_id].add(skill)
    last_checks = {}
    for check in conn.execute(select(DbsStatusCheck.worker_id, DbsStatusCheck.checked_on,
                                     DbsStatusCheck.checked_by, DbsStatusCheck.result)
                              .where(DbsStatusCheck.worker_id.in_(ids))
                              .order_by(DbsStatusCheck.checked_on, DbsStatusCheck.id)).all():
        last_checks[check.worker_id] = check
    context = check_context()
    return {row.id: _WorkerFacts(row, frozenset(skills[row.id]), context,
                                 last_checks.get(row.id))
            for row in conn.execute(select(*_WORKER_FACTS).where(Worker.id.in_(ids))).all()}


def _conflicts(visits, skills, workers, monday: date, *, full_rules: bool) -> dict[int, list]:
    """Conflict codes per visit id, computed in memory from the week's rows."""
    found: dict[int, list[str]] = defaultdict(list)
    by_worker: dict[int, list] = defaultdict(list)
    checks_fail: dict[tuple[int, date], bool] = {}  # per worker and day, not per visit
    for v in visits:
        if v.status in NOT_WORKED:
            continue
        if v.worker_id is None:
            if v.status == "scheduled":
                found[v.id].append("unassigned")
            continue
        by_worker[v.worker_id].append(v)
        worker = workers[v.worker_id]
        key = (v.worker_id, v.starts_at.date())
        if key not in checks_fail:
            checks_fail[key] = worker.checks_fail(key[1])
        if checks_fail[key]:
            found[v.id].append("checks")
        needed = skills.get(v.id)
        if needed and not needed <= worker.skills:
            found[v.id].append("skills")
        if v.welsh_required and worker.row.welsh_level not in rules.WELSH_SPEAKING:
            found[v.id].append("welsh")
    history = {}
    if full_rules and by_worker:
        start, _ = _rule_window(datetime.combine(monday, time()))
        history = _shifts_by_worker(by_worker, start, datetime.combine(monday, time()))
    for worker_id, mine in by_worker.items():
        opted_out = workers[worker_id].row.wt_opt_out
        if full_rules:
            shifts = [(v.id, shift_of(v.starts_at, v.ends_at, v.travel_minutes, v.actual_start,
                                      v.actual_end, v.status)) for v in mine]
            for vid, shift in shifts:
                others = [s for other, s in shifts if other != vid] + history.get(worker_id, [])
                found[vid].extend(c for c in rules.working_time_failures(
                    others, shift, opted_out=opted_out)
                    if c not in WORKING_TIME or workers[worker_id].binds(c, shift.start.date()))
            continue
        worked = timedelta()
        for i, v in enumerate(mine):
            worked += v.ends_at - v.starts_at + timedelta(minutes=v.travel_minutes or 0)
            for other in mine[i + 1:]:
                if other.starts_at >= v.ends_at:
                    break
                for key in (v.id, other.id):
                    if "double_booking" not in found[key]:
                        found[key].append("double_booking")
        if not opted_out and worked > rules.MAX_WEEK and workers[worker_id].binds("max_48h",
                                                                                 monday):
            for v in mine:
                found[v.id].append("max_48h")
    return {k: v for k, v in found.items() if v}


@WELSH_NEED_CHANGED.answer
def follow_welsh_need(client: Client) -> int:
    """Make the client's patterns and coming scheduled visits Welsh-required, or not, as
    their Welsh need now is; how many rows changed (the client's service audits it)."""
    session = tenant_session()
    wanted = client.needs_welsh
    changed = session.execute(update(VisitPattern).where(
        VisitPattern.client_id == client.id, VisitPattern.welsh_required != wanted)
        .values(welsh_required=wanted).execution_options(synchronize_session=False)).rowcount
    changed += session.execute(update(Visit).where(
        Visit.client_id == client.id, Visit.status == "scheduled",
        Visit.starts_at >= datetime.now(), Visit.welsh_required != wanted)
        .values(welsh_required=wanted).execution_options(synchronize_session=False)).rowcount
    return changed
