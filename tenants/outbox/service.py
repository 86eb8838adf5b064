"""Emitting outbox events from inside a co-op, and reading them back for the relay."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from core.jobs import enqueue_after_commit
from tenants.outbox.models import OutboxEvent
from tenants.store import TenantSession

RELAY_JOB = "services.outbox.tasks:relay_coop_outbox"


def emit(session: TenantSession, type_: str, **payload: int | str | None) -> OutboxEvent:
    """Write an event in the caller's transaction and ask for a relay once it commits."""
    event = OutboxEvent(event_id=str(uuid.uuid4()), type=type_, payload=payload)
    session.add(event)
    enqueue_after_commit(session, RELAY_JOB, session.tenant.id, queue="outbox",
                         job_id=f"relay-{session.tenant.id}")
    return event


def undelivered(session: TenantSession, limit: int = 500,
                types: Collection[str] | None = None) -> list[OutboxEvent]:
    """The oldest events not yet delivered; of ``types`` only, when given."""
    stmt = select(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))
    if types is not None:
        stmt = stmt.where(OutboxEvent.type.in_(sorted(types)))
    return list(session.scalars(stmt.order_by(OutboxEvent.id).limit(limit)))


def pending_except(session: TenantSession, types: Collection[str]) -> dict[str, int]:
    """How many undelivered events there are of each type not in ``types``."""
    rows = session.execute(
        select(OutboxEvent.type, func.count()).where(
            OutboxEvent.delivered_at.is_(None), OutboxEvent.type.not_in(sorted(types)))
        .group_by(OutboxEvent.type))
    return dict(rows.all())


def mark_delivered(session: TenantSession, ids: list[int]) -> None:
    """Record that these events reached the federation."""
    if ids:
        session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids))
                        .values(delivered_at=datetime.now(UTC)))
