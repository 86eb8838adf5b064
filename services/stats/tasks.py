"""Jobs of the statistics service: sending co-ops' rollups, and publishing a release.

Jobs take ids only and are idempotent; the runner commits the federation session and
the co-op session a job opened.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from core.db import db
from core.jobs import JobRequest, dispatch_now
from core.timeutil import utcnow
from services.jobs import leases
from services.stats import publish, rollups
from services.stats.cells import week_monday
from services.stats.models import StatsRollup, StatsRollupWeek
from tenants.context import bind_tenant, tenant_session
from tenants.registry.models import Coop, CoopState
from tenants.stats import service as tenant_stats
from tenants.store import TenantRef

ROLLUP_JOB = "services.stats.tasks:rollup_coop"
WEEK_JOB = "services.stats.tasks:rollup_week"
WEEKS_SWEPT = 53  # a year of complete weeks, so a late correction is still picked up


def publish_release(release_id: int):
    """Job: build and publish a running release, holding its lease while it works.

    The lease (renewed by a heartbeat) is what "running" means: if this job dies, the
    lease lapses, and the sweeper queues the release again or a new request replaces it.
    """
    try:
        with leases.holding(publish.lease_key(int(release_id))):
            release = publish.publish(int(release_id))
            status = None if release is None else release.status
            # Commit before the lease is dropped: the release must never look "running"
            # with no lease, and on SQLite the lease's own write needs the lock.
            db.session.commit()
    except leases.LeaseHeld:
        return "running elsewhere"
    return status


def sweep_releases() -> int:
    """Periodic job: queue again every running release whose job is gone (lease lapsed)."""
    ids = publish.lapsed_releases()
    dispatch_now([JobRequest(publish.PUBLISH_JOB, (i,), "default", f"stats-publish-{i}")
                  for i in ids])
    return len(ids)


def rollup_coop(coop_id: int) -> list[str]:
    """Job: send every changed week of the last year of a co-op's rollups.

    A co-op that has not opted in sends nothing, and what the federation held of it is
    dropped (it already stopped counting at the release after it opted out).
    """
    return _rollup(int(coop_id), tenant_stats.complete_weeks(_today(), WEEKS_SWEPT))


def rollup_week(coop_id: int, iso_week: str) -> list[str]:
    """Job: send one week of a co-op's rollups again if its figures changed."""
    week_monday(iso_week)  # ValueError on anything but an ISO week
    if iso_week not in tenant_stats.complete_weeks(_today(), WEEKS_SWEPT):
        return []  # a week still running (or older than a year) is not published
    return _rollup(int(coop_id), [iso_week])


def sweep_rollups() -> int:
    """Periodic job: queue ``rollup_coop`` for every active co-op; returns how many."""
    ids = db.session.scalars(select(Coop.id).where(Coop.state == CoopState.ACTIVE)
                             .order_by(Coop.id)).all()
    dispatch_now([JobRequest(ROLLUP_JOB, (i,), "default", f"stats-rollup-{i}") for i in ids])
    return len(ids)


def _rollup(coop_id: int, weeks: list[str]) -> list[str]:
    coop = db.session.get(Coop, coop_id)
    if coop is None or coop.state != CoopState.ACTIVE:
        return []
    bind_tenant(TenantRef(coop.id, coop.slug))
    session = tenant_session()
    if not coop.shares_statistics:
        tenant_stats.forget_sent(session)
        db.session.execute(delete(StatsRollup).where(StatsRollup.coop_id == coop_id))
        db.session.execute(delete(StatsRollupWeek).where(StatsRollupWeek.coop_id == coop_id))
        return []
    # Weeks the federation lacks (dropped at an opt-out, say) are sent whatever the digest.
    held = rollups.weeks_held(coop_id)
    return tenant_stats.publish_weeks(session, weeks, resend=[w for w in weeks if w not in held])


def _today() -> date:
    return utcnow().date()
