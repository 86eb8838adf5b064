"""Statistical disclosure control of a release: DESIGN §3.4 rules 2-6, as pure functions.

The input is an :class:`~services.stats.aggregate.Aggregate` (every fixed cell with
its total and each co-op's contribution) and the references of the previous release;
the output is every cell's value or suppression reason, in canonical order, with the
references the next release needs. A release publishes only "suppressed" beside a
suppressed cell (:meth:`Release.published`). Nothing here touches a database, so
property tests can run it over thousands of generated federations.

Across releases (issue 18, docs/disclosure.md): person counts carry a cell-key
perturbation keyed by a secret; a cell whose figures did not change keeps its outcome;
rule 6 counts the co-ops whose figure changed since the cell's anchor; and the audit
treats a value shown by an earlier release, for figures unchanged since, as known.

Secondary suppression (rule 5) works on the linear relations an attacker knows hold
between the true values: LAs add up to their RPB and RPBs to Wales; categories add up
to the total (need types only bound it, since a client may have several); weeks add up
to months, months to quarters, quarters to years for flows (hours, visits), and a
longer period equals its last shorter one for caseloads (person counts); a year of
staff lent is at least each quarter and at most their sum (a peak). It runs in
two stages until nothing changes:

1. a line rule on every relation: never one suppressed cell alone, and, where the
   total is shown, the suppressed cells carry at least ``PROTECTION`` between them;
2. an interval audit by linear programming: for each suppressed cell, the attacker's
   minimum and maximum given every shown cell's interval (rounding and perturbation)
   and the relations.
   A cell that can be pinned to a range narrower than ``PROTECTION`` gets one more
   complementary suppression, chosen deterministically.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csc_matrix

from services.stats import highs as _hs
from services.stats.aggregate import Aggregate, CellInput, CellKey
from services.stats.cells import (
    LINKED_PERSON_MEASURE,
    MEASURE_BREAKDOWNS,
    MINUTES_MEASURES,
    NON_ADDITIVE_BREAKDOWNS,
    PEAK_MEASURES,
    PERSON_MEASURES,
    STOCK_MEASURES,
    categories,
    geography_codes,
    la_to_rpb,
    published_units,
    week_periods,
)

log = logging.getLogger(__name__)

MIN_COOPS = 5           # rule 3: at least five contributing co-ops
TOP1_PCT = 50           # rule 3: the largest at most 50% of the cell
TOP2_PCT = 67           # rule 3: the top two at most 67%
LOW_COUNT_MAX = 7       # rule 2: 1-7 people are suppressed
PROTECTION = 8          # rule 5: no suppressed cell pinned to a range narrower than this
# What a release says of a suppressed cell: only that it is suppressed. A reason would
# bound it (low_count: 1-7; the others: 0 or at least 8) and let relations narrow it, so
# the reasons stay in the restricted references (issue 18, docs/disclosure.md).
PUBLIC_REASON = "suppressed"
HELD_BACK_MAX = 4       # rule 6: a cell whose co-ops' figures changed for 1-4 is held back

# Cell-key perturbation of person counts (docs/disclosure.md). A cell's key is a byte of
# HMAC-SHA256(secret, its contributions); it picks a shift from PERTURBATION, by the
# share of the 256 keys each shift has; the count, shifted, is then rounded to 5.
PERTURBATION = ((-2, 26), (-1, 51), (0, 102), (1, 51), (2, 26))
PERTURBATION_MAX = 2

CHILD_KIND = {"month": "week", "quarter": "month", "year": "quarter"}


@dataclass(frozen=True)
class Outcome:
    """One published cell: a value, or a suppression with its reason."""

    value: int | None
    reason: str | None

    @property
    def status(self) -> str:
        return "shown" if self.reason is None else "suppressed"


Contributions = tuple[tuple[int, int | None], ...]
"""(co-op, value) pairs, sorted; a value None (references of old releases) matches any."""


@dataclass(frozen=True)
class Ref:
    """What the next release must know of a cell (rule 6 and the freeze).

    ``anchor``: the contributions rule 6 compares with. It moves only when a release
    shows or suppresses the cell after at least five co-ops' figures changed (or it is
    new), never while the cell is held back. ``state`` (a digest of the contributions,
    :func:`state_digest`) and ``outcome``: the cell in the release that wrote this.
    """

    anchor: Contributions
    state: str | None = None
    outcome: Outcome | None = None


def state_digest(contributions: Contributions) -> str:
    """A short digest of a cell's contributions: equal exactly when they are."""
    return hashlib.sha256(encode_contributions(contributions).encode()).hexdigest()[:32]


