"""The working-time and eligibility rules a rota must keep (DESIGN §2), as pure functions.

Nothing here touches a database or a request: callers pass a worker's existing shifts
(start, end, travel) and the candidate shift, and get back the codes of the rules that
would be broken. That keeps the rules reusable by the staff-lending matcher, which must
count a worker's hours across every employer (the 48 hours count all jobs together).

Definitions, in one place:

- **Working time** of a shift is its travel before it plus the visit itself, so a shift
  works from ``start - travel`` to ``end`` (travel between visits is working time).
- **double_booking**: the candidate's visit overlaps another visit of the worker.
- **rest_11h**: shifts less than 11 hours apart belong to one working stretch; a worker
  must get 11 consecutive hours of rest in every 24, so the stretch holding the
  candidate may last at most 13 hours from its first start to its last end.
- **max_48h**: unless the worker has opted out in writing, the week (Monday to Sunday,
  counted by each shift's start) holding the candidate may have at most 48 hours, and the
  average over the 17-week reference period ending with that week may be at most 48
  hours. The reference period starts no earlier than the first week with data (a new
  starter's average is over the weeks they have worked). The law caps the average only;
  we also cap each single week, because a rota cannot count on light weeks that have
  not happened yet to pay back a heavy one, and a single-week cap keeps every
  intermediate state of the rota lawful.
- **break_20m**: shifts less than 20 minutes apart form one continuous stretch; a
  stretch longer than 6 hours lacks the 20-minute break the law requires.
- **checks**, **skills**, **welsh**: eligibility (DBS and SCW valid that day, the skills
  the visit needs, conversational or fluent Welsh where Welsh is required).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

REST = timedelta(hours=11)
MAX_WORKING_STRETCH = timedelta(hours=24) - REST
BREAK_GAP = timedelta(minutes=20)
MAX_WITHOUT_BREAK = timedelta(hours=6)
MAX_WEEK = timedelta(hours=48)
REFERENCE_WEEKS = 17
WELSH_SPEAKING = frozenset({"conversational", "fluent"})

#: Every rule, in the order a refusal reports them.
RULES = ("checks", "skills", "welsh", "double_booking", "rest_11h", "max_48h", "break_20m")


@dataclass(frozen=True)
class Shift:
    """A stretch of work: a visit from ``start`` to ``end`` with ``travel_minutes`` before it."""

    start: datetime
    end: datetime
    travel_minutes: int = 0

    @property
    def work_start(self) -> datetime:
        """When working time begins: travel to the visit counts."""
        return self.start - timedelta(minutes=self.travel_minutes)

    @property
    def worked(self) -> timedelta:
        """Working time of the shift, travel included."""
        return self.end - self.work_start


@dataclass(frozen=True)
class Eligibility:
    """What the eligibility rules need to know about a worker on the candidate's day."""

    skills: frozenset[str] = frozenset()
    welsh_level: str = "none"
    check_problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Need:
    """What a visit needs from whoever does it."""

    skills: frozenset[str] = frozenset()
    welsh_required: bool = False


@dataclass
class _Stretch:
    start: datetime
    end: datetime
    shifts: list[Shift] = field(default_factory=list)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def stretches(shifts: Iterable[Shift], gap: timedelta) -> list[_Stretch]:
    """Join shifts whose working time is less than ``gap`` apart into continuous stretches."""
    joined: list[_Stretch] = []
    for shift in sorted(shifts, key=lambda s: (s.work_start, s.end)):
        if joined and shift.work_start - joined[-1].end < gap:
            joined[-1].end = max(joined[-1].end, shift.end)
            joined[-1].shifts.append(shift)
        else:
            joined.append(_Stretch(shift.work_start, shift.end, [shift]))
    return joined


def _stretch_of(candidate: Shift, shifts: Sequence[Shift], gap: timedelta) -> _Stretch:
    for stretch in stretches([*shifts, candidate], gap):
        if any(s is candidate for s in stretch.shifts):
            return stretch
    raise AssertionError("the candidate is always in a stretch")


def double_booked(shifts: Sequence[Shift], candidate: Shift) -> bool:
    """True when the candidate's visit overlaps another visit."""
    return any(s.start < candidate.end and candidate.start < s.end for s in shifts)


def rest_broken(shifts: Sequence[Shift], candidate: Shift) -> bool:
    """True when the candidate leaves no 11 consecutive hours of rest in a 24-hour period."""
    stretch = _stretch_of(candidate, shifts, REST)
    return stretch.end - stretch.start > MAX_WORKING_STRETCH


def break_missing(shifts: Sequence[Shift], candidate: Shift) -> bool:
    """True when the candidate makes more than 6 hours of work without a 20-minute gap."""
    stretch = _stretch_of(candidate, shifts, BREAK_GAP)
    return stretch.end - stretch.start > MAX_WITHOUT_BREAK


def weekly_hours(shifts: Iterable[Shift]) -> dict[date, timedelta]:
    """Working time per week (keyed by its Monday), each shift counted in its start's week."""
    weeks: dict[date, timedelta] = {}
    for shift in shifts:
        monday = week_start(shift.start.date())
        weeks[monday] = weeks.get(monday, timedelta()) + shift.worked
    return weeks


def over_48h(shifts: Sequence[Shift], candidate: Shift, *, opted_out: bool) -> bool:
    """True when the candidate takes the week, or the 17-week average, past 48 hours."""
    if opted_out:
        return False
    weeks = weekly_hours([*shifts, candidate])
    this_week = week_start(candidate.start.date())
    if weeks[this_week] > MAX_WEEK:
        return True
    first_allowed = this_week - timedelta(weeks=REFERENCE_WEEKS - 1)
    first_with_data = min(w for w in weeks if w >= first_allowed)
    span = (this_week - first_with_data).days // 7 + 1
    total = sum((hours for w, hours in weeks.items() if first_with_data <= w <= this_week),
                timedelta())
    return total > MAX_WEEK * span


def working_time_failures(shifts: Sequence[Shift], candidate: Shift, *,
                          opted_out: bool) -> list[str]:
    """The working-time rules the candidate would break, given the worker's other shifts."""
    failed = []
    if double_booked(shifts, candidate):
        failed.append("double_booking")
    if rest_broken(shifts, candidate):
        failed.append("rest_11h")
    if over_48h(shifts, candidate, opted_out=opted_out):
        failed.append("max_48h")
    if break_missing(shifts, candidate):
        failed.append("break_20m")
    return failed


def eligibility_failures(worker: Eligibility, need: Need) -> list[str]:
    """The eligibility rules the worker fails for a visit with this need."""
    failed = []
    if worker.check_problems:
        failed.append("checks")
    if not need.skills <= worker.skills:
        failed.append("skills")
    if need.welsh_required and worker.welsh_level not in WELSH_SPEAKING:
        failed.append("welsh")
    return failed


def failed_rules(worker: Eligibility, need: Need, shifts: Sequence[Shift], candidate: Shift,
                 *, opted_out: bool) -> list[str]:
    """Every rule the assignment would break, in ``RULES`` order; empty when it may go ahead."""
    return (eligibility_failures(worker, need)
            + working_time_failures(shifts, candidate, opted_out=opted_out))

