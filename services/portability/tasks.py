"""Jobs of data portability: build an archive, remove expired ones, finish co-ops' leaving.

Each takes ids only and can run twice without harm.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from core import audit
from core.db import db
from services.portability import leaving, service
from services.portability.archive import file_sha256
from services.portability.export import export_coop
from services.portability.models import CoopLeaving, PortabilityJob
from services.portability.subject_access import export_subject


def build(job_id: int) -> str:
    """Job: build the archive of one export or subject-access job; returns its state."""
    job = db.session.get(PortabilityJob, int(job_id))
    if job is None or job.state not in service.OPEN_STATES:
        return job.state if job else "missing"
    job.state = "running"
    job.progress = 0
    db.session.commit()
    path = service.exports_dir() / service.new_file_name(job)

    def progress(done: int, total: int) -> None:
        job.progress = min(99, int(100 * done / max(total, 1)))
        db.session.commit()  # so the page's progress bar moves while the job runs

    try:
        if job.kind == "coop_export":
            export_coop(job.coop_id, path, progress)
        else:
            export_subject(job, path, progress)
    except Exception as exc:  # noqa: BLE001 - the failure is recorded for the person
        db.session.rollback()
        path.unlink(missing_ok=True)
        job = db.session.get(PortabilityJob, int(job_id))
        job.state = "failed"
        job.error = f"{type(exc).__name__}: {exc}"[:500]
        audit.record(db.session, f"{job.kind}.failed", coop_id=job.coop_id, job_id=job.id,
                     outcome="error")
        return job.state
    keep_until = db.session.scalar(select(CoopLeaving.leaves_at).where(
        CoopLeaving.export_job_id == job.id))
    service.finished(job, path, file_sha256(path), keep_until)
    audit.record(db.session, f"{job.kind}.built", coop_id=job.coop_id, job_id=job.id,
                 sha256=job.sha256, bytes=job.size_bytes)
    return job.state


def expire_files() -> int:
    """Job (hourly): remove archives nobody downloaded in time; returns how many."""
    now = datetime.now(UTC)
    expired = 0
    for job in db.session.scalars(select(PortabilityJob).where(
            PortabilityJob.state == "ready", PortabilityJob.expires_at <= now)):
        (service.exports_dir() / job.file_name).unlink(missing_ok=True)
        job.state = "expired"
        expired += 1
    for job in db.session.scalars(select(PortabilityJob).where(
            PortabilityJob.state == "downloaded", PortabilityJob.file_name.is_not(None))):
        (service.exports_dir() / job.file_name).unlink(missing_ok=True)
        job.file_name = None
    return expired


def sweep_leavings() -> int:
    """Job (hourly): finish every leaving whose grace period is over; returns how many."""
    now = datetime.now(UTC)
    due = list(db.session.scalars(select(CoopLeaving.id).where(
        CoopLeaving.state == "grace", CoopLeaving.leaves_at <= now)))
    for leaving_id in due:
        leaving.do_complete_leaving(leaving_id)
        db.session.commit()
    return len(due)