def encode_contributions(contributions: Contributions) -> str:
    """'co-op:value,…' as stored in the restricted reference table."""
    return ",".join(f"{c}:{'' if v is None else v}" for c, v in contributions)


def decode_contributions(text: str) -> Contributions:
    """The inverse of :func:`encode_contributions`; a bare id (old references) has no
    value, and so matches any."""
    out = []
    for item in filter(None, text.split(",")):
        coop, _, value = item.partition(":")
        out.append((int(coop), int(value) if value else None))
    return tuple(sorted(out))


@dataclass
class Release:
    """The disclosure-controlled cells in canonical order, and the references to keep."""

    cells: list[tuple[CellKey, Outcome]]
    refs: dict[str, Ref]
    audited: int = 0  # suppressed cells checked by linear programming
    lp_solves: int = 0
    # Suppressed cells the audit found too narrow with no cell left to suppress beside
    # them (logged by the publish job; the tests require none).
    unprotected: list[CellKey] = field(default_factory=list)

    def published(self) -> list[tuple[CellKey, Outcome]]:
        """The cells as readers get them: a suppressed cell says only that it is."""
        return [(key, public(outcome)) for key, outcome in self.cells]

    def serialise(self) -> bytes:
        """The canonical bytes of the release as published: one line per cell, sorted,
        no timestamps."""
        return b"".join(serialise_cell(key, outcome) for key, outcome in self.published())

    def digest(self) -> str:
        """sha256 of :meth:`serialise`."""
        return hashlib.sha256(self.serialise()).hexdigest()


def public(outcome: Outcome) -> Outcome:
    """What a release publishes of an outcome: the value, or only that it is suppressed."""
    return outcome if outcome.reason is None else Outcome(None, PUBLIC_REASON)


def serialise_cell(key: CellKey, outcome: Outcome) -> bytes:
    """One cell as a tab-separated line."""
    value = "" if outcome.value is None else str(outcome.value)
    return ("\t".join((*key, value, outcome.status, outcome.reason or "")) + "\n").encode()


def cell_key_text(key: CellKey) -> str:
    """A cell's key as one string, for the reference table."""
    return "|".join(key)


# --- rules 2-4 ------------------------------------------------------------------------


def round_person(n: int) -> int:
    """Rule 2: to the nearest 5 (n ≥ 8, so the result is at least 10)."""
    return (n + 2) // 5 * 5


def cell_key(secret: bytes, contributions: Contributions) -> int:
    """0-255 from the cell's contributions and the secret: the same figures always give
    the same key (so the same output), any change gives a new, unpredictable one."""
    text = ",".join(f"{c}:{v}" for c, v in contributions).encode()
    return hmac.new(secret, text, hashlib.sha256).digest()[0]


def perturbation(key: int) -> int:
    """The shift a cell key selects (ONS-style cell-key method, docs/disclosure.md)."""
    for shift, share in PERTURBATION:
        if key < share:
            return shift
        key -= share
    raise ValueError("cell key out of range")


def publish_person(n: int, contributions: Contributions, secret: bytes) -> int:
    """Rule 2 with cell-key perturbation: n ≥ 8 shifted by its cell key's perturbation,
    kept at 8 or more, then rounded to the nearest 5 (so at least 10)."""
    return round_person(max(n + perturbation(cell_key(secret, contributions)),
                            LOW_COUNT_MAX + 1))


def round_volume(measure: str, raw: int) -> int:
    """Rule 4: hours (and visits) to the nearest 10, halves up; hours arrive in minutes."""
    unit = 60 if measure in MINUTES_MEASURES else 1
    return (raw + 5 * unit) // (10 * unit) * 10


