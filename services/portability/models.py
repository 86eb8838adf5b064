"""Federation records of data portability: export and subject-access jobs, co-ops leaving,
and co-ops brought in from an archive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase
from tenants.vocabulary import in_list

JOB_KINDS = ("coop_export", "subject_access")
JOB_STATES = ("queued", "running", "ready", "downloaded", "failed", "expired")
LEAVING_STATES = ("grace", "cancelled", "completed")


class PortabilityJob(FederationBase):
    """An archive being built for someone: a co-op's export, or a person's own data.

    The file lives in the instance folder until it is downloaded, once, or expires.
    ``subject_ref`` names the person of a subject-access request made by a coordinator
    for someone without an account (``member:<id>`` or ``worker:<id>`` in ``coop_id``).
    """

    __tablename__ = "portability_jobs"
    __table_args__ = (
        CheckConstraint(in_list("kind", JOB_KINDS), name="kind"),
        CheckConstraint(in_list("state", JOB_STATES), name="state"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        CheckConstraint("kind <> 'coop_export' OR coop_id IS NOT NULL", name="export_has_coop"),
        CheckConstraint("kind <> 'subject_access' OR subject_account_id IS NOT NULL "
                        "OR (coop_id IS NOT NULL AND subject_ref IS NOT NULL)",
                        name="subject_named"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    coop_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="SET NULL"), index=True)
    requested_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"), index=True)
    subject_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="CASCADE"), index=True)
    subject_ref: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CoopLeaving(FederationBase):
    """A co-op's decision to leave the federation, and where it stands.

    During the grace period the co-op can cancel; after ``leaves_at`` the periodic
    job drops its store and reduces its federation records to what other co-ops'
    ledgers need. At most one leaving is open per co-op.
    """

    __tablename__ = "coop_leavings"
    __table_args__ = (
        CheckConstraint(in_list("state", LEAVING_STATES), name="state"),
        CheckConstraint("grace_days BETWEEN 0 AND 365", name="grace_days"),
        CheckConstraint("state <> 'completed' OR completed_at IS NOT NULL",
                        name="completed_has_time"),
        Index("uq_coop_leavings_open", "coop_id", unique=True,
              sqlite_where=text("state = 'grace'"), postgresql_where=text("state = 'grace'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="grace")
    started_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    grace_days: Mapped[int] = mapped_column(Integer)
    leaves_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    export_job_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.portability_jobs.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CoopImport(FederationBase):
    """A co-op created from an archive: which archive, so importing it again changes nothing."""

    __tablename__ = "coop_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), unique=True)
    archive_sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_slug: Mapped[str] = mapped_column(String(40))
    schema_head: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
