"""The co-op's own append-only audit log: every read of a client record, and changes that matter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantBase
from core.ddl import make_append_only


class TenantAuditEvent(TenantBase):
    """One audited action inside a co-op."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_account_id: Mapped[int | None] = mapped_column(Integer)
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


make_append_only(TenantAuditEvent.__table__)
