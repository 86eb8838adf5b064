"""Co-ops named by consent (issue 13): rule 3 protects only the co-ops that are not named.

- a cell made only of named co-ops is published (rule 2 still applies to its people);
- a cell with open (not named) co-ops is published only if the open share alone passes
  rule 3: at least 5 open co-ops, the largest at most 50% and the top two at most 67%
  of the open share;
- a named co-op's presence never lets anyone narrow an open co-op's figures below what
  the rules allow: whoever knows every named co-op's figure exactly (a named co-op knows
  its own) is left with an open share that passes rule 3 on its own, the independent LP
  attacker still cannot pin any suppressed cell to a range narrower than 8, and leaving
  a co-op out of the next release still reveals nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import pytest

from services.stats.aggregate import CoopInfo, aggregate
from services.stats.cells import PERSON_MEASURES, WALES_CODE, la_to_rpb
from services.stats.disclosure import protect
from tests.services.stats.attacker import narrowest_ranges
from tests.services.stats.generate import federation

LA = "W06000018"
WEEK = "2026-W08"
CELL = ("la", LA, "clients", "week", WEEK, "", "")


def _release(coops, clients):
    rows = [(c, WEEK, "clients", "", "", n) for c, n in zip(coops, clients, strict=True)]
    return dict(protect(aggregate(coops, rows, grid="present")).cells)


def _coops(named: int, open_: int) -> dict[int, CoopInfo]:
    out = {i: CoopInfo(LA, "worker", named=True) for i in range(1, named + 1)}
    out.update({i: CoopInfo(LA, "worker") for i in range(named + 1, named + open_ + 1)})
    return out


def test_a_cell_of_named_co_ops_only_is_published():
    cells = _release(_coops(2, 0), [30, 12])
    assert cells[CELL].value == 40  # 42 rounded to the nearest 5
    # Rule 2 still holds for the people in it.
    assert _release(_coops(2, 0), [3, 2])[CELL].reason == "low_count"


def test_the_open_share_must_pass_the_organisation_rule_on_its_own():
    # Three named co-ops and two open ones: too few open co-ops.
    assert _release(_coops(3, 2), [20, 20, 20, 5, 5])[CELL].reason == "few_coops"
    # Five open co-ops, one of them most of the open share though a small part of the
    # cell: the named co-ops' figures do not dilute its dominance.
    cells = _release(_coops(3, 5), [40, 40, 40, 30, 2, 2, 2, 2])
    assert cells[CELL].reason == "dominance"
    # Five balanced open co-ops beside big named ones: published.
    assert _release(_coops(3, 5), [40, 40, 40, 6, 6, 6, 6, 6])[CELL].value == 150


def test_with_no_named_co_op_the_rules_are_the_old_ones():
    assert _release(_coops(0, 4), [20, 20, 20, 20])[CELL].reason == "few_coops"
    assert _release(_coops(0, 5), [90, 5, 5, 5, 5])[CELL].reason == "dominance"
    assert _release(_coops(0, 5), [9, 9, 9, 9, 9])[CELL].value == 45


def _named_half(seed: int):
    """A generated federation with every other co-op named."""
    coops, rows = federation(seed, coops=14, weeks=("2026-W08", "2026-W09"),
                             las=("W06000018", "W06000019"))
    coops = {c: replace(info, named=c % 2 == 0) for c, info in coops.items()}
    return coops, rows


@pytest.fixture(scope="module")
def mixed():
    out = []
    for seed in range(4):
        coops, rows = _named_half(seed)
        agg = aggregate(coops, rows, grid="present")
        out.append((coops, rows, agg, protect(agg)))
    return out


def _contributions(coops, rows):
    """Each week cell's value per co-op, from the raw rows, apart from the engine."""
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


def test_knowing_every_named_co_ops_figure_leaves_an_open_share_that_passes_rule_3(mixed):
    checked = named_cells = 0
    for coops, rows, _agg, release in mixed:
        truth = _contributions(coops, rows)
        for key, outcome in release.cells:
            if outcome.reason is not None or key[3] != "week" or key not in truth:
                continue
            by_coop = truth[key]
            open_values = sorted((v for c, v in by_coop.items()
                                  if v > 0 and not coops[c].named), reverse=True)
            if any(v > 0 and coops[c].named for c, v in by_coop.items()):
                named_cells += 1
            if key[2] in PERSON_MEASURES and outcome.value:
                assert outcome.value >= 10 and outcome.value % 5 == 0
            if not open_values:
                continue  # only named co-ops: nothing for rule 3 to protect
            share = sum(open_values)
            assert len(open_values) >= 5, (key, open_values)
            assert open_values[0] * 100 <= 50 * share, (key, open_values)
            assert (open_values[0] + open_values[1]) * 100 <= 67 * share, (key, open_values)
            checked += 1
    assert checked > 50 and named_cells > 50  # both rules were at work


