"""A co-op's weekly rollups: figures computed from its own store, emitted through the outbox.

Only aggregate counts leave the co-op (no person, no client, no worker id), one event
per ISO week. A week is emitted again, with the next revision, only when its figures
change, so a periodic sweep over the last year costs one outbox row per changed week.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tenants.clients.models import Client, ClientNeed
from tenants.members.models import Member
from tenants.outbox import service as outbox
from tenants.rota.models import Visit
from tenants.stats.models import RollupState
from tenants.store import TenantSession
from tenants.workforce.models import Worker

EVENT = "stats.rollup"
WELSH_SPEAKING = ("conversational", "fluent")
CLIENT_BREAKDOWNS = ("age_band", "funding_source", "language")

Row = tuple[str, str, str, int]
"""(measure, breakdown, category, value)"""


def iso_week(day: date) -> str:
    """'2026-W05' for any day of that ISO week."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def complete_weeks(today: date, count: int) -> list[str]:
    """The ``count`` most recent ISO weeks that have ended before ``today``, oldest first."""
    last_monday = today - timedelta(days=today.weekday() + 7)
    return [iso_week(last_monday - timedelta(weeks=n)) for n in range(count - 1, -1, -1)]


def _monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def compute(session: TenantSession, weeks: list[str]) -> dict[str, list[Row]]:
    """The rollup rows of each of ``weeks``, sorted; totals always present, even at 0."""
    out: dict[str, dict[tuple[str, str, str], int]] = {w: defaultdict(int) for w in weeks}
    if not weeks:
        return {}
    mondays = {w: _monday(w) for w in weeks}
    start = datetime.combine(min(mondays.values()), datetime.min.time())
    end = datetime.combine(max(mondays.values()) + timedelta(days=7), datetime.min.time())
    _care(session, out, start, end)
    _unfilled_and_welsh(session, out, start, end)
    _people(session, out, mondays)
    _lending(session, out, start, end)
    result = {}
    for week, values in out.items():
        for measure in ("care_hours", "visits", "clients", "workers", "members",
                        "hours_lent_in", "hours_lent_out", "staff_lent_in", "staff_lent_out",
                        "hours_unfilled", "welsh_hours_required", "welsh_hours_delivered",
                        "workers_joined", "workers_left"):
            values[(measure, "", "")] += 0
        result[week] = sorted((m, b, c, int(v)) for (m, b, c), v in values.items()
                              if v or b == "")
    return result


