"""The federation's append-only audit log: sign-ins, refused access, lifecycle changes.

Rows are added to the caller's session, so the record commits or rolls back with the
change it describes. The database refuses UPDATE and DELETE on this table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import FederationBase
from core.ddl import make_append_only


class AuditEvent(FederationBase):
    """One audited event. ``detail`` holds ids and codes, never personal data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    coop_id: Mapped[int | None] = mapped_column(Integer, index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


def record(
    session: Session, action: str, *, actor_account_id: int | None = None,
    coop_id: int | None = None, outcome: str = "ok", ip: str | None = None, **detail,
) -> AuditEvent:
    """Add an audit row to ``session``; it commits with the caller's change."""
    event = AuditEvent(
        action=action, actor_account_id=actor_account_id, coop_id=coop_id,
        outcome=outcome, ip=ip, detail=detail)
    session.add(event)
    return event


make_append_only(AuditEvent.__table__)


def record_now(action: str, **fields) -> None:
    """Write an audit row in a transaction of its own.

    For refusals and failed sign-ins: the request that triggered them is rolled back,
    but the record of the attempt must stay.
    """
    from core.db import db

    with Session(db.engine) as session, session.begin():
        record(session, action, **fields)
