"""Turning raw co-op rollups into cell inputs: totals and who contributed, per fixed cell.

Pure functions over plain data (no database), vectorised with numpy so a federation of
1,000 co-ops × 52 weeks aggregates in seconds. The disclosure rules need, for every
cell, the total, the number of co-ops that contributed a non-zero value, the two
largest contributions, how many co-ops reported at all, and the set of contributors
(for the held-back rule).

The organisation rule protects only co-ops that have not consented to be named (DESIGN
§3.4 rule 3, issue 13), so each cell also carries the same facts for its *open*
contributors: the co-ops that are not named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

from services.stats.cells import (
    COOP_TYPES,
    MEASURE_BREAKDOWNS,
    PEAK_MEASURES,
    QUARTERLY_MEASURES,
    STOCK_MEASURES,
    WALES_CODE,
    categories,
    geography_codes,
    la_to_rpb,
    measure_periods,
    week_periods,
)

CellKey = tuple[str, str, str, str, str, str, str]
"""(geography_kind, geography_code, measure, period_kind, period, breakdown, category)"""

Series = tuple[str, str, str]
"""(measure, breakdown, category)"""


@dataclass(frozen=True)
class CoopInfo:
    """What the publish job knows of a consenting co-op: where it is, what kind it is, and
    whether it has consented to be named in the public directory."""

    la_code: str
    coop_type: str
    named: bool = False
    # Co-ops opened by the same account count as one contributor (issue 18): the id of
    # the group's first co-op; None means the co-op stands alone.
    controller: int | None = None


@dataclass
class CellInput:
    """The raw facts of one cell, before any disclosure rule."""

    total: int = 0
    contributors: tuple[int, ...] = ()  # co-ops with a non-zero value, sorted
    # (co-op, value) of each contributor, sorted: what rule 6 and the cell key look at.
    contributions: tuple[tuple[int, int], ...] = ()
    top1: int = 0
    top2: int = 0
    reporting: int = 0  # co-ops that reported the measure for this geography and period
    # The same facts for the co-ops that are not named (rule 3 protects only these).
    open_total: int = 0
    open_count: int = 0  # open co-ops with a non-zero value
    open_top1: int = 0
    open_top2: int = 0
    open_reporting: int = 0


@dataclass
class Aggregate:
    """Every fixed cell of a release with its inputs, and the periods it covers."""

    cells: dict[CellKey, CellInput] = field(default_factory=dict)
    weeks: tuple[str, ...] = ()
    # period_kind → period → the weeks of the data inside it, sorted
    period_weeks: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)


def series_of(measure: str) -> list[Series]:
    """Every (measure, breakdown, category) published for ``measure``."""
    return [(measure, breakdown, category)
            for breakdown in MEASURE_BREAKDOWNS[measure] for category in categories(breakdown)]


ALL_SERIES: tuple[Series, ...] = tuple(s for m in MEASURE_BREAKDOWNS for s in series_of(m))
_SERIES_INDEX = {s: i for i, s in enumerate(ALL_SERIES)}


def aggregate(coops: Mapping[int, CoopInfo],
              rows: Iterable[tuple[int, str, str, str, str, int]], *,
              grid: str = "full") -> Aggregate:
    """Aggregate rollup rows ``(coop_id, week, measure, breakdown, category, value)``.

    Rows of co-ops not in ``coops`` (no consent) and rows outside the fixed cells are
    ignored. The co-op-type breakdown is derived here from each co-op's total, since
    the co-op's type is the federation's fact, not the co-op's.

    A release has the ``"full"`` grid of cells. ``"present"`` adds only the empty cells of
    geographies that have co-ops (a cell of a geography with none is known to be 0 and
    holds nothing to protect) and ``"none"`` adds no empty cells: both keep property
    tests over many small federations fast.
    """
    rows = list(rows)
    if not rows:
        return aggregate_arrays(coops, (), *(np.zeros(0, dtype=np.int64),) * 4, grid=grid)
    coop_ids, week_codes, measures, breakdowns, cats, values = zip(*rows, strict=True)
    weeks = tuple(sorted(set(week_codes)))
    week_index = {w: i for i, w in enumerate(weeks)}
    n = len(rows)
    return aggregate_arrays(
        coops, weeks, np.fromiter(coop_ids, dtype=np.int64, count=n),
        np.fromiter(map(week_index.__getitem__, week_codes), dtype=np.int64, count=n),
        series_indexes(measures, breakdowns, cats),
        np.fromiter(values, dtype=np.int64, count=n), grid=grid)


def series_indexes(measures, breakdowns, cats) -> np.ndarray:
    """Each row's index into :data:`ALL_SERIES`, or -1 for a row outside the fixed cells."""
    return np.fromiter(map(_SERIES_INDEX.get, zip(measures, breakdowns, cats, strict=True),
                           repeat(-1)), dtype=np.int64, count=len(measures))


