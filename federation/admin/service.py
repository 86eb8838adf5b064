"""The federation admin's view of co-ops: lifecycle state, provisioning job status, and
suspend, reactivate and retry, each audited in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from core import audit
from core.db import db
from core.errors import Conflict
from services.jobs.backends import RQBackend
from tenants.provisioning import PROVISION_JOB, enqueue_provisioning
from tenants.registry.models import Coop, CoopState
from tenants.registry.service import change_state, coop_by_slug, verify_for_statistics

PAGE_SIZE = 25
# Job statuses that mean a provisioning attempt is already on its way.
WAITING = ("queued", "started", "scheduled", "deferred")

# What a co-op's state says about its provisioning job when the queue holds no record
# of it (in-process jobs, or RQ results that have expired).
_DERIVED = {
    CoopState.PENDING: "queued",
    CoopState.PROVISIONING: "started",
    CoopState.FAILED: "failed",
}


@dataclass(frozen=True)
class CoopRow:
    """One co-op on the admin's list, with its provisioning job's status."""

    coop: Coop
    job_status: str
    job_from_queue: bool


def coops_page(page: int, size: int = PAGE_SIZE) -> tuple[list[CoopRow], int]:
    """One page of co-ops, newest first, and how many co-ops there are."""
    total = db.session.scalar(select(func.count(Coop.id)))
    coops = list(db.session.scalars(select(Coop).order_by(Coop.id.desc())
                                    .offset((page - 1) * size).limit(size)))
    queued = _queue_statuses({coop.id for coop in coops})
    rows = []
    for coop in coops:
        status = queued.get(coop.id)
        rows.append(CoopRow(coop, status or _DERIVED.get(coop.state, "finished"),
                            status is not None))
    return rows, total


def _queue_statuses(coop_ids: set[int]) -> dict[int, str]:
    """The status of each co-op's latest provisioning job that RQ still remembers.

    RQ names its jobs itself, so the jobs are found through the provisioning queue and
    its registries (queued, started, scheduled for retry, failed, finished) and matched by
    their arguments: ``run_job(PROVISION_JOB, coop_id)``. With no Redis there is no queue.
    """
    backend = current_app.extensions["coopfed.jobs"]
    if not isinstance(backend, RQBackend) or not coop_ids:
        return {}
    from rq.job import Job
    from rq.registry import (
        DeferredJobRegistry,
        FailedJobRegistry,
        FinishedJobRegistry,
        ScheduledJobRegistry,
        StartedJobRegistry,
    )

    queue = backend.queue("provisioning")
    ids = set(queue.get_job_ids())
    for registry in (StartedJobRegistry, ScheduledJobRegistry, DeferredJobRegistry,
                     FailedJobRegistry, FinishedJobRegistry):
        ids.update(registry(queue=queue).get_job_ids())
    latest: dict[int, Job] = {}
    for job in Job.fetch_many(sorted(ids), connection=backend.redis):
        if job is None or len(job.args) < 2 or job.args[0] != PROVISION_JOB:
            continue
        coop_id = int(job.args[1])
        if coop_id in coop_ids and (coop_id not in latest or _when(job) > _when(latest[coop_id])):
            latest[coop_id] = job
    return {coop_id: job.get_status(refresh=False).value for coop_id, job in latest.items()}


def _when(job) -> float:
    return job.enqueued_at.timestamp() if job.enqueued_at else 0.0


def do_change_state(slug: str, action: str, *, actor_account_id: int,
                    reason: str | None = None) -> Coop:
    """Suspend or reactivate a co-op (the registry audits it)."""
    if action not in ("suspend", "reactivate"):
        raise ValueError(action)
    return change_state(slug, action, actor_account_id=actor_account_id, reason=reason)


def do_retry_provisioning(slug: str, *, actor_account_id: int) -> Coop:
    """Queue provisioning again for a co-op whose set-up failed; the job finishes it.

    The job is idempotent and keyed by the attempt, so pressing retry twice before the
    job starts queues it once.
    """
    coop = coop_by_slug(slug)
    if coop.state != CoopState.FAILED:
        raise Conflict(f"cannot retry a co-op that is {coop.state}")
    audit.record(db.session, "coop.provisioning_retried", actor_account_id=actor_account_id,
                 coop_id=coop.id, attempts=coop.provisioning_attempts)
    enqueue_provisioning(coop)
    db.session.flush()
    return coop


def do_verify_statistics(slug: str, *, actor_account_id: int) -> Coop:
    """Verify a co-op so its figures count in pooled statistics (the registry audits it).

    Conflict for a co-op that is not active: only a running co-op can be checked."""
    coop = coop_by_slug(slug)
    if coop.state != CoopState.ACTIVE:
        raise Conflict(f"cannot verify a co-op that is {coop.state}")
    return verify_for_statistics(coop.id, actor_account_id=actor_account_id)
