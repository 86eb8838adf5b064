"""Disclosure control (DESIGN §3.4) as properties of the pure engine over generated federations.

- rules 2-4 over 10,000 federations: every shown person count is 0 or a multiple of 5
  that is at least 10, and no shown cell has fewer than 5 co-ops or a dominant one;
- the whole engine shows only what rules 2-4 allow, unchanged, and links hours to people;
- an independent LP attacker cannot pin any suppressed cell to a range narrower than 8;
- leaving any one co-op out of the next release never reveals its figure to within ±5;
- the same inputs give byte-identical output, whatever the order of the rows.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from services.stats.aggregate import CoopInfo, aggregate
from services.stats.cells import (
    COOP_TYPES,
    LENDING_MEASURES,
    LINKED_PERSON_MEASURE,
    PERSON_MEASURES,
    WALES_CODE,
    geography_codes,
    la_to_rpb,
)
from services.stats.disclosure import primary, protect
from tests.services.stats.attacker import narrowest_ranges
from tests.services.stats.generate import federation

LAS = geography_codes("la")


def _many_federations(count: int, seed: int = 20261126):
    """``count`` independent federations, one per ISO week, each with co-ops of its own.

    Each has 1-14 co-ops in one to three LAs, with skewed sizes (often one big co-op
    among small ones), so many cells sit at the thresholds of rules 2 and 3.
    """
    rng = np.random.default_rng(seed)
    coops, rows, next_id = {}, [], 1
    for n in range(count):
        year, week = 1900 + n // 52, n % 52 + 1
        week_code = f"{year}-W{week:02d}"
        las = rng.choice(LAS, size=int(rng.integers(1, 4)), replace=False)
        for _ in range(int(rng.integers(1, 15))):
            coop_id, next_id = next_id, next_id + 1
            coops[coop_id] = CoopInfo(str(rng.choice(las)), COOP_TYPES[int(rng.integers(3))])
            size = int(rng.choice([0, 1, 2, 3, 5, 8, 20, 60]))
            clients = max(0, size + int(rng.integers(-1, 2)))
            rows.append((coop_id, week_code, "clients", "", "", clients))
            minutes = clients * int(rng.integers(1, 9)) * 60
            rows.append((coop_id, week_code, "care_hours", "", "", minutes))
            rows.append((coop_id, week_code, "workers", "", "", int(rng.integers(0, 9))))
            for band, k in zip(("65-74", "85+"), rng.multinomial(clients, [0.3, 0.7]),
                               strict=True):
                if k:
                    rows.append((coop_id, week_code, "clients", "age_band", band, int(k)))
    return coops, rows


def _by_coop(coops, rows):
    """Each week cell's value per co-op, computed here from the raw rows, apart from the
    engine: {(geo_kind, code, measure, 'week', week, breakdown, category): {coop: value}}."""
    out = defaultdict(lambda: defaultdict(int))
    for coop_id, week, measure, breakdown, category, value in rows:
        info = coops[coop_id]
        series = [(breakdown, category)]
        if breakdown == "":
            series.append(("coop_type", info.coop_type))
        for geo in (("la", info.la_code), ("rpb", la_to_rpb()[info.la_code]),
                    ("wales", WALES_CODE)):
            for b, c in series:
                out[(*geo, measure, "week", week, b, c)][coop_id] += value
    return out


def _check_shown(key, value, contributions):
    measure = key[2]
    if measure in PERSON_MEASURES:
        assert value == 0 or (value % 5 == 0 and value >= 10), (key, value)
    else:
        assert value % 10 == 0, (key, value)
    values = sorted((v for v in contributions.values() if v > 0), reverse=True)
    total = sum(values)
    if total == 0:
        assert value == 0
        assert len(contributions) >= 5, key  # a zero is shown only when 5 co-ops report
        return
    assert len(values) >= 5, (key, values)
    assert values[0] * 100 <= 50 * total, (key, values)
    assert (values[0] + values[1]) * 100 <= 67 * total, (key, values)


def test_rules_2_to_4_hold_over_10000_federations():
    coops, rows = _many_federations(10_000)
    agg = aggregate(coops, rows, grid="none")
    truth = _by_coop(coops, rows)
    shown = 0
    for key, cell in agg.cells.items():
        outcome = primary(key[2], cell)
        if key[3] == "week":
            # The engine's inputs agree with the raw rows ...
            contributions = truth.get(key, {})
            assert cell.total == sum(contributions.values())
            assert set(cell.contributors) == {c for c, v in contributions.items() if v > 0}
            # ... and what it shows obeys the rules.
            if outcome.reason is None:
                reporting = {c: 0 for c in truth.get(key[:5] + ("", ""), {})}
                _check_shown(key, outcome.value, {**reporting, **contributions})
                shown += 1
        elif outcome.reason is None and key[2] in PERSON_MEASURES:
            assert outcome.value == 0 or (outcome.value % 5 == 0 and outcome.value >= 10)
    assert shown > 1000  # the generator is not so harsh that nothing is ever shown


@pytest.fixture(scope="module")
def releases():
    """Small federations through the whole engine, with what the engine was given."""
    out = []
    for seed in range(12):
        coops, rows = federation(seed, coops=9 + seed % 4, weeks=("2026-W08", "2026-W09"),
                                 las=("W06000018", "W06000019"))
        agg = aggregate(coops, rows, grid="present")
        out.append((coops, rows, agg, protect(agg)))
    return out


def test_the_engine_shows_only_what_rules_2_to_4_allow(releases):
    for _coops, _rows, agg, release in releases:
        outcomes = dict(release.cells)
        reasons = defaultdict(int)
        for key, outcome in release.cells:
            first = primary(key[2], agg.cells[key])
            reasons[outcome.reason] += 1
            if outcome.reason is None:
                assert outcome == first  # secondary suppression never changes a value
            person = LINKED_PERSON_MEASURE.get(key[2])
            if person and outcome.reason is None:
                linked = outcomes.get((key[0], key[1], person, *key[3:]))
                assert linked is not None and linked.reason is None, key
            if key[2] in LENDING_MEASURES:
                assert key[3] in ("quarter", "year") and key[5] == ""
        assert reasons[None] and reasons["secondary"] and reasons["low_count"]


def test_no_suppressed_cell_can_be_pinned_to_a_range_narrower_than_8(releases):
    audited = 0
    for coops, _rows, _agg, release in releases[:3]:
        occupied = {c.la_code for c in coops.values()}
        occupied |= {la_to_rpb()[la] for la in occupied} | {WALES_CODE}
        empty = {k[1] for k, _ in release.cells} - occupied
        ranges = narrowest_ranges([(k, o.value) for k, o in release.cells], empty)
        for key, (low, high) in ranges.items():
            assert high - low >= 8 - 1e-6, (key, low, high)
        audited += len(ranges)
    assert audited > 100


def test_leaving_one_co_op_out_never_reveals_its_figures(releases):
    for coops, rows, agg, release in releases[:3]:
        previous = release.refs
        shown = {k: o.value for k, o in release.cells if o.reason is None}
        for left_out in sorted(coops):
            others = {c: i for c, i in coops.items() if c != left_out}
            later = protect(aggregate(others, rows, grid="present"), previous)
            for key, outcome in later.cells:
                if outcome.reason is not None or key not in shown:
                    continue
                own = agg.cells[key].contributors
                if left_out not in own:
                    continue
                # Both releases show a cell the co-op was in: the difference would be its
                # figure. The held-back rule must have stopped that.
                raise AssertionError(f"co-op {left_out} revealed in {key}: "
                                     f"{shown[key]} then {outcome.value}")


def test_the_same_inputs_give_byte_identical_output(releases):
    coops, rows, _agg, release = releases[0]
    shuffled = list(rows)
    np.random.default_rng(7).shuffle(shuffled)
    again = protect(aggregate(dict(reversed(list(coops.items()))), shuffled, grid="present"))
    assert again.serialise() == release.serialise()
    assert again.digest() == release.digest()
    assert again.refs == release.refs


def test_a_true_zero_is_shown_only_where_five_co_ops_reported_it():
    coops = {i: CoopInfo("W06000018", "worker") for i in range(1, 7)}
    rows = [(i, "2026-W08", "clients", "", "", 0) for i in range(1, 7)]
    release = protect(aggregate(coops, rows, grid="present"))
    cells = dict(release.cells)
    assert cells[("la", "W06000018", "clients", "week", "2026-W08", "", "")].value == 0
    few = protect(aggregate(dict(list(coops.items())[:4]), rows[:4], grid="present"))
    cell = dict(few.cells)[("la", "W06000018", "clients", "week", "2026-W08", "", "")]
    assert cell.reason == "few_coops"
