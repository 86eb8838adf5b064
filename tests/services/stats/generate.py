"""Generated federations for the disclosure tests: plain rollup rows, seeded numpy."""

from __future__ import annotations

import numpy as np

from services.stats.aggregate import CoopInfo
from services.stats.cells import BREAKDOWNS, COOP_TYPES, MEASURE_BREAKDOWNS, geography_codes

LAS = geography_codes("la")


def federation(seed: int, *, coops: int = 8, weeks: tuple[str, ...] = ("2026-W01", "2026-W02"),
               las: tuple[str, ...] = ("W06000018", "W06000019"), scale: int = 6):
    """``coops`` co-ops spread over ``las`` with small, skewed figures for ``weeks``.

    Returns (coop infos by id, rollup rows). Small numbers on purpose: most cells sit
    near the thresholds, where disclosure control has work to do.
    """
    rng = np.random.default_rng(seed)
    infos = {}
    rows = []
    for coop_id in range(1, coops + 1):
        infos[coop_id] = CoopInfo(las[int(rng.integers(len(las)))],
                                  COOP_TYPES[int(rng.integers(2))])
        size = int(rng.integers(0, scale * 2 + 1))
        for week in weeks:
            for measure, breakdowns in MEASURE_BREAKDOWNS.items():
                total = max(0, size + int(rng.integers(-2, 3)))
                if measure in ("care_hours", "hours_lent_in", "hours_lent_out"):
                    total *= int(rng.integers(1, 6))
                if measure.endswith("lent_in") or measure.endswith("lent_out"):
                    total = total if rng.random() < 0.3 else 0
                rows.append((coop_id, week, measure, "", "", total))
                for breakdown in breakdowns:
                    if breakdown in ("", "coop_type"):
                        continue
                    cats = BREAKDOWNS[breakdown]
                    weights = rng.dirichlet(np.ones(len(cats)) * 0.7)
                    if breakdown == "need_type":
                        counts = [int(rng.binomial(total, min(1.0, w * 2))) for w in weights]
                    else:
                        counts = list(rng.multinomial(total, weights))
                    for cat, n in zip(cats, counts, strict=True):
                        if n:
                            rows.append((coop_id, week, measure, breakdown, cat, int(n)))
    return infos, rows
