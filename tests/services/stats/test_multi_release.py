"""Five consecutive releases of a generated federation, read by an attacker written apart
from the engine (issue 18's must-show).

Between releases a week is added, co-ops opt out and join (with their history), and an
insider adds clients to past weeks of its own co-op. The attacker keeps every release
(readers can) and knows the scenario: who left, who joined, and the insider's own shifts.
It reads only what is published: values, and "suppressed". It checks, for person counts:

1. in every release, no suppressed cell can be pinned by linear programming to a range
   narrower than 8;
2. a cell whose figures did not change is never known more narrowly from all releases
   together than 8 (suppressed) or than one shown interval;
3. a cell shown twice shows it after 0 or at least 5 co-ops' figures changed, so the
   difference never isolates fewer than 5 co-ops;
4. the insider, subtracting its known shifts, never narrows the others' figure in a cell
   beyond what one release shows.

It also checks the releases still publish: the share of person cells shown in each.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from services.stats.aggregate import aggregate
from services.stats.cells import PERSON_MEASURES, WALES_CODE, la_to_rpb
from services.stats.disclosure import protect
from tests.fixtures.stores import ON_POSTGRES
from tests.services.stats.attacker import narrowest_ranges, shown_interval
from tests.services.stats.generate import federation
from tests.services.stats.test_releases import _insider_rows

# Pure functions, no store: the same in both passes, so it runs once, in the embedded one
# (about 25 s; the attacker re-solves one HiGHS model with warm starts).
pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="no store involved: shown in the "
                                "embedded pass")

LAS = ("W06000018", "W06000019")
WEEKS = tuple(f"2026-W{n:02d}" for n in range(1, 7))
INSIDER = 1
SECRET = b"test secret, not the deployment's"
# release → (weeks published, co-ops out, the insider's extra clients per past week)
SCENARIO = (
    (2, {13, 14}, 0),
    (3, {2, 13, 14}, 0),      # co-op 2 opts out
    (4, {2, 14}, 0),          # co-op 13 joins, with its history
    (5, {2, 14}, 1),          # the insider adds a client to every past week
    (6, {2, 3}, 2),           # co-op 14 joins, co-op 3 opts out, the insider adds another
)


def _contributions(coops, rows):
    """Each person week cell's figure per co-op, from the raw rows (apart from the engine)."""
    out = defaultdict(dict)
    for coop_id, week, measure, breakdown, category, value in rows:
        if measure not in PERSON_MEASURES or not value:
            continue
        la = coops[coop_id].la_code
        series = [(breakdown, category)]
        if breakdown == "":
            series.append(("coop_type", coops[coop_id].coop_type))
        for geo in (("la", la), ("rpb", la_to_rpb()[la]), ("wales", WALES_CODE)):
            for b, c in series:
                key = (*geo, measure, "week", week, b, c)
                out[key][coop_id] = out[key].get(coop_id, 0) + value
    return out


def _changed(a: dict, b: dict) -> int:
    return sum(1 for c in a.keys() | b.keys() if a.get(c) != b.get(c))


def test_five_releases_with_opt_outs_joins_and_an_insider_disclose_nothing():
    everyone, rows = federation(11, coops=14, weeks=WEEKS, las=LAS, scale=7)
    refs, history = {}, []
    for n_weeks, out, extra in SCENARIO:
        coops = {c: i for c, i in everyone.items() if c not in out}
        weeks = set(WEEKS[:n_weeks])
        these = _insider_rows([r for r in rows if r[1] in weeks and r[0] in coops], extra,
                              INSIDER)
        release = protect(aggregate(coops, these, grid="present"), refs, secret=SECRET)
        refs = release.refs
        published = [(k, o.value) for k, o in release.published()]
        occupied = {i.la_code for i in coops.values()}
        occupied |= {la_to_rpb()[la] for la in occupied} | {WALES_CODE}
        empty = {k[1] for k, _ in published} - occupied
        ranges = narrowest_ranges(published, empty, measures=PERSON_MEASURES)
        history.append((dict(published), ranges, _contributions(coops, these)))

    # 1. each release on its own
    for version, (_cells, ranges, _truth) in enumerate(history, 1):
        for key, (low, high) in ranges.items():
            assert high - low >= 8 - 1e-6, (version, key, low, high)

    # 2-4. across releases
    known: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    insider: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    last_shown: dict[tuple, dict] = {}
    shares = []
    for version, (cells, ranges, truth) in enumerate(history, 1):
        person = [k for k in cells if k[2] in PERSON_MEASURES]
        shares.append(sum(cells[k] is not None for k in person) / len(person))
        for key, value in cells.items():
            if key[2] not in PERSON_MEASURES or key[3] != "week":
                continue
            figures = truth.get(key, {})
            if value is None:
                if key in ranges:
                    known[(key, tuple(sorted(figures.items())))].append(ranges[key])
                continue
            low, high = shown_interval(key[2], value)
            known[(key, tuple(sorted(figures.items())))].append((low, high))
            if key in last_shown:
                changed = _changed(last_shown[key], figures)
                assert changed == 0 or changed >= 5, (version, key, changed)
            last_shown[key] = figures
            if INSIDER in figures and key[2] == "clients":
                # The insider knows its own figure in the cell exactly (its extra clients
                # went to some categories only), and subtracts it.
                own = figures[INSIDER]
                others = {c: v for c, v in figures.items() if c != INSIDER}
                insider[(key, tuple(sorted(others.items())))].append((low - own, high - own))
    for (key, _figures), seen in known.items():
        low, high = max(r[0] for r in seen), min(r[1] for r in seen)
        assert high - low >= min(8, *(r[1] - r[0] for r in seen)) - 1e-6, (key, seen)
    for (key, _others), seen in insider.items():
        low, high = max(r[0] for r in seen), min(r[1] for r in seen)
        assert high - low >= min(r[1] - r[0] for r in seen) - 1e-6, (key, seen)
    # Protection is not bought by publishing nothing.
    print("person cells shown per release:", [f"{s:.0%}" for s in shares])
    assert all(share > 0.1 for share in shares), shares