# For each series: is it of the co-op-type breakdown, and, for a total that has one, the
# co-op-type series of each co-op type (-1 elsewhere).
_IS_COOP_TYPE = np.array([s[1] == "coop_type" for s in ALL_SERIES], dtype=bool)
_TYPE_SERIES = np.array([
    [_SERIES_INDEX.get((m, "coop_type", t), -1) if b == "" else -1 for t in COOP_TYPES]
    for m, b, _ in ALL_SERIES], dtype=np.int64)


def aggregate_arrays(coops: Mapping[int, CoopInfo], weeks: tuple[str, ...], coop_arr,
                     week_arr, series_arr, value_arr, *, grid: str = "full") -> Aggregate:
    """:func:`aggregate` on rollup rows held as four integer arrays: the co-op, the index
    of its week in ``weeks``, the index of its series in :data:`ALL_SERIES` (-1: not a
    fixed cell) and the value. The publish job reads rollups straight into these, so a
    federation's millions of rows never become Python objects one by one."""
    coop_list = sorted(coops)
    size = max(max(coop_list, default=0), int(coop_arr.max(initial=0))) + 1
    known = np.zeros(size, dtype=bool)
    known[coop_list] = True
    keep = known[coop_arr] & (series_arr >= 0)
    keep[keep] = ~_IS_COOP_TYPE[series_arr[keep]]  # the federation derives it
    coop_arr, week_arr, series_arr, value_arr = (
        coop_arr[keep], week_arr[keep], series_arr[keep], value_arr[keep])
    # The co-op-type breakdown: each total again, under its co-op's type.
    type_of = np.zeros(size, dtype=np.int64)
    for c in coop_list:
        type_of[c] = COOP_TYPES.index(coops[c].coop_type)
    typed = _TYPE_SERIES[series_arr, type_of[coop_arr]]
    has_type = typed >= 0
    coop_arr = np.concatenate([coop_arr, coop_arr[has_type]])
    week_arr = np.concatenate([week_arr, week_arr[has_type]])
    series_arr = np.concatenate([series_arr, typed[has_type]])
    value_arr = np.concatenate([value_arr, value_arr[has_type]])
    # Only the weeks some kept row is in.
    present, week_arr = np.unique(week_arr, return_inverse=True)
    weeks = tuple(weeks[i] for i in present.tolist())
    result = Aggregate(weeks=weeks)
    result.period_weeks = _period_weeks(weeks)
    if not weeks:
        return result
    week_index = {w: i for i, w in enumerate(weeks)}
    las = {code: i for i, code in enumerate(geography_codes("la"))}
    rpbs = {code: i for i, code in enumerate(geography_codes("rpb"))}
    geo_of_coop = {kind: np.zeros(size, dtype=np.int64) for kind in ("la", "rpb", "wales")}
    for c in coop_list:
        geo_of_coop["la"][c] = las[coops[c].la_code]
        geo_of_coop["rpb"][c] = rpbs[la_to_rpb()[coops[c].la_code]]
    controller = np.arange(max(coop_list) + 1, dtype=np.int64)
    for c in coop_list:
        if coops[c].controller is not None:
            controller[c] = coops[c].controller
    merged = bool((controller[coop_list] != np.asarray(coop_list)).any())
    # A group of co-ops is named only if every one of them is.
    named = np.ones(max(coop_list) + 1, dtype=bool)
    named[[int(controller[c]) for c in coop_list if not coops[c].named]] = False
    geo_codes = {"la": geography_codes("la"), "rpb": geography_codes("rpb"),
                 "wales": (WALES_CODE,)}
    is_stock = np.array([s[0] in STOCK_MEASURES for s in ALL_SERIES])
    is_peak = np.array([s[0] in PEAK_MEASURES for s in ALL_SERIES])
    is_lending = np.array([s[0] in QUARTERLY_MEASURES for s in ALL_SERIES])
    is_total = np.array([s[1] == "" for s in ALL_SERIES])
    for period_kind, periods in result.period_weeks.items():
        period_names = sorted(periods)
        period_of_week = np.empty(len(weeks), dtype=np.int64)
        end_week = np.zeros(len(weeks), dtype=bool)
        for p, name in enumerate(period_names):
            members = [week_index[w] for w in periods[name]]
            period_of_week[members] = p
            end_week[members[-1]] = True
        keep = np.ones(len(week_arr), dtype=bool)
        if period_kind in ("week", "month"):
            keep &= ~is_lending[series_arr]
        # Person counts are a caseload: a longer period takes its last week's value.
        keep &= ~is_stock[series_arr] | end_week[week_arr]
        c, p, s, v = (coop_arr[keep], period_of_week[week_arr[keep]], series_arr[keep],
                      value_arr[keep])
        # One value per co-op, period and series (flow measures add up their weeks).
        key = (c * len(period_names) + p) * len(ALL_SERIES) + s
        uniq, inverse = np.unique(key, return_inverse=True)
        summed = np.bincount(inverse, weights=v).astype(np.int64)
        c = uniq // (len(period_names) * len(ALL_SERIES))
        p = (uniq // len(ALL_SERIES)) % len(period_names)
        s = uniq % len(ALL_SERIES)
        if is_peak[s].any():  # staff lent: the co-op's peak week of the period
            peak = np.zeros(len(uniq), dtype=np.int64)
            np.maximum.at(peak, inverse, v)
            summed = np.where(is_peak[s], peak, summed)
        for geo_kind, mapping in geo_of_coop.items():
            g = mapping[c]
            parts = (c, g, p, s, summed)
            if merged:  # one value per controller: co-ops of one account are one
                parts = _by_controller(controller[c], g, p, s, summed)
            _cells_of(result.cells, geo_kind, geo_codes[geo_kind], period_kind, period_names,
                      *parts, is_total, named)
    if grid != "none":
        _fill_grid(result, None if grid == "full" else {
            code for c in coop_list
            for code in (coops[c].la_code, la_to_rpb()[coops[c].la_code], WALES_CODE)})
    return result


def _by_controller(ctrl, geo, period, series, value):
    """Sum the values of co-ops with the same controller in the same cell."""
    stacked = np.stack([ctrl, geo, period, series])
    uniq, inverse = np.unique(stacked, axis=1, return_inverse=True)
    summed = np.bincount(inverse.ravel(), weights=value).astype(np.int64)
    return uniq[0], uniq[1], uniq[2], uniq[3], summed


def _cells_of(out, geo_kind, codes, period_kind, period_names, coop, geo, period, series,
              value, is_total, named) -> None:
    if not len(value):  # e.g. weeks and months of a release with only quarterly figures
        return
    n_series = len(ALL_SERIES)
    group = (geo * len(period_names) + period) * n_series + series
    order = np.lexsort((coop, -value, group))
    group, coop, value = group[order], coop[order], value[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(group)]
    totals = np.add.reduceat(value, starts)
    nonzero = np.add.reduceat((value > 0).astype(np.int64), starts)
    top1 = value[starts]
    second = np.where(ends - starts > 1, starts + 1, starts)
    top2 = np.where(ends - starts > 1, value[second], 0)
    counts = ends - starts
    # The open (not named) co-ops of each group, still largest first: rank them in-group.
    is_open = ~named[coop]
    running = np.cumsum(is_open)
    rank = running - np.repeat(running[starts] - is_open[starts], ends - starts)
    open_value = np.where(is_open, value, 0)
    open_totals = np.add.reduceat(open_value, starts)
    open_nonzero = np.add.reduceat((open_value > 0).astype(np.int64), starts)
    open_top1 = np.add.reduceat(np.where(is_open & (rank == 1), value, 0), starts)
    open_top2 = np.add.reduceat(np.where(is_open & (rank == 2), value, 0), starts)
    open_counts = np.add.reduceat(is_open.astype(np.int64), starts)
    group_list = group[starts].tolist()
    # The contributors of each group by co-op id: the non-zero entries, re-sorted once for
    # the whole array (each group's block starts where the earlier groups' ends).
    contributing = np.flatnonzero(value > 0)
    contributing = contributing[np.lexsort((coop[contributing], group[contributing]))]
    by_coop = coop[contributing].tolist()
    by_value = value[contributing].tolist()
    block_end = np.cumsum(nonzero).tolist()
    counts_l, open_counts_l = counts.tolist(), open_counts.tolist()
    reporting: dict[tuple[int, str], tuple[int, int]] = {}
    for i, gid in enumerate(group_list):
        if is_total[gid % n_series]:
            reporting[(gid // n_series, ALL_SERIES[gid % n_series][0])] = (
                counts_l[i], open_counts_l[i])
    facts = zip(group_list, block_end, totals.tolist(), top1.tolist(), top2.tolist(),
                open_totals.tolist(), open_nonzero.tolist(), open_top1.tolist(),
                open_top2.tolist(), strict=True)
    start = 0
    for gid, end, total, t1, t2, o_total, o_count, o_t1, o_t2 in facts:
        gp, s = divmod(gid, n_series)
        measure, breakdown, category = ALL_SERIES[s]
        contributors = tuple(by_coop[start:end])
        contributions = tuple(zip(contributors, by_value[start:end], strict=True))
        start = end
        geo_i, period_i = divmod(gp, len(period_names))
        key = (geo_kind, codes[geo_i], measure, period_kind, period_names[period_i], breakdown,
               category)
        all_reporting, open_reporting = reporting.get((gp, measure), (0, 0))
        out[key] = CellInput(total, contributors, contributions, t1, t2, all_reporting,
                             o_total, o_count, o_t1, o_t2, open_reporting)


def _period_weeks(weeks: tuple[str, ...]) -> dict[str, dict[str, tuple[str, ...]]]:
    out: dict[str, dict[str, list[str]]] = {k: {} for k in ("week", "month", "quarter", "year")}
    for week in weeks:
        for kind, period in week_periods(week).items():
            out[kind].setdefault(period, []).append(week)
    return {k: {p: tuple(sorted(ws)) for p, ws in v.items()} for k, v in out.items()}


def _fill_grid(result: Aggregate, only: set[str] | None) -> None:
    """Add every fixed cell the data has no row for, as an empty cell (total 0, no co-ops).

    The grid is complete, so a missing cell never hints at anything, and empty cells
    still report how many co-ops reported the measure there (needed to show a true 0).
    """
    reporting: dict[tuple, tuple[int, int]] = {}
    for key, cell in result.cells.items():
        if key[5] == "":
            reporting[key[:5]] = (cell.reporting, cell.open_reporting)
    for measure in MEASURE_BREAKDOWNS:
        for period_kind in measure_periods(measure):
            for period in result.period_weeks[period_kind]:
                for geo_kind in ("wales", "rpb", "la"):
                    for code in geography_codes(geo_kind):
                        if only is not None and code not in only:
                            continue
                        head = (geo_kind, code, measure, period_kind, period)
                        for _, breakdown, category in series_of(measure):
                            key = (*head, breakdown, category)
                            if key not in result.cells:
                                everyone, open_ = reporting.get(head, (0, 0))
                                result.cells[key] = CellInput(reporting=everyone,
                                                              open_reporting=open_)
