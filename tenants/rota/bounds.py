"""How far a visit's recorded actual times may stray from the plan (rule ``actual_times``).

A worker records when a visit really started and ended. Without a bound, a slip (or a
worker's mistake) of a year on a one-hour visit became 8,760 hours of working time and,
once completed, a Direct Payment member's bill. The numbers are data in the rule set.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from tenants.rules import explain
from tenants.rules.engine import default_ruleset

RULE = "actual_times"


def limits() -> tuple[timedelta, timedelta]:
    """How far each actual time may be from the plan, and the longest a visit may last."""
    params = default_ruleset()[RULE].params
    return timedelta(hours=params["window_hours"]), timedelta(hours=params["max_hours"])


def refusals(planned_start: datetime, planned_end: datetime, start: datetime | None,
             end: datetime | None) -> dict[str, list[str]]:
    """Messages per field for actual times out of bounds; empty when they are fine."""
    window, longest = limits()
    hours = int(window.total_seconds() // 3600)
    errors: dict[str, list[str]] = {}
    title = explain.title(RULE)
    if start is not None and abs(start - planned_start) > window:
        errors["actual_start"] = [str(_l(
            "%(rule)s: the actual start must be within %(hours)s hours of the planned start "
            "(%(planned)s).", rule=title, hours=hours, planned=planned_start.isoformat(
                timespec="minutes")))]
    if end is not None and abs(end - planned_end) > window:
        errors["actual_end"] = [str(_l(
            "%(rule)s: the actual end must be within %(hours)s hours of the planned end "
            "(%(planned)s).", rule=title, hours=hours, planned=planned_end.isoformat(
                timespec="minutes")))]
    if start is not None and end is not None and end - start > longest \
            and "actual_end" not in errors:
        errors["actual_end"] = [str(_l(
            "%(rule)s: a visit cannot last more than %(hours)s hours.", rule=title,
            hours=int(longest.total_seconds() // 3600)))]
    return errors


def bounded(planned_start: datetime, planned_end: datetime, start: datetime | None,
            end: datetime | None) -> tuple[datetime, datetime]:
    """The times to pay and bill: the actual ones brought within the rule's bounds.

    Times recorded before the bound existed are clamped rather than trusted; without
    both actual times, the plan.
    """
    if start is None or end is None:
        return planned_start, planned_end
    window, longest = limits()
    start = min(max(start, planned_start - window), planned_start + window)
    end = min(max(end, planned_end - window), planned_end + window)
    end = min(end, start + longest)
    if end <= start:
        return planned_start, planned_end
    return start, end
