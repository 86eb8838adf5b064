"""The statistics demo: a published release with shown and suppressed cells, seeded once.

Issue 13's must-show: named and open co-ops in Gwent show both rules at work; the Gwent
analyst sees co-ops by type, people supported and quarterly care hours for Gwent; and
at least half of the RPB × quarter cells of the main measures are published.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.db import db
from services.stats import demo
from services.stats.models import StatsCell, StatsCellRef, StatsRelease, StatsReleaseCoop
from tenants.registry.models import Coop

MAIN_MEASURES = ("clients", "care_hours", "visits", "workers", "members")


def _share(release_id, *where) -> tuple[int, int]:
    rows = dict(db.session.execute(
        select(StatsCell.status, func.count()).where(
            StatsCell.release_id == release_id, StatsCell.geography_kind == "rpb",
            StatsCell.period_kind == "quarter", StatsCell.measure.in_(MAIN_MEASURES), *where)
        .group_by(StatsCell.status)).all())
    return rows.get("shown", 0), sum(rows.values())


def test_the_demo_publishes_a_release_that_shows_both_rules_at_work(isolated_app):
    app = isolated_app()
    with app.app_context():
        demo.seed(date.today())
        db.session.commit()
        coops = db.session.execute(select(Coop.state, Coop.shares_statistics).where(
            Coop.slug.like("demo-stats-%"))).all()
        assert len(coops) == len(demo.DEMO_COOPS)
        assert set(coops) == {("active", True)}
        release = db.session.scalars(select(StatsRelease)).one()
        assert release.status == "published"
        named = db.session.scalars(select(StatsReleaseCoop.named_as).where(
            StatsReleaseCoop.release_id == release.id,
            StatsReleaseCoop.named_as.is_not(None))).all()
        assert len(named) == len(demo.NAMED)

        def gwent(measure, breakdown=""):
            return db.session.execute(select(StatsCell.category, StatsCell.value,
                                             StatsCell.reason).where(
                StatsCell.release_id == release.id, StatsCell.geography_code == "gwent",
                StatsCell.measure == measure, StatsCell.period_kind == "quarter",
                StatsCell.breakdown == breakdown)).all()

        # People supported (rounded) and care hours for Gwent, every quarter.
        for measure in ("clients", "care_hours"):
            cells = gwent(measure)
            assert cells and all(v is not None and v % 5 == 0 for _, v, _ in cells), cells
        # Co-ops by type: named types are shown; a lone open foster co-op is not.
        by_type = gwent("clients", "coop_type")
        shown_types = {c for c, v, _ in by_type if v is not None}
        assert {"worker", "user_led", "multi_stakeholder"} <= shown_types
        assert {r for c, _, r in by_type if c == "foster"} == {"suppressed"}
        # The organisation rule still protects the open co-ops in each Gwent LA (the
        # reason stays in the restricted references: a release says only "suppressed").
        reasons = set(db.session.scalars(select(StatsCellRef.reason).where(
            StatsCellRef.release_id == release.id,
            StatsCellRef.cell_key.like("la|W06000018|%"))))
        assert "few_coops" in reasons
        # At least half of the RPB × quarter cells of the main measures are published,
        # across Wales and in Gwent, breakdowns included.
        shown, cells = _share(release.id)
        assert shown * 2 >= cells, (shown, cells)
        shown, cells = _share(release.id, StatsCell.geography_code == "gwent")
        assert shown * 2 >= cells, (shown, cells)
        print(f"demo release: Gwent RPB x quarter {shown}/{cells}")
        demo.seed(date.today())  # idempotent: nothing new
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(StatsRelease)) == 1