def primary(measure: str, cell: CellInput, secret: bytes = b"") -> Outcome:
    """Rules 2-4 for one cell on its own: its published value or why it is suppressed.

    Rule 2 (people) counts everyone in the cell. Rule 3 (organisations) looks only at
    the co-ops that have not consented to be named, and measures their dominance within
    their own share: whoever knows the named co-ops' figures exactly (a named co-op
    knows its own) learns no more than the open share, which passes the rule on its own.
    """
    if cell.total == 0:
        # A true zero is shown as 0, but only where it says nothing about an open co-op:
        # none reported here, or enough did.
        if cell.open_reporting == 0 or cell.open_reporting >= MIN_COOPS:
            return Outcome(0, None)
        return Outcome(None, "few_coops")
    if measure in PERSON_MEASURES and cell.total <= LOW_COUNT_MAX:
        return Outcome(None, "low_count")
    if cell.open_total > 0:
        if cell.open_count < MIN_COOPS:
            return Outcome(None, "few_coops")
        if (cell.open_top1 * 100 > TOP1_PCT * cell.open_total
                or (cell.open_top1 + cell.open_top2) * 100 > TOP2_PCT * cell.open_total):
            return Outcome(None, "dominance")
    if measure in PERSON_MEASURES:
        return Outcome(publish_person(cell.total, cell.contributions, secret), None)
    return Outcome(round_volume(measure, cell.total), None)


def interval(measure: str, outcome: Outcome) -> tuple[float, float | None]:
    """What a shown value tells an attacker about the true value; a suppressed one, ≥ 0."""
    if outcome.value is None:
        return 0.0, None
    v = outcome.value
    if measure in PERSON_MEASURES:
        spread = 2 + PERTURBATION_MAX  # rounding, then the shift
        return (0.0, 0.0) if v == 0 else (float(max(v - spread, LOW_COUNT_MAX + 1)),
                                          float(v + spread))
    if measure in MINUTES_MEASURES:  # whole minutes: up to 4 h 59 min either way
        return (0.0, 5 - 1 / 60) if v == 0 else (v - 5.0, v + 5 - 1 / 60)
    return (0.0, 4.0) if v == 0 else (float(v - 5), float(v + 4))


def changed_by(old: Contributions, new: Contributions) -> int:
    """How many co-ops' figures differ: those that joined, left, or changed their value
    (a value None, from an old reference, matches any value)."""
    before, after = dict(old), dict(new)
    return sum(1 for c in before.keys() | after.keys()
               if c not in before or c not in after
               or (before[c] is not None and before[c] != after[c]))