def _care(session, out, start: datetime, end: datetime) -> None:
    """Visits and care hours delivered, and the clients who received them."""
    rows = session.execute(
        select(Visit.client_id, Visit.starts_at, Visit.ends_at, Visit.actual_start,
               Visit.actual_end, Client.age_band, Client.funding_source,
               Client.preferred_language)
        .join(Client, Client.id == Visit.client_id)
        .where(Visit.status == "completed", Visit.starts_at >= start, Visit.starts_at < end)
    ).all()
    needs: dict[int, list[str]] = defaultdict(list)
    for client_id, need in session.execute(select(ClientNeed.client_id, ClientNeed.need_type)):
        needs[client_id].append(need)
    minutes: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    clients: dict[str, dict[int, tuple[str, str, str]]] = defaultdict(dict)
    for (client_id, starts, ends, actual_start, actual_end, age, funding, language) in rows:
        week = iso_week(starts.date())
        if week not in out:
            continue
        span = ((actual_end - actual_start) if actual_start and actual_end else (ends - starts))
        mins = int(span.total_seconds() // 60)
        cats = {"age_band": age, "funding_source": funding, "language": language}
        for key in (("", ""), *cats.items()):
            minutes[week][key] += mins
            out[week][("visits", *key)] += 1
        clients[week][client_id] = (age, funding, language)
    for week, by_key in minutes.items():
        for (breakdown, category), mins in by_key.items():
            out[week][("care_hours", breakdown, category)] = mins
    for week, seen in clients.items():
        for client_id, (age, funding, language) in seen.items():
            out[week][("clients", "", "")] += 1
            for breakdown, category in zip(CLIENT_BREAKDOWNS, (age, funding, language),
                                           strict=True):
                out[week][("clients", breakdown, category)] += 1
            for need in needs.get(client_id, ()):
                out[week][("clients", "need_type", need)] += 1


def _unfilled_and_welsh(session, out, start: datetime, end: datetime) -> None:
    """Hours asked for but not filled: visits still without a worker, whether they are to
    come or were missed for want of one. Hours of completed visits that need Welsh, and
    of those, the hours a Welsh-speaking worker delivered (issue 13)."""
    rows = session.execute(
        select(Visit.starts_at, Visit.ends_at, Visit.actual_start, Visit.actual_end,
               Visit.status, Visit.worker_id, Visit.welsh_required, Worker.welsh_level)
        .outerjoin(Worker, Worker.id == Visit.worker_id)
        .where(Visit.starts_at >= start, Visit.starts_at < end,
               Visit.status != "cancelled")).all()
    for starts, ends, actual_start, actual_end, status, worker_id, welsh, level in rows:
        week = iso_week(starts.date())
        if week not in out:
            continue
        planned = int((ends - starts).total_seconds() // 60)
        if worker_id is None and status in ("scheduled", "missed"):
            out[week][("hours_unfilled", "", "")] += planned
        if welsh and status == "completed":
            span = ((actual_end - actual_start) if actual_start and actual_end
                    else (ends - starts))
            mins = int(span.total_seconds() // 60)
            out[week][("welsh_hours_required", "", "")] += mins
            if level in WELSH_SPEAKING:
                out[week][("welsh_hours_delivered", "", "")] += mins


def _people(session, out, mondays: dict[str, date]) -> None:
    """Workers and members on the books at the end of each week, and workers who started
    or left in it (issue 13).

    A worker who left is on the books until the day before ``left_on``. A worker made
    inactive with no leaving date recorded (before leaving dates were kept) is left out
    of every week, as before, since when they left is not known.
    """
    workers = session.execute(
        select(Worker.started_on, Worker.left_on, Worker.welsh_level)
        .where(Worker.active.is_(True) | Worker.left_on.is_not(None))).all()
    members = session.execute(select(Member.joined_on, Member.left_on)).all()
    for week, monday in mondays.items():
        sunday = monday + timedelta(days=6)
        out[week][("workers_joined", "", "")] += sum(
            1 for started_on, _, _ in workers if monday <= started_on <= sunday)
        out[week][("workers_left", "", "")] += sum(
            1 for _, left_on, _ in workers if left_on is not None and monday <= left_on <= sunday)
        for started_on, left_on, welsh_level in workers:
            if started_on <= sunday and (left_on is None or left_on > sunday):
                out[week][("workers", "", "")] += 1
                language = "cy" if welsh_level in WELSH_SPEAKING else "en"
                out[week][("workers", "language", language)] += 1
        out[week][("members", "", "")] += sum(
            1 for joined, left in members if joined <= sunday and (left is None or left > sunday))


def _lending(session, out, start: datetime, end: datetime) -> None:
    """Hours and staff lent in (guest assignments) and out (commitments), if the co-op's
    workspace has lending (tenants.lending)."""
    from tenants import models

    if "guest_assignments" not in models.metadata.tables:
        return
    from tenants.lending.models import GuestAssignment, LendingCommitment

    sides = (
        ("in", GuestAssignment.worker_ref, GuestAssignment),
        ("out", LendingCommitment.worker_id, LendingCommitment),
    )
    for side, who, model in sides:
        rows = session.execute(select(who, model.starts_at, model.ends_at).where(
            model.cancelled_at.is_(None), model.starts_at >= start, model.starts_at < end)).all()
        minutes: dict[str, int] = defaultdict(int)
        staff: dict[str, set] = defaultdict(set)
        for person, starts, ends in rows:
            week = iso_week(starts.date())
            if week in out:
                minutes[week] += int((ends - starts).total_seconds() // 60)
                staff[week].add(person)
        for week in minutes:
            out[week][(f"hours_lent_{side}", "", "")] = minutes[week]
            out[week][(f"staff_lent_{side}", "", "")] = len(staff[week])


def digest(rows: list[Row]) -> str:
    """sha256 of a week's rows in canonical JSON (the federation recomputes it)."""
    return hashlib.sha256(json.dumps(sorted(map(list, rows)), separators=(",", ":"))
                          .encode()).hexdigest()


def publish_weeks(session: TenantSession, weeks: list[str],
                  resend: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Emit the rollup of every week in ``weeks`` whose figures changed, and of every week
    in ``resend`` whatever its digest; returns the weeks emitted.

    The outbox row and the new revision are written in the caller's transaction.
    """
    figures = compute(session, weeks)
    states = {s.week: s for s in session.scalars(
        select(RollupState).where(RollupState.week.in_(weeks)))}
    emitted = []
    now = datetime.now(UTC)
    for week in weeks:
        rows = figures[week]
        new_digest = digest(rows)
        state = states.get(week)
        if state is not None and state.digest == new_digest and week not in resend:
            continue
        if state is None:
            state = RollupState(week=week, revision=0)
            session.add(state)
        state.revision += 1
        state.digest = new_digest
        state.emitted_at = now
        outbox.emit(session, EVENT, week=week, revision=state.revision,
                    rows=[list(r) for r in rows])
        emitted.append(week)
    session.flush()
    return emitted


def forget_sent(session: TenantSession) -> int:
    """After opting out: mark every week unsent, so opting in again sends them all anew.

    Revisions are kept, so anything sent later supersedes what the federation holds.
    """
    states = list(session.scalars(select(RollupState).where(RollupState.digest != "")))
    for state in states:
        state.digest = ""
    session.flush()
    return len(states)


def weeks_touched_by(starts: datetime, ends: datetime | None = None) -> list[str]:
    """The weeks a change between ``starts`` and ``ends`` affects (for callers that
    republish a week as soon as a visit changes)."""
    ends = ends or starts
    day, weeks = starts.date(), []
    while day <= ends.date():
        weeks.append(iso_week(day))
        day += timedelta(days=7)
    if iso_week(ends.date()) not in weeks:
        weeks.append(iso_week(ends.date()))
    return weeks
