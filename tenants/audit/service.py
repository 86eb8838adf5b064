"""Writing to the co-op's audit log in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tenants.audit.models import TenantAuditEvent


def record(session: Session, action: str, *, actor_account_id: int | None = None,
           subject_type: str | None = None, subject_id: int | None = None,
           **detail) -> TenantAuditEvent:
    """Add an audit row to the co-op's session; it commits with the change it records."""
    event = TenantAuditEvent(action=action, actor_account_id=actor_account_id,
                             subject_type=subject_type, subject_id=subject_id, detail=detail)
    session.add(event)
    return event
