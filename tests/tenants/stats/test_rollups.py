"""A co-op's weekly rollups: computed from its own store, sent through the outbox only when
a week changes, stored once by the federation, and only for co-ops that opted in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.db import db
from core.jobs import enqueue_after_commit
from services.stats import rollups
from services.stats.models import StatsRollup, StatsRollupWeek
from tenants.clients.models import ClientNeed
from tenants.outbox.models import OutboxEvent
from tenants.registry.service import set_sharing
from tenants.stats import service as tenant_stats
from tests.tenants.rota.helpers import make_client, make_member, make_visit, make_worker

ROLLUP = "services.stats.tasks:rollup_coop"


def _last_week() -> tuple[str, datetime]:
    week = tenant_stats.complete_weeks(date.today(), 1)[0]
    year, number = week.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    return week, datetime.combine(monday, datetime.min.time())


def _share(app, coop, value=True):
    with app.app_context():
        set_sharing(coop.id, actor_account_id=None, shares_statistics=value)
        db.session.commit()


def _roll(app, run_jobs, coop):
    with app.app_context():
        enqueue_after_commit(db.session, ROLLUP, coop.id, job_id=f"test-roll-{coop.id}")
        db.session.commit()
    run_jobs()
    run_jobs()  # the relay the rollup job asked for


def _held(app, coop, week):
    with app.app_context():
        revision = db.session.scalar(select(StatsRollupWeek.revision).where(
            StatsRollupWeek.coop_id == coop.id, StatsRollupWeek.week == week))
        values = dict(((m, b, c), v) for m, b, c, v in db.session.execute(
            select(StatsRollup.measure, StatsRollup.breakdown, StatsRollup.category,
                   StatsRollup.value).where(StatsRollup.coop_id == coop.id,
                                            StatsRollup.week == week)))
        return revision, values


def _events(coop_session, coop):
    with coop_session(coop) as session:
        return session.scalar(select(func.count(OutboxEvent.id)).where(
            OutboxEvent.type == tenant_stats.EVENT))


@pytest.fixture
def care(app, coop_session, two_coops):
    """Both co-ops deliver care last week; only the first has opted in."""
    (a, _), (b, _) = two_coops
    week, monday = _last_week()
    for coop in (a, b):
        with coop_session(coop) as session:
            worker = make_worker(session, welsh_level="fluent")
            make_member(session)
            first = make_client(session, age_band="85+", funding_source="direct_payment",
                                preferred_language="cy")
            session.add(ClientNeed(client_id=first, need_type="dementia"))
            second = make_client(session, age_band="65-74", funding_source="self_funded")
            make_visit(session, first, monday + timedelta(hours=9), 90, worker_id=worker,
                       status="completed")
            make_visit(session, second, monday + timedelta(days=1, hours=9), 30,
                       worker_id=worker, status="completed")
            make_visit(session, second, monday + timedelta(days=2, hours=9), 30,
                       worker_id=worker, status="missed")
    _share(app, a)
    return a, b, week, monday


def test_a_week_is_rolled_up_from_the_co_ops_own_store(app, run_jobs, care):
    a, b, week, _ = care
    _roll(app, run_jobs, a)
    revision, values = _held(app, a, week)
    assert revision == 1
    assert values[("visits", "", "")] == 2  # the missed visit is not care delivered
    assert values[("care_hours", "", "")] == 120  # minutes: 90 + 30
    assert values[("clients", "", "")] == 2
    assert values[("clients", "age_band", "85+")] == 1
    assert values[("clients", "need_type", "dementia")] == 1
    assert values[("clients", "language", "cy")] == 1
    assert values[("workers", "language", "cy")] == 1
    assert values[("members", "", "")] >= 1
    assert ("clients", "coop_type", "worker") not in values  # the federation derives it


def test_a_co_op_that_has_not_opted_in_sends_nothing(app, run_jobs, coop_session, care):
    a, b, week, _ = care
    _roll(app, run_jobs, b)
    assert _events(coop_session, b) == 0
    assert _held(app, b, week) == (None, {})


def test_the_same_event_twice_is_stored_once(app, run_jobs, coop_session, care):
    a, _, week, _ = care
    _roll(app, run_jobs, a)
    with coop_session(a) as session:
        event = session.scalars(select(OutboxEvent).where(
            OutboxEvent.type == tenant_stats.EVENT,
            OutboxEvent.payload["week"].as_string() == week)).one()
        payload = dict(event.payload)
    before = _held(app, a, week)
    with app.app_context():
        assert rollups.store_week(a.id, payload) is False  # same revision: nothing to do
        assert rollups.store_week(a.id, payload) is False
        db.session.commit()
        rows = db.session.scalar(select(func.count()).select_from(StatsRollup).where(
            StatsRollup.coop_id == a.id, StatsRollup.week == week))
    assert _held(app, a, week) == before
    assert rows == len(before[1])


def test_an_older_revision_never_overwrites_a_newer_one(app, care):
    a, _, week, _ = care
    with app.app_context():
        newer = {"week": week, "revision": 3, "rows": [["members", "", "", 9]]}
        older = {"week": week, "revision": 2, "rows": [["members", "", "", 4]]}
        assert rollups.store_week(a.id, newer) is True
        assert rollups.store_week(a.id, older) is False
        db.session.commit()
    assert _held(app, a, week) == (3, {("members", "", ""): 9})


def test_only_a_changed_week_is_sent_again(app, run_jobs, coop_session, care):
    a, _, week, monday = care
    _roll(app, run_jobs, a)
    sent = _events(coop_session, a)
    _roll(app, run_jobs, a)
    assert _events(coop_session, a) == sent  # nothing changed, nothing sent
    with coop_session(a) as session:
        client = make_client(session, age_band="18-24")
        make_visit(session, client, monday + timedelta(days=3, hours=10), 60,
                   status="completed")
    _roll(app, run_jobs, a)
    assert _events(coop_session, a) == sent + 1  # exactly one week, the changed one
    revision, values = _held(app, a, week)
    assert revision == 2
    assert values[("visits", "", "")] == 3
    assert values[("clients", "age_band", "18-24")] == 1


def test_opting_out_drops_the_co_ops_rollups_and_opting_in_sends_them_again(
        app, run_jobs, care):
    a, _, week, _ = care
    _roll(app, run_jobs, a)
    _share(app, a, False)
    _roll(app, run_jobs, a)
    assert _held(app, a, week) == (None, {})
    _share(app, a, True)
    _roll(app, run_jobs, a)
    revision, values = _held(app, a, week)
    assert revision == 2 and values[("visits", "", "")] == 2


@pytest.mark.parametrize("payload, field", [
    ({"week": "2026-W60", "revision": 1, "rows": []}, "week"),
    ({"week": "2026-W05", "revision": 0, "rows": []}, "revision"),
    ({"week": "2026-W05", "revision": 1, "rows": [["visits", "", "", -1]]}, "rows"),
    ({"week": "2026-W05", "revision": 1, "rows": [["clients", "coop_type", "worker", 3]]},
     "rows"),
    ({"week": "2026-W05", "revision": 1, "rows": [["clients", "", "", 3],
                                                  ["clients", "", "", 4]]}, "rows"),
    ({"week": "2026-W05", "revision": 1, "rows": [["workers", "", "", 3],
                                                  ["workers", "language", "cy", 2]]}, "rows"),
    ({"week": "2026-W05", "revision": 1, "rows": [["clients", "age_band", "85+", 2]]},
     "rows"),
])
def test_a_malformed_rollup_is_refused_naming_the_field(app, care, payload, field):
    a, *_ = care
    with app.app_context():
        with pytest.raises(rollups.ValidationError) as caught:
            rollups.parse_rows(payload)
        assert field in caught.value.errors
        assert rollups.store_week(a.id, payload) is False
        db.session.commit()
    assert _held(app, a, "2026-W05") == (None, {})


def test_the_week_job_republishes_just_that_week(app, run_jobs, coop_session, care):
    a, _, week, monday = care
    with coop_session(a) as session:
        client = make_client(session)
        make_visit(session, client, monday + timedelta(days=4, hours=8), 45,
                   status="completed")
    with app.app_context():
        enqueue_after_commit(db.session, "services.stats.tasks:rollup_week", a.id, week)
        db.session.commit()
    run_jobs()
    run_jobs()
    revision, values = _held(app, a, week)
    assert revision == 1 and values[("visits", "", "")] == 3
    assert _events(coop_session, a) == 1  # one week only, not the whole year
    with app.app_context():
        from services.stats.tasks import rollup_week

        with pytest.raises(ValueError):
            rollup_week(a.id, "last week")
        assert rollup_week(a.id, tenant_stats.iso_week(date.today())) == []  # still running


def test_unfilled_and_welsh_hours_and_joiners_are_counted_in_their_week(two_coops, coop_session):
    """Issue 13's measures: hours asked for but not filled (visits with no worker), hours
    of visits needing Welsh against those a Welsh speaker gave, and workers who joined."""
    (coop, _), (other, _) = two_coops
    week, monday = _last_week()
    with coop_session(coop) as session:
        fluent = make_worker(session, welsh_level="fluent", started_on=monday.date())
        english = make_worker(session, welsh_level="none")
        client = make_client(session, preferred_language="cy")
        make_visit(session, client, monday + timedelta(hours=9), 60, worker_id=fluent,
                   status="completed", welsh_required=True)
        make_visit(session, client, monday + timedelta(days=1, hours=9), 30,
                   worker_id=english, status="completed", welsh_required=True)
        make_visit(session, client, monday + timedelta(days=2, hours=9), 45)  # no worker
        make_visit(session, client, monday + timedelta(days=3, hours=9), 15,
                   status="cancelled")  # cancelled: asked for nothing
        rows = {(m, b, c): v for m, b, c, v in tenant_stats.compute(session, [week])[week]}
    assert rows[("hours_unfilled", "", "")] == 45
    assert rows[("welsh_hours_required", "", "")] == 90
    assert rows[("welsh_hours_delivered", "", "")] == 60
    assert rows[("workers_joined", "", "")] == 1
    with coop_session(other) as session:
        rows = {(m, b, c): v for m, b, c, v in tenant_stats.compute(session, [week])[week]}
    assert [rows[(m, "", "")] for m in ("hours_unfilled", "welsh_hours_required",
                                        "welsh_hours_delivered", "workers_joined")] == [0] * 4
    # The federation accepts them as known cells.
    assert rollups.parse_rows({"week": week, "revision": 1,
                               "rows": [list(k) + [v] for k, v in rows.items()]})