# --- the relations between cells ------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """``total = Σ parts`` (additive) or ``part ≤ total`` for each part (not additive);
    ``capped`` adds ``total ≤ Σ parts`` (a peak over periods)."""

    total: int
    parts: tuple[int, ...]
    additive: bool = True
    capped: bool = False


def relations(keys: list[CellKey], period_weeks: Mapping[str, Mapping[str, tuple[str, ...]]]
              ) -> list[Relation]:
    """Every linear relation between the cells ``keys`` (indexes into that list)."""
    index = {key: i for i, key in enumerate(keys)}
    las_of_rpb: dict[str, list[str]] = {}
    for la, rpb in sorted(la_to_rpb().items()):
        las_of_rpb.setdefault(rpb, []).append(la)
    children = _child_periods(period_weeks)
    out: list[Relation] = []

    def add(total: CellKey, parts: list[CellKey], additive: bool = True,
            capped: bool = False) -> None:
        found = [index[p] for p in parts if p in index]
        if found:
            out.append(Relation(index[total], tuple(found), additive, capped))

    for key in keys:
        kind, code, measure, period_kind, period, breakdown, category = key
        rest = (measure, period_kind, period, breakdown, category)
        if kind == "rpb":
            add(key, [("la", la, *rest) for la in las_of_rpb[code]])
        elif kind == "wales":
            add(key, [("rpb", rpb, *rest) for rpb in geography_codes("rpb")])
        if breakdown == "":
            for other in MEASURE_BREAKDOWNS[measure]:
                if other:
                    add(key, [(kind, code, measure, period_kind, period, other, c)
                              for c in categories(other)],
                        additive=other not in NON_ADDITIVE_BREAKDOWNS)
        if period_kind in CHILD_KIND:
            child_kind = CHILD_KIND[period_kind]
            inside = children[period_kind][period]
            if measure in STOCK_MEASURES:
                inside = inside[-1:]
            peak = measure in PEAK_MEASURES
            add(key, [(kind, code, measure, child_kind, p, breakdown, category)
                      for p in inside], additive=not peak, capped=peak)
    return out


def _child_periods(period_weeks) -> dict[str, dict[str, tuple[str, ...]]]:
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for kind, child in CHILD_KIND.items():
        out[kind] = {}
        for period, weeks in period_weeks.get(kind, {}).items():
            out[kind][period] = tuple(sorted({week_periods(w)[child] for w in weeks}))
    return out


# --- the whole release ----------------------------------------------------------------


@dataclass
class _State:
    keys: list[CellKey]
    truth: np.ndarray
    outcomes: list[Outcome]
    relations: list[Relation]
    # Cells holding some co-op's figures; a cell no co-op reported to is known to be 0.
    sensitive: np.ndarray
    # Cells whose figures are unchanged since an earlier release showed them: what that
    # release said still holds, whatever this one does with them.
    known: dict[int, tuple[float, float | None]] = field(default_factory=dict)
    by_cell: list[list[int]] = field(default_factory=list)

    def suppressed(self, i: int) -> bool:
        return self.outcomes[i].value is None

    def hidden(self, i: int) -> bool:
        """Suppressed, and unknown to an attacker."""
        return (self.outcomes[i].value is None and bool(self.sensitive[i])
                and i not in self.known)

    def free(self, i: int) -> bool:
        """Shown, and suppressing it would hide something: a candidate complement."""
        return self.outcomes[i].value is not None and i not in self.known

    def bounds(self, i: int) -> tuple[float, float | None]:
        """What an attacker knows of the cell: its shown interval (or the one an earlier
        release showed, if its figures have not changed since); ≥ 0 if suppressed."""
        if not self.sensitive[i]:
            return 0.0, 0.0
        if i in self.known:
            return self.known[i]
        return interval(self.keys[i][2], self.outcomes[i])

    def suppress(self, i: int, reason: str) -> None:
        self.outcomes[i] = Outcome(None, reason)


def protect(agg: Aggregate, previous_refs: Mapping[str, Ref] | None = None,
            *, secret: bytes = b"", progress=None) -> Release:
    """Apply rules 2-6 to every cell of ``agg``; ``previous_refs`` are the references of
    the previous release (rule 6 and the freeze), ``secret`` the cell-key secret.
    ``progress(fraction)`` is told how far it got.

    Across releases (issue 18):

    - a cell whose every co-op's figure is the same as in the previous release keeps
      that release's outcome: a suppression stays, a shown value stays the same. If the
      rules now refuse it (a co-op withdrew its consent to be named), it is suppressed,
      and the audit counts its earlier value as known;
    - otherwise rule 6 counts the co-ops whose figure differs from the anchor (joined,
      left or changed): 1-4, and a cell the rules would show is held back; 5 or more,
      and the cell is judged afresh and becomes the new anchor.
    """
    previous_refs = previous_refs or {}
    keys = sorted(agg.cells)
    cells = [agg.cells[k] for k in keys]
    outcomes, anchors, known = [], [], {}
    for i, (key, cell) in enumerate(zip(keys, cells, strict=True)):
        outcome = primary(key[2], cell, secret)
        anchor = cell.contributions
        ref = previous_refs.get(cell_key_text(key))
        if (ref is not None and ref.outcome is not None
                and ref.state == state_digest(cell.contributions)):
            anchor = ref.anchor
            if ref.outcome.reason is None:
                known[i] = interval(key[2], ref.outcome)
            if ref.outcome.reason is not None or outcome.reason is None:
                outcome = ref.outcome
        elif ref is not None:
            changed = changed_by(ref.anchor, cell.contributions)
            if changed <= HELD_BACK_MAX:
                anchor = ref.anchor
                if changed and outcome.reason is None:
                    outcome = Outcome(None, "held_back")
        outcomes.append(outcome)
        anchors.append(anchor)
    truth = np.array([published_units(k[2], c.total) for k, c in zip(keys, cells, strict=True)],
                     dtype=float)
    state = _State(keys, truth, outcomes,
                   relations(keys, agg.period_weeks),
                   np.array([c.total > 0 or c.reporting > 0 for c in cells], dtype=bool),
                   dict(known))
    state.by_cell = [[] for _ in keys]
    for r, rel in enumerate(state.relations):
        state.by_cell[rel.total].append(r)
        for p in rel.parts:
            state.by_cell[p].append(r)
    _spread_known(state)
    linked = _linked_cells(keys)
    audited = solves = 0
    checked: set[int] = set()
    unprotected: set[int] = set()
    while True:
        _suppress_linked(state, linked)
        _line_rule(state, linked)
        if progress:
            progress(0.5)
        failing, n_audited, n_solves = _audit(state, checked)
        audited += n_audited
        solves += n_solves
        failing = [c for c in failing if c not in unprotected]
        if not failing:
            break
        for cell in failing:
            if not _add_complement(state, cell):
                unprotected.add(cell)
    refs = {}
    for i, (key, cell, outcome) in enumerate(zip(keys, cells, state.outcomes, strict=True)):
        text = cell_key_text(key)
        if state.sensitive[i] or text in previous_refs:
            # A value shown before stays what the next release knows of these figures.
            kept = previous_refs[text].outcome if i in known else outcome
            refs[text] = Ref(anchors[i], state_digest(cell.contributions), kept)
    if unprotected:
        log.warning("disclosure audit: %s cells could not be protected further: %s",
                    len(unprotected), [keys[i] for i in sorted(unprotected)][:10])
    return Release(list(zip(keys, state.outcomes, strict=True)), refs, audited, solves,
                   [keys[i] for i in sorted(unprotected)])


def _spread_known(state: _State) -> None:
    """A cell equal by definition to one an earlier release showed is known as well: a
    caseload's quarter is its last month and week, a month of one week is that week, an
    RPB whose co-ops are all in one LA is that LA. It takes the interval known of its
    equal (within its own, if shown), is never a complement (suppressing it would hide
    nothing) and needs no protection of its own (its value is out already). Without this,
    a new week equal to a frozen quarter could be picked as a complement, found pinned,
    and set the audit suppressing ring after ring around it in vain."""
    changed = True
    while changed:
        changed = False
        for rel in state.relations:
            if not rel.additive or rel.capped or len(rel.parts) != 1:
                continue
            for a, b in ((rel.total, rel.parts[0]), (rel.parts[0], rel.total)):
                if a not in state.known or b in state.known or not state.sensitive[b]:
                    continue
                low, high = state.known[a]
                own_low, own_high = state.bounds(b)
                if own_high is not None:
                    low = max(low, own_low)
                    high = own_high if high is None else min(high, own_high)
                state.known[b] = (low, high)
                changed = True


def _linked_cells(keys: list[CellKey]) -> dict[int, int]:
    """Volume cell → the person cell whose suppression it follows (rule 4)."""
    index = {key: i for i, key in enumerate(keys)}
    out = {}
    for i, key in enumerate(keys):
        person = LINKED_PERSON_MEASURE.get(key[2])
        if person:
            j = index.get((key[0], key[1], person, *key[3:]))
            if j is not None:
                out[i] = j
    return out


def _suppress_linked(state: _State, linked: dict[int, int]) -> bool:
    changed = False
    for volume, person in linked.items():
        if state.suppressed(person) and state.free(volume):
            state.suppress(volume, "linked_person_cell")
            changed = True
    return changed


def _line_rule(state: _State, linked: dict[int, int]) -> None:
    """Stage 1: in every additive relation, no lone suppression and enough suppressed mass."""
    changed = True
    while changed:
        changed = False
        for rel in state.relations:
            if not rel.additive:
                continue
            members = (rel.total, *rel.parts)
            hidden = [i for i in members if state.hidden(i)]
            if not hidden:
                continue
            hidden_parts = [p for p in rel.parts if state.hidden(p)]
            mass = float(state.truth[hidden_parts].sum()) if hidden_parts else 0.0
            total_shown = not state.hidden(rel.total)
            if len(hidden) >= 2 and (not total_shown or mass >= PROTECTION):
                continue
            candidates = [p for p in rel.parts if state.free(p)]
            if candidates:
                state.suppress(_choose(state, candidates, PROTECTION - mass), "secondary")
            elif state.free(rel.total):
                state.suppress(rel.total, "secondary")
            else:
                continue
            changed = True
        if _suppress_linked(state, linked):
            changed = True


def _choose(state: _State, candidates: list[int], need: float) -> int:
    """The complementary cell: the smallest that supplies ``need``, else the largest.

    Ties go to the first in canonical order, so the choice is deterministic.
    """
    enough = [c for c in candidates if state.truth[c] >= need]
    if enough:
        return min(enough, key=lambda c: (float(state.truth[c]), c))
    return max(candidates, key=lambda c: (float(state.truth[c]), -c))


def _add_complement(state: _State, cell: int) -> bool:
    """One more suppression near a cell the audit could pin down: the best shown cell
    sharing a relation with it, or, if there is none, with the nearest ring beyond.
    False if every related cell is suppressed or known from an earlier release."""
    frontier, seen = {cell}, {cell}
    while frontier:
        ring = {m for c in frontier for r in state.by_cell[c]
                for m in (state.relations[r].total, *state.relations[r].parts)} - seen
        candidates = sorted(m for m in ring if state.free(m))
        if candidates:
            state.suppress(_choose(state, candidates, PROTECTION), "secondary")
            return True
        seen |= ring
        frontier = ring
    return False


def _components(state: _State) -> list[list[int]]:
    """Groups of suppressed cells linked through relations, each in canonical order."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    hidden = [i for i in range(len(state.keys)) if state.hidden(i)]
    for i in hidden:
        parent[i] = i
    for rel in state.relations:
        members = [m for m in (rel.total, *rel.parts) if m in parent]
        for m in members[1:]:
            a, b = find(members[0]), find(m)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in hidden:
        groups.setdefault(find(i), []).append(i)
    return [groups[k] for k in sorted(groups)]


