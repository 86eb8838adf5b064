"""The publish job on a real store: status and progress, versions, determinism, consent
(rule 7), the held-back rule (rule 6), and the CLI refusing bad input.

Each test has a federation of its own (``isolated_app``): a release covers every co-op
that opted in, so a shared store would mix other tests' co-ops into the cells.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from core.db import db
from core.errors import Conflict
from federation.cli import main as coopfed
from services.stats import publish, rollups
from services.stats.disclosure import Outcome, serialise_cell
from services.stats.models import StatsCell, StatsCellRef, StatsRelease, StatsReleaseCoop
from tenants.registry.service import set_sharing, verify_for_statistics
from tests.fixtures.factories import create_coop, drain_jobs

LA = "W06000018"  # Caerphilly, in Gwent
WEEKS = ("2026-W01", "2026-W02")
CELL = ("la", LA, "clients", "week", "2026-W01", "", "")


def _coops(app, n: int, *, clients: int = 10, share: bool = True):
    made = []
    for _ in range(n):
        coop, _ = create_coop(app, la=LA)
        made.append(coop)
        with app.app_context():
            if share:
                set_sharing(coop.id, actor_account_id=None, shares_statistics=True)
                verify_for_statistics(coop.id, actor_account_id=None)
            for week in WEEKS:
                rows = [["clients", "", "", clients], ["care_hours", "", "", clients * 180],
                        ["visits", "", "", clients * 2]]
                for measure, value in list((r[0], r[3]) for r in rows):
                    rows += [[measure, "age_band", "85+", value],
                             [measure, "funding_source", "direct_payment", value],
                             [measure, "language", "en", value]]
                stored = rollups.store_week(coop.id, {"week": week, "revision": 1, "rows": rows})
                assert stored is share  # nothing is kept from a co-op that has not opted in
            db.session.commit()
    return made


def _publish(app) -> int:
    with app.app_context():
        release_id = publish.request_release().id
        db.session.commit()
    drain_jobs(app)
    return release_id


def _cell(app, release_id, key=CELL):
    with app.app_context():
        row = db.session.execute(select(StatsCell.value, StatsCell.status, StatsCell.reason)
                                 .where(StatsCell.release_id == release_id,
                                        *(getattr(StatsCell, c) == v for c, v in zip(
                                            ("geography_kind", "geography_code", "measure",
                                             "period_kind", "period", "breakdown",
                                             "category"), key, strict=True)))).one()
        return tuple(row)


def _why(app, release_id, key=CELL) -> str | None:
    """The reason a cell is suppressed, as kept in the restricted references (a release
    publishes only "suppressed")."""
    with app.app_context():
        return db.session.scalar(select(StatsCellRef.reason).where(
            StatsCellRef.release_id == release_id, StatsCellRef.cell_key == "|".join(key)))


def _serialised(app, release_id) -> bytes:
    columns = ("geography_kind", "geography_code", "measure", "period_kind", "period",
               "breakdown", "category")
    with app.app_context():
        rows = db.session.execute(select(
            *(getattr(StatsCell, c) for c in columns), StatsCell.value, StatsCell.reason)
            .where(StatsCell.release_id == release_id)).all()
    cells = sorted((tuple(r[:7]), Outcome(r[7], r[8])) for r in rows)
    return b"".join(serialise_cell(k, o) for k, o in cells)


@pytest.fixture
def fed(isolated_app):
    return isolated_app()


def test_a_release_is_published_with_its_progress_digest_and_version(fed):
    _coops(fed, 6)
    _coops(fed, 1, share=False)  # a second kind of co-op: one that keeps its figures
    first = _publish(fed)
    with fed.app_context():
        release = db.session.get(StatsRelease, first)
        assert (release.status, release.progress, release.version) == ("published", 100, 1)
        assert release.finished_at is not None and release.error is None
        stored = db.session.scalar(select(func.count()).select_from(StatsCell)
                                   .where(StatsCell.release_id == first))
        assert release.cell_count == stored > 0
        digest = release.output_digest
        consent = db.session.execute(select(StatsReleaseCoop.shares_statistics, func.count())
                                     .where(StatsReleaseCoop.release_id == first)
                                     .group_by(StatsReleaseCoop.shares_statistics)).all()
        assert dict(consent) == {True: 6, False: 1}
        # The job is idempotent: running it again on a published release changes nothing.
        assert publish.publish(first).output_digest == digest
    assert hashlib.sha256(_serialised(fed, first)).hexdigest() == digest
    assert _cell(fed, first) == (60, "shown", None)  # six co-ops × 10; the seventh is out
    # 6 × 10 clients × 3 hours (sent as minutes)
    assert _cell(fed, first, ("la", LA, "care_hours", "week", "2026-W01", "", "")) == (
        180, "shown", None)


def test_one_release_runs_at_a_time(fed):
    with fed.app_context():
        publish.request_release()
        db.session.commit()
        with pytest.raises(Conflict):
            publish.request_release()
        db.session.rollback()
    drain_jobs(fed)
    with fed.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatsRelease)) == 1


def test_the_same_inputs_give_a_byte_identical_release(fed):
    _coops(fed, 7)
    ids = [_publish(fed) for _ in range(3)]
    with fed.app_context():
        releases = [db.session.get(StatsRelease, i) for i in ids]
        assert [r.version for r in releases] == [1, 2, 3]
        assert len({r.output_digest for r in releases}) == 1
        assert releases[1].input_digest == releases[2].input_digest
    assert _serialised(fed, ids[0]) == _serialised(fed, ids[2])


def test_opting_out_takes_effect_at_the_next_release(fed):
    coops = _coops(fed, 11)
    first = _publish(fed)
    assert _cell(fed, first) == (110, "shown", None)
    with fed.app_context():
        for coop in coops[:5]:
            set_sharing(coop.id, actor_account_id=None, shares_statistics=False)
        db.session.commit()
    # Nothing published changes when a co-op opts out ...
    assert _cell(fed, first) == (110, "shown", None)
    # ... the next release leaves it out.
    second = _publish(fed)
    assert _cell(fed, second) == (60, "shown", None)
    with fed.app_context():
        out = db.session.scalars(select(StatsReleaseCoop.coop_id).where(
            StatsReleaseCoop.release_id == second,
            StatsReleaseCoop.shares_statistics.is_(False))).all()
    assert sorted(out) == sorted(c.id for c in coops[:5])


def test_a_cell_whose_co_ops_changed_by_fewer_than_five_is_held_back(fed):
    _coops(fed, 6)
    first = _publish(fed)
    assert _cell(fed, first) == (60, "shown", None)
    _coops(fed, 1)
    second = _publish(fed)
    # Shown, the difference from the last release would be the new co-op's own figure.
    assert _cell(fed, second) == (None, "suppressed", "suppressed")
    assert _why(fed, second) == "held_back"
    _coops(fed, 3)
    third = _publish(fed)  # four changed since the cell was last shown: still held back
    assert _cell(fed, third) == (None, "suppressed", "suppressed")
    assert _why(fed, third) == "held_back"
    _coops(fed, 1)
    fourth = _publish(fed)  # five changed: shown again
    assert _cell(fed, fourth) == (110, "shown", None)


def test_the_cli_publishes_and_refuses_bad_input(fed, make_account):
    _coops(fed, 5)
    runner = fed.test_cli_runner()
    bad = runner.invoke(coopfed, ["stats", "publish", "--by", "nobody@example.org"])
    assert bad.exit_code == 2
    assert "by: no federation admin has this email" in bad.output
    unknown = runner.invoke(coopfed, ["stats", "publish", "--colour", "red"])
    assert unknown.exit_code == 2 and "--colour" in unknown.output
    with fed.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatsRelease)) == 0
    good = runner.invoke(coopfed, ["stats", "publish"])
    assert good.exit_code == 0, good.output
    assert "release 1: published" in good.output


def test_only_verified_co_ops_count_and_one_accounts_co_ops_count_once(fed):
    """Issue 18: co-ops opened through /start count only once a federation admin has
    verified them, and co-ops opened by one account count as one for rule 3."""
    real = _coops(fed, 5)
    assert _cell(fed, _publish(fed)) == (50, "shown", None)
    # Four more co-ops opened by one new account, opted in but not verified: not counted.
    first, owner = create_coop(fed, la=LA)
    sybils = [first] + [create_coop(fed, la=LA, admin=owner)[0] for _ in range(3)]
    with fed.app_context():
        for coop in sybils:
            set_sharing(coop.id, actor_account_id=None, shares_statistics=True)
            assert rollups.store_week(coop.id, {"week": WEEKS[0], "revision": 1, "rows": [
                ["clients", "", "", 3], ["clients", "age_band", "85+", 3],
                ["clients", "funding_source", "direct_payment", 3],
                ["clients", "language", "en", 3]]})
        db.session.commit()
    second = _publish(fed)
    assert _cell(fed, second) == (50, "shown", None)  # unchanged: the same 5 co-ops
    # Verified, the four count as one contributor: beside one real co-op, rule 3 fails.
    # (Counted as four, the cell would pass it: five co-ops, 10 of 22 clients the largest.)
    with fed.app_context():
        for coop in real[1:]:
            set_sharing(coop.id, actor_account_id=None, shares_statistics=False)
        for coop in sybils:
            verify_for_statistics(coop.id, actor_account_id=None)
        db.session.commit()
    third = _publish(fed)
    assert _cell(fed, third)[:2] == (None, "suppressed")
    assert _why(fed, third) == "few_coops"


@pytest.mark.parametrize("people_each, shown", [(2, True), (1, False)])
def test_lent_hours_are_published_only_beside_the_people_lent_that_quarter(
        fed, people_each, shown):
    """Issue 18: six co-ops lend staff in the quarter's first week and no one in its last;
    before, the quarter took its last week's staff count and published "110 h lent, 0
    staff". Now the people lent is each co-op's peak week, so 110 h stand beside 12
    people (shown), or, with one person each, beside 6: both are suppressed."""
    for hours in (20, 20, 20, 20, 15, 15):
        coop, _ = create_coop(fed, la=LA)
        with fed.app_context():
            set_sharing(coop.id, actor_account_id=None, shares_statistics=True)
            verify_for_statistics(coop.id, actor_account_id=None)
            for week, minutes, people in (("2026-W01", hours * 60, people_each),
                                          ("2026-W13", 0, 0)):
                rows = [["clients", "", "", 9], ["clients", "age_band", "85+", 9],
                        ["clients", "funding_source", "direct_payment", 9],
                        ["clients", "language", "en", 9],
                        ["hours_lent_out", "", "", minutes], ["staff_lent_out", "", "", people],
                        ["hours_lent_in", "", "", 0], ["staff_lent_in", "", "", 0]]
                assert rollups.store_week(coop.id, {"week": week, "revision": 1, "rows": rows})
            db.session.commit()
    release = _publish(fed)
    for period_kind, period in (("quarter", "2026-Q1"), ("year", "2026")):
        hours = _cell(fed, release, ("la", LA, "hours_lent_out", period_kind, period, "", ""))
        staff = _cell(fed, release, ("la", LA, "staff_lent_out", period_kind, period, "", ""))
        if shown:
            assert hours == (110, "shown", None)
            assert staff[1] == "shown" and staff[0] >= 10, staff  # 12 ± the perturbation
        else:
            assert hours == staff == (None, "suppressed", "suppressed")
            staff_key = ("la", LA, "staff_lent_out", period_kind, period, "", "")
            assert _why(fed, release, staff_key) == "low_count"
            assert _why(fed, release, ("la", LA, "hours_lent_out", period_kind, period, "",
                                       "")) == "linked_person_cell"
