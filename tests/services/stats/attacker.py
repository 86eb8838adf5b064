"""An attacker with a linear-programming solver, written apart from the engine's own audit.

It knows what anyone reading a release knows: every shown value (so the true value lies
in its rounding interval), that true values are whole and not negative, that LAs add up
to their RPB and RPBs to Wales, that categories add up to the total (need types only
bound it), that flows add up over periods and that a caseload's longer period equals
its last shorter one, and which geographies have no co-ops. For each suppressed cell it
finds the narrowest range the published release allows.
"""

from __future__ import annotations

import highspy
import numpy as np

from services.stats.cells import (
    MEASURE_BREAKDOWNS,
    MINUTES_MEASURES,
    NON_ADDITIVE_BREAKDOWNS,
    PEAK_MEASURES,
    PERSON_MEASURES,
    STOCK_MEASURES,
    la_to_rpb,
    week_periods,
)

PARENT_KIND = {"week": "month", "month": "quarter", "quarter": "year"}
# How far a shown person count may lie from the truth, as docs/disclosure.md publishes it.
PERSON_SPREAD = 4  # ±2 of cell-key perturbation, then ±2 of rounding to 5
# What the rules allow an attacker to know of a suppressed cell: a 1-7 count (low_count)
# must keep a range of at least LOW_ALLOWED, any other at least ALLOWED.
ALLOWED, LOW_ALLOWED = 8, 4


def shown_interval(measure: str, value: int) -> tuple[float, float]:
    if measure in PERSON_MEASURES:
        return (0, 0) if value == 0 else (max(value - PERSON_SPREAD, 8), value + PERSON_SPREAD)
    if measure in MINUTES_MEASURES:  # hours counted in whole minutes
        return (0, 5 - 1 / 60) if value == 0 else (value - 5, value + 5 - 1 / 60)
    return (0, 4) if value == 0 else (value - 5, value + 4)


def _children(keys):
    """For each (…, period_kind, period, …) total: its child cells over time."""
    groups: dict[tuple, list[tuple]] = {}
    for key in keys:
        kind, code, measure, period_kind, period, breakdown, category = key
        if period_kind == "year":
            continue
        if period_kind == "week":
            parent = week_periods(period)["month"]
        elif period_kind == "month":
            year, month = period.split("-")
            parent = f"{year}-Q{(int(month) - 1) // 3 + 1}"
        else:
            parent = period.split("-")[0]
        groups.setdefault((kind, code, measure, PARENT_KIND[period_kind], parent, breakdown,
                           category), []).append(key)
    return groups


def constraints(keys: list[tuple]):
    """(equalities, inequalities) as lists of {column: coefficient}."""
    index = {k: i for i, k in enumerate(keys)}
    eq, ub = [], []
    # geography
    by_rest: dict[tuple, list[tuple]] = {}
    for key in keys:
        by_rest.setdefault(key[2:], []).append(key)
    for key in keys:
        kind, code = key[:2]
        same = by_rest[key[2:]]
        if kind == "rpb":
            parts = [index[k] for k in same if k[0] == "la" and la_to_rpb()[k[1]] == code]
        elif kind == "wales":
            parts = [index[k] for k in same if k[0] == "rpb"]
        else:
            continue
        row = {p: 1.0 for p in parts}
        row[index[key]] = -1.0
        eq.append(row)
    # breakdowns
    by_head: dict[tuple, list[tuple]] = {}
    for key in keys:
        by_head.setdefault(key[:5], []).append(key)
    for key in keys:
        if key[5] != "":
            continue
        for breakdown in MEASURE_BREAKDOWNS[key[2]]:
            if not breakdown:
                continue
            parts = [index[k] for k in by_head[key[:5]] if k[5] == breakdown]
            if breakdown in NON_ADDITIVE_BREAKDOWNS:
                ub += [{p: 1.0, index[key]: -1.0} for p in parts]
            elif parts:
                row = {p: 1.0 for p in parts}
                row[index[key]] = -1.0
                eq.append(row)
    # periods
    for total, children in _children(keys).items():
        if total not in index:
            continue
        children = sorted(children, key=lambda k: k[4])
        if total[2] in PEAK_MEASURES:  # each child ≤ total ≤ their sum
            ub += [{index[c]: 1.0, index[total]: -1.0} for c in children]
            row = {index[c]: -1.0 for c in children}
            row[index[total]] = 1.0
            ub.append(row)
            continue
        if total[2] in STOCK_MEASURES:
            children = children[-1:]
        row = {index[c]: 1.0 for c in children}
        row[index[total]] = -1.0
        eq.append(row)
    return eq, ub


