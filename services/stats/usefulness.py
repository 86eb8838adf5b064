"""How useful a release is: the share of its cells that are published (issue 13).

Counted by geography kind and measure over every cell of the release; readers see it
on the federation admin's releases page and in the API, and the benchmark records it.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.stats.aggregate import CellKey
from services.stats.disclosure import Outcome


def usefulness(cells: Iterable[tuple[CellKey, Outcome]], *, period_kind: str | None = None,
               geography_code: str | None = None) -> dict[tuple[str, str], tuple[int, int]]:
    """{(geography_kind, measure): (cells, shown)}, optionally for one kind of period or
    one geography only."""
    out: dict[tuple[str, str], list[int]] = {}
    for key, outcome in cells:
        if period_kind is not None and key[3] != period_kind:
            continue
        if geography_code is not None and key[1] != geography_code:
            continue
        counts = out.setdefault((key[0], key[2]), [0, 0])
        counts[0] += 1
        counts[1] += outcome.reason is None
    return {k: (v[0], v[1]) for k, v in out.items()}


def share(counts: Iterable[tuple[int, int]]) -> float:
    """The published share of the cells counted, 0-1 (0 when there are none)."""
    cells = shown = 0
    for n, k in counts:
        cells += n
        shown += k
    return shown / cells if cells else 0.0
