"""The federation's append-only audit log: sign-ins, refused access, lifecycle changes.

Rows are added to the caller's session, so the record commits or rolls back with the
change it describes. The database refuses UPDATE and DELETE on this table.
"""

from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context
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


def record_despite_rollback(action: str, **fields) -> None:
    """Audit a refusal or a failed attempt: kept even though the request itself rolls back.

    Inside a request the row waits in ``g`` until the boundary has rolled back the
    request's transaction, then commits on its own; outside a request it commits now.
    """
    if has_request_context():
        g.setdefault("coopfed_lasting_audit", []).append((action, fields))
        return
    from core.db import db

    with Session(db.engine) as session, session.begin():
        record(session, action, **fields)


def write_lasting(session: Session) -> bool:
    """Add the rows ``record_despite_rollback`` queued in this request; True if there were any."""
    queued = g.pop("coopfed_lasting_audit", None)
    for action, fields in queued or ():
        record(session, action, **fields)
    return bool(queued)