# A component whose linear programme would have more variables than this is audited
# table by table instead (see ``_slices``).
JOINT_LIMIT = 3000


def _audit(state: _State, checked: set[int]) -> tuple[list[int], int, int]:
    """Stage 2: the suppressed cells an attacker could pin to a range narrower than
    ``PROTECTION``, in canonical order. Components that passed are remembered: more
    suppression elsewhere only widens their ranges."""
    failing, audited, solves = [], 0, 0
    for component in _components(state):
        fingerprint = hash(tuple(component))
        if fingerprint in checked:
            continue
        problems = [_Problem(state, component)]
        if len(problems[0].columns) > JOINT_LIMIT:
            problems = [_Problem(state, cells, rels) for cells, rels in _slices(state, component)]
        bad: set[int] = set()
        for problem in problems:
            pinned, n = problem.pinned()
            bad.update(pinned)
            solves += n
        audited += len(component)
        if not bad:
            checked.add(fingerprint)
        failing.extend(bad)
    return sorted(failing), audited, solves


def _slices(state: _State, component: list[int]):
    """A big component split into the two-way tables it is made of (the modular method
    statistical offices use for large hierarchical tables): for each measure and period,
    geography × category; for each measure, geography and breakdown, category × period.
    Every relation belongs to at least one of them; each is audited on its own."""
    members = set(component)
    tables: dict[tuple, set[int]] = {}
    for r in sorted({r for c in component for r in state.by_cell[c]}):
        rel = state.relations[r]
        total = state.keys[rel.total]
        first = state.keys[rel.parts[0]]
        gk, gc, measure, pk, period, breakdown = total[:6]
        if first[0] != gk or first[1] != gc:  # geography
            tables.setdefault(("geo", measure, pk, period), set()).add(r)
        elif first[3] != pk:  # time
            breakdowns = MEASURE_BREAKDOWNS[measure] if breakdown == "" else (breakdown,)
            for b in breakdowns:
                tables.setdefault(("time", measure, gk, gc, b), set()).add(r)
        else:  # breakdown
            tables.setdefault(("geo", measure, pk, period), set()).add(r)
            tables.setdefault(("time", measure, gk, gc, first[5]), set()).add(r)
    for key in sorted(tables):
        rels = sorted(tables[key])
        cells = sorted({m for r in rels for m in (state.relations[r].total,
                                                  *state.relations[r].parts)} & members)
        if cells:
            yield cells, rels


