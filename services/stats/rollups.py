"""The federation's copy of co-ops' rollups: stored idempotently by revision (restricted).

Each ``stats.rollup`` event carries one co-op's whole week. The highest revision wins:
an event seen twice, or one that arrives after a newer revision, changes nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, insert, select

from core import audit
from core.db import db
from core.errors import ValidationError
from services.stats.aggregate import ALL_SERIES
from services.stats.cells import MEASURE_BREAKDOWNS, NON_ADDITIVE_BREAKDOWNS, week_monday
from services.stats.models import StatsRollup, StatsRollupWeek
from tenants.registry.models import Coop
from tenants.stats.service import digest

log = logging.getLogger(__name__)
_SERIES = frozenset(ALL_SERIES)


def parse_rows(payload: dict) -> tuple[str, int, list[tuple[str, str, str, int]]]:
    """Check an event's week, revision and rows; ValidationError naming what is wrong.

    The co-op-type breakdown is the federation's to derive, so a co-op may not send it.
    """
    errors: dict[str, list[str]] = {}
    week = payload.get("week")
    try:
        week_monday(str(week))
    except ValueError:
        errors["week"] = ["not an ISO week"]
    revision = payload.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        errors["revision"] = ["must be a positive integer"]
    rows = []
    for n, row in enumerate(payload.get("rows") or []):
        if (not isinstance(row, list) or len(row) != 4 or tuple(row[:3]) not in _SERIES
                or row[1] == "coop_type" or not isinstance(row[3], int)
                or isinstance(row[3], bool) or row[3] < 0):
            errors.setdefault("rows", []).append(f"row {n} is not a known cell with a count")
            continue
        rows.append((row[0], row[1], row[2], row[3]))
    if len({r[:3] for r in rows}) != len(rows):
        errors.setdefault("rows", []).append("a cell appears twice")
    elif rows:
        errors.setdefault("rows", []).extend(_inconsistencies(rows))
        if not errors["rows"]:
            del errors["rows"]
    if errors:
        raise ValidationError(errors)
    return str(week), int(revision), rows


def _inconsistencies(rows: list[tuple[str, str, str, int]]) -> list[str]:
    """Breakdowns must add up to their total (need types: each at most the total), or
    the relations that disclosure control relies on would not hold."""
    totals = {m: v for m, b, _, v in rows if b == ""}
    sums: dict[tuple[str, str], int] = {}
    problems = []
    for measure, breakdown, category, value in rows:
        if breakdown == "":
            continue
        if measure not in totals:
            problems.append(f"{measure} has a breakdown but no total")
        elif breakdown in NON_ADDITIVE_BREAKDOWNS:
            if value > totals[measure]:
                problems.append(f"{measure} {breakdown} {category} exceeds the total")
        else:
            sums[(measure, breakdown)] = sums.get((measure, breakdown), 0) + value
    for measure, total in sorted(totals.items()):
        for breakdown in MEASURE_BREAKDOWNS[measure]:
            if breakdown in ("", "coop_type") or breakdown in NON_ADDITIVE_BREAKDOWNS:
                continue
            if sums.get((measure, breakdown), 0) != total:
                problems.append(f"{measure} by {breakdown} does not add up to the total")
    return sorted(set(problems))


def store_week(coop_id: int, payload: dict) -> bool:
    """Replace a co-op's week with the event's rows if its revision is newer; True if so.

    A co-op that has not opted in has nothing stored (rule 7); its own job stops
    sending once it opts out, and what it sent before stops counting at the next release.
    """
    try:
        week, revision, rows = parse_rows(payload)
    except ValidationError as exc:
        log.warning("rejected stats rollup from co-op %s: %s", coop_id, exc.errors)
        audit.record(db.session, "stats.rollup_rejected", coop_id=coop_id, outcome="refused",
                     fields=sorted(exc.errors))
        return False
    coop = db.session.get(Coop, coop_id)
    if coop is None or not coop.shares_statistics:
        return False
    current = db.session.get(StatsRollupWeek, (coop_id, week), with_for_update=True)
    if current is not None and current.revision >= revision:
        return False
    if current is None:
        current = StatsRollupWeek(coop_id=coop_id, week=week)
        db.session.add(current)
    current.revision = revision
    current.digest = digest(rows)
    db.session.execute(delete(StatsRollup).where(StatsRollup.coop_id == coop_id,
                                                 StatsRollup.week == week))
    if rows:
        db.session.execute(insert(StatsRollup), [
            {"coop_id": coop_id, "week": week, "measure": m, "breakdown": b, "category": c,
             "value": v, "revision": revision} for m, b, c, v in rows])
    db.session.flush()
    return True


def weeks_held(coop_id: int) -> dict[str, int]:
    """The revision the federation holds of each of a co-op's weeks."""
    return dict(db.session.execute(select(StatsRollupWeek.week, StatsRollupWeek.revision)
                                   .where(StatsRollupWeek.coop_id == coop_id)).all())
