"""The statistics demo: a published release with shown and suppressed cells, seeded once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.db import db
from services.stats import demo
from services.stats.models import StatsCell, StatsRelease
from tenants.registry.models import Coop


def test_the_demo_publishes_a_release_with_shown_and_suppressed_cells(isolated_app):
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
        statuses = dict(db.session.execute(
            select(StatsCell.status, func.count()).where(
                StatsCell.release_id == release.id, StatsCell.geography_code == "gwent",
                StatsCell.measure == "clients").group_by(StatsCell.status)).all())
        assert statuses["shown"] > 0 and statuses["suppressed"] > 0
        demo.seed(date.today())  # idempotent: nothing new
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(StatsRelease)) == 1