# Suppressed cells get an artificial ceiling this far above their true value while the
# audit looks for feasible points; a range that reaches it is wide enough anyway.
CEILING = 4 * PROTECTION


class _Problem:
    """The attacker's linear programme around a component of suppressed cells.

    Its variables are the cells of every relation that holds a suppressed cell of the
    component; shown cells are bounded by their rounding interval. Relations that reach
    outside those variables contribute the interval the outside cells allow. The model
    is built once and re-solved with a new objective per question (warm start).
    """

    def __init__(self, state: _State, component: list[int], rel_ids: list[int] | None = None):
        self.component = component
        if rel_ids is None:
            rel_ids = sorted({r for cell in component for r in state.by_cell[cell]})
        variables = sorted({m for r in rel_ids
                            for m in (state.relations[r].total, *state.relations[r].parts)})
        self.columns = {v: j for j, v in enumerate(variables)}
        self.truth = state.truth[variables].astype(float)
        bounds = []
        for v, truth in zip(variables, self.truth, strict=True):
            low, high = state.bounds(v)
            bounds.append((low, truth + CEILING if high is None else high))
        rows: list[tuple[list[int], list[float], float, float]] = []
        if len(rel_ids) == len({r for c in component for r in state.by_cell[c]}):
            rel_ids = sorted({r for v in variables for r in state.by_cell[v]})
        for r in rel_ids:
            rows.extend(self._rows(state, state.relations[r]))
        self.highs = _new_solver(bounds, rows, len(variables))

    def _rows(self, state: _State, rel: Relation):
        columns = self.columns
        if not rel.additive:
            if rel.total in columns:
                for p in rel.parts:
                    if p in columns:
                        yield [columns[p], columns[rel.total]], [1.0, -1.0], -INF, 0.0
            if not rel.capped:
                return
        terms = [(rel.total, -1.0), *((p, 1.0) for p in rel.parts)]
        inside = [(columns[m], c) for m, c in terms if m in columns]
        # Σ inside = -Σ outside, and each outside cell lies in its interval.
        low = high = 0.0
        for m, coef in terms:
            if m in columns:
                continue
            lo, hi = state.bounds(m)
            hi = INF if hi is None else hi
            if coef > 0:
                low, high = low - hi, high - lo
            else:
                low, high = low + lo, high + hi
        if rel.capped:  # Σ parts - total ≥ 0 only
            high = INF
        if low == -INF and high == INF:
            return
        yield [j for j, _ in inside], [c for _, c in inside], low, high

    def pinned(self) -> tuple[list[int], int]:
        """The cells of the component whose attacker range is narrower than
        ``PROTECTION``; and how many LPs that took.

        Every optimum is a feasible point, as is the truth: a cell whose values over the
        points seen so far already spread over ``PROTECTION`` needs no LP of its own.
        """
        cols = np.array([self.columns[c] for c in self.component], dtype=np.int64)
        position = {c: i for i, c in enumerate(self.component)}
        seen_low = self.truth[cols].copy()
        seen_high = seen_low.copy()
        solves = 0

        def wide(cell: int) -> bool:
            i = position[cell]
            return seen_high[i] - seen_low[i] >= PROTECTION - 1e-6

        def note(point) -> None:
            values = point[cols]
            np.minimum(seen_low, values, out=seen_low)
            np.maximum(seen_high, values, out=seen_high)

        for sense in (-1.0, 1.0):
            note(self._solve({self.columns[c]: sense for c in self.component}))
            solves += 1
        bad = []
        for cell in self.component:
            for sense in (-1.0, 1.0):
                if wide(cell):
                    break
                note(self._solve({self.columns[cell]: sense}))
                solves += 1
            if not wide(cell):
                bad.append(cell)
        return bad, solves

    def _solve(self, objective: dict[int, float]):
        n = len(self.columns)
        cost = np.zeros(n)
        for j, v in objective.items():
            cost[j] = v
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != _hs.HighsModelStatus.kOptimal:
            message = self.highs.modelStatusToString(status)
            raise RuntimeError(f"interval audit LP failed: {message}")
        return np.asarray(self.highs.getSolution().col_value)


INF = float("inf")


def _new_solver(bounds, rows, n_cols):
    """A HiGHS model: 0 ≤ cells within their bounds, and the ranged relation rows."""
    highs = _hs.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("presolve", "off")
    lp = _hs.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = len(rows)
    lp.col_cost_ = np.zeros(n_cols)
    lp.col_lower_ = np.array([lo for lo, _ in bounds], dtype=float)
    lp.col_upper_ = np.array([_hs.kHighsInf if hi is None else hi for _, hi in bounds],
                             dtype=float)
    lp.row_lower_ = np.array([max(lo, -_hs.kHighsInf) for *_, lo, _ in rows], dtype=float)
    lp.row_upper_ = np.array([min(hi, _hs.kHighsInf) for *_, hi in rows], dtype=float)
    data, row_ids, col_ids = [], [], []
    for r, (cols, coefs, _, _) in enumerate(rows):
        row_ids += [r] * len(cols)
        col_ids += cols
        data += coefs
    matrix = csc_matrix((data, (row_ids, col_ids)), shape=(len(rows), n_cols))
    lp.a_matrix_.format_ = _hs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    highs.passModel(lp)
    return highs