def test_the_lp_attacker_cannot_pin_a_suppressed_cell_beside_named_co_ops(mixed):
    audited = 0
    for coops, _rows, _agg, release in mixed[:2]:
        occupied = {c.la_code for c in coops.values()}
        occupied |= {la_to_rpb()[la] for la in occupied} | {WALES_CODE}
        empty = {k[1] for k, _ in release.cells} - occupied
        ranges = narrowest_ranges([(k, o.value) for k, o in release.cells], empty)
        for key, (low, high) in ranges.items():
            assert high - low >= 8 - 1e-6, (key, low, high)
        audited += len(ranges)
    assert audited > 50


def test_naming_more_co_ops_never_shows_a_cell_whose_open_share_fails(mixed):
    """Naming co-ops only ever takes them out of rule 3: a cell shown after naming more
    was either shown before, or its open share passes rule 3 alone."""
    coops, rows, _agg, release = mixed[0]
    before = dict(release.cells)
    more = {c: replace(i, named=i.named or c % 3 == 0) for c, i in coops.items()}
    after = protect(aggregate(more, rows, grid="present"))
    truth = _contributions(more, rows)
    newly = 0
    for key, outcome in after.cells:
        if outcome.reason is None and before[key].reason is not None and key in truth:
            open_values = sorted((v for c, v in truth[key].items()
                                  if v > 0 and not more[c].named), reverse=True)
            assert not open_values or len(open_values) >= 5, key
            newly += 1
    assert newly > 0


def test_leaving_one_co_op_out_never_reveals_its_figures_beside_named_ones(mixed):
    coops, rows, agg, release = mixed[0]
    shown = {k: o.value for k, o in release.cells if o.reason is None}
    for left_out in sorted(coops):
        others = {c: i for c, i in coops.items() if c != left_out}
        later = protect(aggregate(others, rows, grid="present"), release.refs)
        for key, outcome in later.cells:
            if outcome.reason is None and key in shown and left_out in agg.cells[key].contributors:
                raise AssertionError(f"co-op {left_out} revealed in {key}")


def test_an_open_pair_beside_named_co_ops_cannot_be_had_by_differencing():
    """Why rule 3 counts only the open co-ops (issue 13, checked again): a cell made only
    of named co-ops is shown, so the named share of a mixed cell is known. Three named
    worker co-ops and two open user-led co-ops in one LA: the worker-type cell is shown;
    had the total been shown because the whole cell has five co-ops, total minus that
    cell would hand each open co-op the other's figure. The engine hides the total (its
    open share has two co-ops), and nothing shown pins the open pair below the rules."""
    coops = {i: CoopInfo(LA, "worker", named=True) for i in (1, 2, 3)}
    coops.update({i: CoopInfo(LA, "user_led") for i in (4, 5)})
    # Members: a count whose only breakdown is the co-op type, so the rows are complete.
    rows = [(c, WEEK, "members", "", "", n) for c, n in zip(range(1, 6), (30, 30, 30, 12, 12),
                                                             strict=True)]
    release = protect(aggregate(coops, rows, grid="present"))
    cells = dict(release.cells)
    total = ("la", LA, "members", "week", WEEK, "", "")
    named_only = ("la", LA, "members", "week", WEEK, "coop_type", "worker")
    open_pair = ("la", LA, "members", "week", WEEK, "coop_type", "user_led")
    assert cells[named_only].value == 90  # named co-ops only: published
    assert cells[total].reason == "few_coops"  # 5 co-ops, but only 2 of them open
    assert cells[open_pair].value is None
    empty = {k[1] for k, _ in release.cells} - {LA, la_to_rpb()[LA], WALES_CODE}
    ranges = narrowest_ranges([(k, o.value) for k, o in release.cells], empty)
    low, high = ranges[open_pair]
    assert high - low >= 8 - 1e-6, (low, high)
