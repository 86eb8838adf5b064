"""Hours asked for but not filled include unfilled lending requests (issue 13).

A slot counts for the borrowing co-op once it has begun, if its request was not
cancelled and no loan was confirmed for it; a slot still to come, a cancelled request
and a filled one count nothing, and the hours land in the slot's ISO week.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.db import db
from services.lending.models import LendingAgreement, LendingRequest, LendingSlot
from services.stats import publish, rollups
from services.stats.cells import iso_week
from services.stats.models import StatsCell
from services.stats.unfilled import lending_unfilled_rows
from tenants.registry.service import set_sharing, verify_for_statistics
from tests.fixtures.factories import create_coop, drain_jobs

LA = "W06000018"
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)  # a Thursday; Wales is on GMT


def _request(borrower: int, slots: list[tuple[datetime, int]], *, state: str = "open",
             booked_by: int | None = None) -> int:
    request = LendingRequest(borrower_coop_id=borrower, la_code=LA, lat=51.58, lon=-3.22,
                             skills=[], skills_mask=0, continuity_refs=[], rate=Decimal("20"),
                             state=state)
    db.session.add(request)
    db.session.flush()
    for starts, minutes in slots:
        db.session.add(LendingSlot(request_id=request.id, starts_at=starts,
                                   ends_at=starts + timedelta(minutes=minutes)))
    if booked_by is not None:
        db.session.add(LendingAgreement(request_id=request.id, borrower_coop_id=borrower,
                                        lender_coop_id=booked_by, worker_ref="w-1",
                                        rate=Decimal("20"), state="confirmed"))
    db.session.flush()
    return request.id


def test_only_begun_unfilled_slots_count_for_their_borrower_in_their_week(isolated_app):
    app = isolated_app()
    (a, _), (b, _), (c, _) = (create_coop(app, la=LA) for _ in range(3))
    monday = datetime(2026, 3, 9, 9, 0)
    week = iso_week(monday.date())
    last_week = iso_week((monday - timedelta(days=7)).date())
    with app.app_context():
        _request(a.id, [(monday, 120), (monday + timedelta(days=1), 60),   # begun: 3 h
                        (monday + timedelta(days=5), 90)])                  # to come
        _request(a.id, [(monday - timedelta(days=7), 30)], state="expired")  # last week
        _request(a.id, [(monday, 600)], state="cancelled")
        _request(b.id, [(monday, 240)], state="filled", booked_by=c.id)     # filled
        _request(b.id, [(monday + timedelta(days=2), 45)])                   # b: 45 min
        _request(c.id, [(monday, 50)])                                       # c: not asked
        rows = lending_unfilled_rows({a.id, b.id}, {week, last_week}, NOW)
        only_this_week = lending_unfilled_rows({a.id, b.id}, {week}, NOW)
        db.session.rollback()
    assert rows == sorted([(a.id, week, "hours_unfilled", "", "", 180),
                           (a.id, last_week, "hours_unfilled", "", "", 30),
                           (b.id, week, "hours_unfilled", "", "", 45)])
    assert only_this_week == sorted([(a.id, week, "hours_unfilled", "", "", 180),
                                     (b.id, week, "hours_unfilled", "", "", 45)])


def test_a_release_adds_unfilled_lending_hours_to_the_co_ops_own(isolated_app):
    """Five co-ops share; each left 1 h of visits open and asked the pool for 2 h that
    nobody filled: the LA's week shows 15 h asked for but not filled."""
    app = isolated_app()
    week_start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=14)
    week = iso_week(week_start.date())
    coops = [create_coop(app, la=LA)[0] for _ in range(5)]
    with app.app_context():
        for coop in coops:
            set_sharing(coop.id, actor_account_id=None, shares_statistics=True)
            verify_for_statistics(coop.id, actor_account_id=None)
            assert rollups.store_week(coop.id, {"week": week, "revision": 1, "rows": [
                ["clients", "", "", 10], ["clients", "age_band", "85+", 10],
                ["clients", "funding_source", "direct_payment", 10],
                ["clients", "language", "en", 10], ["hours_unfilled", "", "", 60]]})
            _request(coop.id, [(week_start, 120)])
        db.session.commit()
        release_id = publish.request_release().id
        db.session.commit()
    drain_jobs(app)
    with app.app_context():
        value, reason = db.session.execute(
            select(StatsCell.value, StatsCell.reason).where(
                StatsCell.release_id == release_id, StatsCell.geography_kind == "la",
                StatsCell.geography_code == LA, StatsCell.measure == "hours_unfilled",
                StatsCell.period_kind == "week", StatsCell.period == week)).one()
    assert (value, reason) == (20, None)  # 5 × (1 h + 2 h) = 15 h, to the nearest 10
