"""Export jobs: asked for by a co-op admin (or a person, for their own data), built by a job,
downloaded once, every step audited.

Archives wait in ``<instance>/exports/`` under an unguessable name until they are
downloaded or expire; the periodic ``expire_files`` job removes what is left.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.jobs import enqueue_after_commit
from services.portability.export import export_coop
from services.portability.models import PortabilityJob
from services.portability.text import _
from tenants.registry.models import Coop

BUILD_JOB = "services.portability.tasks:build"
#: How long a finished archive waits to be downloaded.
KEEP_FILE = timedelta(days=7)
OPEN_STATES = ("queued", "running")


def exports_dir() -> Path:
    """Where finished archives wait for their download."""
    path = Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def do_export_to_file(slug: str, out: str) -> dict:
    """Export a co-op straight to ``out`` (the CLI), with an audit row; returns the manifest."""
    coop = db.session.scalar(select(Coop).where(Coop.slug == slug))
    if coop is None:
        raise NotFound(_("There is no co-op with the slug %(slug)s.", slug=slug))
    manifest = export_coop(coop.id, out)
    audit.record(db.session, "coop.exported", coop_id=coop.id, via="cli",
                 schema_head=manifest["schema_head"])
    return manifest


def request_coop_export(coop_id: int, actor_account_id: int | None) -> PortabilityJob:
    """Queue an export of the co-op (or return the one already waiting), audited."""
    job = db.session.scalar(select(PortabilityJob).where(
        PortabilityJob.kind == "coop_export", PortabilityJob.coop_id == coop_id,
        PortabilityJob.state.in_(OPEN_STATES)))
    if job is not None:
        return job
    job = PortabilityJob(kind="coop_export", coop_id=coop_id, state="queued", progress=0,
                         requested_by_account_id=actor_account_id)
    db.session.add(job)
    db.session.flush()
    audit.record(db.session, "coop.export_requested", actor_account_id=actor_account_id,
                 coop_id=coop_id, job_id=job.id)
    enqueue_after_commit(db.session, BUILD_JOB, job.id, job_id=f"portability-{job.id}")
    return job


def jobs_of_coop(coop_id: int, limit: int = 10) -> list[PortabilityJob]:
    """The co-op's latest export jobs, newest first."""
    return list(db.session.scalars(select(PortabilityJob).where(
        PortabilityJob.kind == "coop_export", PortabilityJob.coop_id == coop_id)
        .order_by(PortabilityJob.id.desc()).limit(limit)))


def get_job(job_id: int, kind: str, *, coop_id: int | None = None,
            subject_account_id: int | None = None) -> PortabilityJob:
    """A job of this kind, of this co-op (or of this person); anyone else's answers 404."""
    job = db.session.get(PortabilityJob, job_id)
    if job is None or job.kind != kind or (coop_id is not None and job.coop_id != coop_id) or (
            subject_account_id is not None and (job.subject_account_id != subject_account_id
                                                or job.requested_by_account_id
                                                != subject_account_id)):
        raise NotFound()
    return job


def do_take_download(job: PortabilityJob, actor_account_id: int) -> Path:
    """Mark the archive downloaded (it can be fetched once) and return its path, audited."""
    if job.state != "ready" or not job.file_name:
        raise Conflict(_("This archive has already been downloaded or has expired. "
                         "Ask for a new one."))
    path = exports_dir() / job.file_name
    if not path.is_file():
        job.state = "expired"
        raise Conflict(_("This archive is no longer on the server. Ask for a new one."))
    job.state = "downloaded"
    job.downloaded_at = datetime.now(UTC)
    audit.record(db.session, f"{job.kind}.downloaded", actor_account_id=actor_account_id,
                 coop_id=job.coop_id, job_id=job.id, sha256=job.sha256)
    return path


def new_file_name(job: PortabilityJob) -> str:
    """An unguessable file name for the job's archive."""
    return f"{job.kind}-{job.id}-{secrets.token_hex(16)}.zip"


def finished(job: PortabilityJob, path: Path, sha256: str, keep_until: datetime | None = None
             ) -> None:
    """Record a built archive as ready to download."""
    job.state = "ready"
    job.progress = 100
    job.file_name = path.name
    job.sha256 = sha256
    job.size_bytes = path.stat().st_size
    job.finished_at = datetime.now(UTC)
    if keep_until is not None and keep_until.tzinfo is None:
        keep_until = keep_until.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    job.expires_at = max(job.finished_at + KEEP_FILE, keep_until or job.finished_at)


def request_subject_access(account_id: int) -> PortabilityJob:
    """Queue the archive of everything held about the signed-in person, audited."""
    job = db.session.scalar(select(PortabilityJob).where(
        PortabilityJob.kind == "subject_access", PortabilityJob.subject_account_id == account_id,
        PortabilityJob.requested_by_account_id == account_id,
        PortabilityJob.state.in_(OPEN_STATES)))
    if job is not None:
        return job
    job = PortabilityJob(kind="subject_access", subject_account_id=account_id, state="queued",
                         progress=0, requested_by_account_id=account_id)
    db.session.add(job)
    db.session.flush()
    audit.record(db.session, "subject_access.requested", actor_account_id=account_id,
                 subject_account_id=account_id, job_id=job.id)
    enqueue_after_commit(db.session, BUILD_JOB, job.id, job_id=f"portability-{job.id}")
    return job


def request_subject_access_for(coop_id: int, kind: str, record_id: int, exists: bool,
                               actor_account_id: int) -> PortabilityJob:
    """Queue a coordinator's subject-access archive for a member or worker of their co-op.

    ``exists`` says whether the record was found in the co-op's store (the view looks it
    up in the co-op's session); the request is refused by field otherwise.
    """
    if kind not in ("member", "worker"):
        raise ValidationError({"kind": [_("Choose a member or a worker.")]})
    if not exists:
        raise ValidationError({"record_id": [_("There is no such %(kind)s in this co-op.",
                                               kind=kind)]})
    ref = f"{kind}:{record_id}"
    job = PortabilityJob(kind="subject_access", coop_id=coop_id, subject_ref=ref,
                         state="queued", progress=0, requested_by_account_id=actor_account_id)
    db.session.add(job)
    db.session.flush()
    audit.record(db.session, "subject_access.requested", actor_account_id=actor_account_id,
                 coop_id=coop_id, subject=ref, job_id=job.id)
    enqueue_after_commit(db.session, BUILD_JOB, job.id, job_id=f"portability-{job.id}")
    return job


def subject_jobs(*, account_id: int | None = None, coop_id: int | None = None,
                 limit: int = 10) -> list[PortabilityJob]:
    """A person's own subject-access jobs, or those a co-op's coordinators asked for."""
    query = select(PortabilityJob).where(PortabilityJob.kind == "subject_access")
    if account_id is not None:
        query = query.where(PortabilityJob.subject_account_id == account_id,
                            PortabilityJob.requested_by_account_id == account_id)
    else:
        query = query.where(PortabilityJob.coop_id == coop_id,
                            PortabilityJob.subject_ref.is_not(None))
    return list(db.session.scalars(query.order_by(PortabilityJob.id.desc()).limit(limit)))
