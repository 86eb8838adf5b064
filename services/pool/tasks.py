"""Jobs of the pool: publish one consent's profile, or refresh a whole co-op's."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from services.pool import service
from tenants.context import store
from tenants.lending.service import do_request_refresh
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef


def sync_consent(coop_id: int, consent_id: int) -> str:
    """Job: publish, refresh or remove one consent's profile (idempotent)."""
    return service.do_sync_consent(int(coop_id), int(consent_id))


def refresh_all() -> int:
    """Job (daily): ask every pool co-op to republish its approved profiles, so committed
    hours at home stay current; each co-op's outbox carries the signals."""
    asked = 0
    for coop_id, slug in db.session.execute(select(Coop.id, Coop.slug).where(
            Coop.joins_worker_pool.is_(True), Coop.state == CoopState.ACTIVE)).all():
        session = store().session(TenantRef(coop_id, slug))
        try:
            asked += do_request_refresh(session)
            session.commit()
        finally:
            session.close()
    return asked