def narrowest_ranges(cells, empty_geographies: set[str], measures=None, known=None):
    """{key: (low, high)} for every suppressed cell outside ``empty_geographies``.

    ``known`` is {key: (low, high)} the attacker already knows of some true values (from
    an earlier release of the same figures): each cell's bounds are narrowed to it.

    ``cells`` is [(key, value or None)] of one release; or [(key, value, reason)], and
    then the attacker also uses what each published reason implies of a person count
    (low_count: 1-7; any other but the bare "suppressed": 0 or at least 8) and the
    answer is {key: (low, high, allowed)}. ``measures``: only cells of these measures are
    attacked (every cell still constrains the others).
    """
    with_reasons = bool(cells) and len(cells[0]) == 3
    keys = [c[0] for c in cells]
    bounds = []
    for key, value, *reason in cells:
        if key[1] in empty_geographies:
            bounds.append((0, 0))
        elif value is None:
            low_count = with_reasons and key[2] in PERSON_MEASURES and reason[0] == "low_count"
            bounds.append((1, 7) if low_count else (0, None))
        else:
            bounds.append(shown_interval(key[2], value))
        if known and key in known:
            low, high = bounds[-1]
            k_low, k_high = known[key]
            bounds[-1] = (max(low, k_low), k_high if high is None else min(high, k_high))
    if not with_reasons:
        return _ranges(cells, keys, bounds, empty_geographies, measures=measures)
    # A person count that cannot be 0 is at least 8: tighten and solve again until stable.
    exact_low = {i for i, (key, value, reason) in enumerate(cells)
                 if value is None and key[2] in PERSON_MEASURES
                 and reason not in ("low_count", "suppressed")}
    while True:
        ranges = _ranges(cells, keys, bounds, empty_geographies, exact_low, measures)
        changed = False
        for i, (key, _value, _reason) in enumerate(cells):
            if (i in exact_low and key in ranges
                    and ranges[key][0] > 1e-6 and bounds[i][0] < 8):
                bounds[i] = (8, bounds[i][1])
                changed = True
        if not changed:
            break
    out = {}
    for key, _value, reason in cells:
        if key in ranges:
            low, high = ranges[key]
            low_count = key[2] in PERSON_MEASURES and reason == "low_count"
            out[key] = (low, high, LOW_ALLOWED if low_count else ALLOWED)
    return out


class _Solver:
    """One HiGHS model of a release, re-solved with only the objective changed (a warm
    start from the last basis); ``linprog`` would rebuild the model for every cell."""

    def __init__(self, n, eq, ub, bounds):
        self.n = n
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        lower = np.array([lo for lo, _ in bounds], dtype=float)
        upper = np.array([highspy.kHighsInf if hi is None else hi for _, hi in bounds],
                         dtype=float)
        self.highs.addVars(n, lower, upper)
        for rows, row_upper in ((eq, 0.0), (ub, 0.0)):
            row_lower = 0.0 if rows is eq else -highspy.kHighsInf
            for row in rows:
                cols = np.array(list(row), dtype=np.int32)
                self.highs.addRow(row_lower, row_upper, len(cols), cols,
                                  np.array(list(row.values()), dtype=float))
        self.cost = np.zeros(n)

    def minimise(self, column: int, sense: float):
        """The cells' values at the optimum of ``sense * cell``, or None if unbounded."""
        self.cost[:] = 0.0
        self.cost[column] = sense
        self.highs.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), self.cost)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kUnbounded:
            return None
        assert status == highspy.HighsModelStatus.kOptimal, \
            self.highs.modelStatusToString(status)
        return np.asarray(self.highs.getSolution().col_value)


def _ranges(cells, keys, bounds, empty_geographies, exact_low=frozenset(), measures=None):
    n = len(keys)
    eq, ub = constraints(keys)
    solver = _Solver(n, eq, ub, bounds)
    targets = [i for i, (k, v, *_) in enumerate(cells)
               if v is None and k[1] not in empty_geographies
               and (measures is None or k[2] in measures)]
    low = {i: np.inf for i in targets}
    high = {i: -np.inf for i in targets}
    exact = set()

    for i in targets:
        # Wide enough (and, where the low end matters, at its floor): no LP needed.
        if high[i] - low[i] >= 8 and (i not in exact_low or low[i] <= bounds[i][0] + 1e-9):
            continue
        for sense in (1.0, -1.0):
            x = solver.minimise(i, sense)
            if x is None:
                high[i] = np.inf
                continue
            for j in targets:
                low[j] = min(low[j], x[j])
                high[j] = max(high[j], x[j])
        exact.add(i)
    return {keys[i]: (low[i], high[i]) for i in targets}
