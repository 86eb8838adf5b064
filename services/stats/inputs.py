"""Reading a release's inputs: every stored rollup row, straight into integer arrays.

A full federation holds millions of rollup rows (1,000 co-ops × 52 weeks is about 2.5
million). Read one ORM object or one Python tuple at a time and map them one by one,
they cost most of a publish; here the driver's cursor returns plain rows, the columns
are split in one pass, and each string column is mapped to its index with ``map`` over a
dict (C loops, no Python frame per row). :func:`~services.stats.aggregate.aggregate_arrays`
then works on the arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from core.db import db
from services.stats.aggregate import (
    ALL_SERIES,
    Aggregate,
    CoopInfo,
    aggregate_arrays,
    series_indexes,
)

_KEY_INDEX = {"|".join(s): i for i, s in enumerate(ALL_SERIES)}


@dataclass
class RollupArrays:
    """Rollup rows as arrays: co-op id, index into ``weeks``, index into ``ALL_SERIES``
    (-1: not a fixed cell), value."""

    weeks: tuple[str, ...]
    coop: np.ndarray
    week: np.ndarray
    series: np.ndarray
    value: np.ndarray

    def add_rows(self, rows: Iterable[tuple[int, str, str, str, str, int]]) -> None:
        """Add rows ``(coop_id, week, measure, breakdown, category, value)`` in weeks the
        arrays already hold (rows of other weeks are left out)."""
        index = {w: i for i, w in enumerate(self.weeks)}
        rows = [r for r in rows if r[1] in index]
        if not rows:
            return
        coop, week, measure, breakdown, category, value = zip(*rows, strict=True)
        self.coop = np.concatenate([self.coop, np.asarray(coop, dtype=np.int64)])
        self.week = np.concatenate([self.week, np.asarray([index[w] for w in week],
                                                          dtype=np.int64)])
        self.series = np.concatenate([self.series,
                                      series_indexes(measure, breakdown, category)])
        self.value = np.concatenate([self.value, np.asarray(value, dtype=np.int64)])

    def aggregate(self, coops: Mapping[int, CoopInfo]) -> Aggregate:
        """The release's cells from these rows (see :func:`aggregate_arrays`)."""
        return aggregate_arrays(coops, self.weeks, self.coop, self.week, self.series,
                                self.value)


def read_rollups(coop_ids: Iterable[int]) -> RollupArrays:
    """Every rollup row of the co-ops ``coop_ids``, in the session's transaction."""
    wanted = sorted(set(coop_ids))
    connection = db.session.connection()
    table = ("stats_rollups" if connection.dialect.name == "sqlite"
             else "federation.stats_rollups")
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"SELECT coop_id, week, measure || '|' || breakdown || '|' || category, "
                       f"value FROM {table}")
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return RollupArrays((), empty, empty.copy(), empty.copy(), empty.copy())
    coop, week, key, value = zip(*rows, strict=True)
    del rows
    n = len(coop)
    coop_arr = np.fromiter(coop, dtype=np.int64, count=n)
    keep = np.isin(coop_arr, np.asarray(wanted, dtype=np.int64))
    weeks = tuple(sorted(set(week)))
    week_index = {w: i for i, w in enumerate(weeks)}
    arrays = RollupArrays(
        weeks, coop_arr,
        np.fromiter(map(week_index.__getitem__, week), dtype=np.int64, count=n),
        np.fromiter(map(_KEY_INDEX.get, key, repeat(-1)), dtype=np.int64, count=n),
        np.fromiter(value, dtype=np.int64, count=n))
    if not keep.all():
        # Only the weeks of the co-ops wanted.
        present, week_arr = np.unique(arrays.week[keep], return_inverse=True)
        arrays.weeks = tuple(weeks[i] for i in present.tolist())
        arrays.coop, arrays.week, arrays.series, arrays.value = (
            arrays.coop[keep], week_arr.astype(np.int64), arrays.series[keep],
            arrays.value[keep])
    return arrays


CELL_COLUMNS = ("release_id", "geography_kind", "geography_code", "measure", "period_kind",
                "period", "breakdown", "category", "value", "status", "reason")


def write_cells(release_id: int, cells: Iterable) -> int:
    """Insert a release's cells ``[(key, outcome)]`` in the session's transaction, through
    the driver: COPY on PostgreSQL, one prepared statement on SQLite. Returns how many."""
    rows = [(release_id, *key, outcome.value, outcome.status, outcome.reason)
            for key, outcome in cells]
    if not rows:
        return 0
    connection = db.session.connection()
    cursor = connection.connection.cursor()
    columns = ", ".join(CELL_COLUMNS)
    try:
        if connection.dialect.name == "sqlite":
            cursor.executemany(f"INSERT INTO stats_cells ({columns}) VALUES "
                               f"({', '.join('?' * len(CELL_COLUMNS))})", rows)
        else:
            with cursor.copy(f"COPY federation.stats_cells ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    finally:
        cursor.close()
    return len(rows)
