"""Five consecutive releases of a generated federation, read by an attacker written apart
from the engine (issue 18's must-show).

Between releases a week is added, co-ops opt out and join (with their history), an
insider adds clients to past weeks of its own co-op, and one account opens four sybil
co-ops beside the real ones (verified, so they contribute; the federation knows they
share an owner). The attacker keeps every release (readers can) and knows the scenario:
who left, who joined, the insider's shifts and the sybils' figures. It reads only what
is published: values, and "suppressed". It works out each co-op's figure in every person
cell from the raw rows itself (not from the engine), and checks, for person counts of
every period:

1. in every release, read jointly with the earlier ones (a cell whose figures did not
   change since a release showed it is known to lie in that interval), no suppressed
   cell can be pinned by linear programming to a range narrower than 8;
2. a cell whose figures did not change is never known more narrowly from all releases
   together than 8 (suppressed) or than one shown interval;
3. a cell shown twice shows it after 0 or at least 5 contributors' figures changed (the
   sybils one contributor), so the difference never isolates fewer than 5;
4. the insider, or the sybils' owner, subtracting its own figures, never narrows the
   others' figure in a cell beyond what one release shows;
5. a shown cell holding the insider's or the sybils' figures holds 0 or at least 4 other
   co-ops' too (rule 3: five contributors, the sybils' owner one of them), so subtracting
   its own figures leaves no one co-op's figure, or two or three co-ops' (the issue's
   4 sybils beside one real co-op).

It also checks the releases still publish: the share of person cells shown in each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import pytest

from services.stats.aggregate import aggregate
from services.stats.cells import (
    PEAK_MEASURES,
    PERSON_MEASURES,
    QUARTERLY_MEASURES,
    STOCK_MEASURES,
    WALES_CODE,
    la_to_rpb,
    week_periods,
)
from services.stats.disclosure import protect
from tests.fixtures.stores import ON_POSTGRES
from tests.services.stats.attacker import narrowest_ranges, shown_interval
from tests.services.stats.generate import federation
from tests.services.stats.test_releases import _insider_rows

# Pure functions, no store: the same in both passes, so it runs once, in the embedded one
# (about 30 s on an idle machine; the attacker re-solves one HiGHS model with warm starts).
pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="no store involved: shown in the "
                                "embedded pass")

LAS = ("W06000018", "W06000019")
WEEKS = tuple(f"2026-W{n:02d}" for n in range(1, 7))
INSIDER = 1
# Four co-ops opened by one account, all in the first LA: one contributor for rule 3.
SYBILS = (15, 16, 17, 18)
SECRET = b"test secret, not the deployment's"
# release → (weeks published, co-ops out, the insider's extra clients per past week)
SCENARIO = (
    (2, {13, 14, *SYBILS}, 0),
    (3, {2, 13, 14}, 0),      # co-op 2 opts out; the sybils join, with their history
    (4, {2, 14}, 0),          # co-op 13 joins, with its history
    (5, {2, 14}, 1),          # the insider adds a client to every past week
    (6, {2, 3}, 2),           # co-op 14 joins, co-op 3 opts out, the insider adds another
)
PERIOD_KINDS = ("week", "month", "quarter", "year")


def _contributions(coops, rows):
    """Each person cell's figure per co-op, every period, from the raw rows (apart from
    the engine): a caseload takes the period's last week, staff lent each co-op's peak
    week, the others add up their weeks."""
    weeks = sorted({r[1] for r in rows})
    last = {}
    for kind in PERIOD_KINDS:
        for week in weeks:
            last[(kind, week_periods(week)[kind])] = week
    out = defaultdict(dict)
    for coop_id, week, measure, breakdown, category, value in rows:
        if measure not in PERSON_MEASURES or not value:
            continue
        la = coops[coop_id].la_code
        series = [(breakdown, category)]
        if breakdown == "":
            series.append(("coop_type", coops[coop_id].coop_type))
        for kind in PERIOD_KINDS:
            if kind in ("week", "month") and measure in QUARTERLY_MEASURES:
                continue
            period = week_periods(week)[kind]
            if measure in STOCK_MEASURES and last[(kind, period)] != week:
                continue
            for geo in (("la", la), ("rpb", la_to_rpb()[la]), ("wales", WALES_CODE)):
                for b, c in series:
                    figures = out[(*geo, measure, kind, period, b, c)]
                    if measure in PEAK_MEASURES:
                        figures[coop_id] = max(figures.get(coop_id, 0), value)
                    else:
                        figures[coop_id] = figures.get(coop_id, 0) + value
    return out


def _caseload(key: tuple, weeks) -> tuple | None:
    """A caseload cell as the week it equals (its period's last week in the release), so
    that cells of different periods equal by definition compare equal; None otherwise."""
    if key[2] not in STOCK_MEASURES:
        return None
    end = max(w for w in weeks if week_periods(w)[key[3]] == key[4])
    return (*key[:3], end, *key[5:])


def _shown_caseloads(published, known, weeks) -> set:
    return {_caseload(key, weeks) for key, value in published
            if key[2] in STOCK_MEASURES and (value is not None or key in known)}


def _owner(coop_id: int) -> int:
    """The contributor a co-op counts as: the sybils are one."""
    return SYBILS[0] if coop_id in SYBILS else coop_id


def _changed(a: dict, b: dict) -> int:
    """How many contributors' figures differ (the sybils' owner counted once)."""
    return len({_owner(c) for c in a.keys() | b.keys() if a.get(c) != b.get(c)})


def _state(figures: dict) -> tuple:
    return tuple(sorted(figures.items()))


def test_five_releases_with_opt_outs_joins_sybils_and_an_insider_disclose_nothing():
    everyone, rows = federation(11, coops=18, weeks=WEEKS, las=LAS, scale=7)
    for c in SYBILS:
        everyone[c] = replace(everyone[c], la_code=LAS[0], controller=SYBILS[0])
    # What all the releases so far show of each cell with given figures.
    seen_shown: dict[tuple, tuple[float, float]] = {}
    refs, history, checked = {}, [], defaultdict(int)
    for version, (n_weeks, out, extra) in enumerate(SCENARIO, 1):
        coops = {c: i for c, i in everyone.items() if c not in out}
        weeks = set(WEEKS[:n_weeks])
        these = _insider_rows([r for r in rows if r[1] in weeks and r[0] in coops], extra,
                              INSIDER)
        release = protect(aggregate(coops, these, grid="present"), refs, secret=SECRET)
        refs = release.refs
        published = [(k, o.value) for k, o in release.published()]
        truth = _contributions(coops, these)
        known = {}
        for key, _value in published:
            state = (key, _state(truth.get(key, {})))
            if key[2] in PERSON_MEASURES and state in seen_shown:
                known[key] = seen_shown[state]
        occupied = {i.la_code for i in coops.values()}
        occupied |= {la_to_rpb()[la] for la in occupied} | {WALES_CODE}
        empty = {k[1] for k, _ in published} - occupied
        ranges = narrowest_ranges(published, empty, measures=PERSON_MEASURES, known=known)
        # 1. this release read with every earlier one: a suppressed cell an earlier release
        # showed with the same figures was published then, and so was a caseload that a
        # shown cell of another period equals (a quarter is its last month); every other
        # keeps 8.
        elsewhere = _shown_caseloads(published, known, weeks)
        for key, (low, high) in ranges.items():
            if key not in known and _caseload(key, weeks) not in elsewhere:
                assert high - low >= 8 - 1e-6, (version, key, low, high)
                checked["suppressed"] += 1
        for key, value in published:
            if value is not None and key[2] in PERSON_MEASURES:
                state = (key, _state(truth.get(key, {})))
                low, high = shown_interval(key[2], value)
                before = seen_shown.get(state, (low, high))
                seen_shown[state] = (max(low, before[0]), min(high, before[1]))
        history.append((dict(published), ranges, truth))

    # 2-5. across releases
    known_ranges: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    own_view: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    last_shown: dict[tuple, dict] = {}
    shares = []
    for version, (cells, ranges, truth) in enumerate(history, 1):
        person = [k for k in cells if k[2] in PERSON_MEASURES]
        shares.append(sum(cells[k] is not None for k in person) / len(person))
        for key in person:
            value = cells[key]
            figures = truth.get(key, {})
            if value is None:
                if key in ranges:
                    known_ranges[(key, _state(figures))].append(ranges[key])
                continue
            low, high = shown_interval(key[2], value)
            known_ranges[(key, _state(figures))].append((low, high))
            if key in last_shown:
                changed = _changed(last_shown[key], figures)
                assert changed == 0 or changed >= 5, (version, key, changed)
                checked["shown again"] += 1
            last_shown[key] = figures
            for attacker in ({INSIDER}, set(SYBILS)):
                own = sum(v for c, v in figures.items() if c in attacker)
                if not own:
                    continue
                # The attacker knows its own figures in the cell exactly, and subtracts them.
                others = {c: v for c, v in figures.items() if c not in attacker}
                contributing = sum(1 for v in others.values() if v)
                assert contributing == 0 or contributing >= 4, (version, key, figures)
                own_view[(key, _state(others))].append((low - own, high - own))
                checked["own figures subtracted"] += 1
    for (key, _figures), seen in known_ranges.items():
        low, high = max(r[0] for r in seen), min(r[1] for r in seen)
        assert high - low >= min(8, *(r[1] - r[0] for r in seen)) - 1e-6, (key, seen)
    for (key, _others), seen in own_view.items():
        low, high = max(r[0] for r in seen), min(r[1] for r in seen)
        assert high - low >= min(r[1] - r[0] for r in seen) - 1e-6, (key, seen)
    # The scenario tested something: cells shown again, and the attackers' own in shown cells.
    assert min(checked[k] for k in ("suppressed", "shown again",
                                    "own figures subtracted")) > 100, checked
    # Protection is not bought by publishing nothing.
    print("person cells shown per release:", [f"{s:.0%}" for s in shares], dict(checked))
    assert all(share > 0.1 for share in shares), shares
