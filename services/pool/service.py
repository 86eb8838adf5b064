"""Publishing and removing pool profiles, from the co-ops' outbox signals.

A co-op's outbox says only "this consent changed" (ids); the handler reads the minimal
snapshot from that co-op's own store and upserts, or deletes, the federation's profile.
Withdrawal therefore takes effect within one relay cycle.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, select

from core import audit
from core.db import db
from core.timeutil import local_now
from services.pool.areas import centroids
from services.pool.models import PoolProfile, PoolShift, skills_mask
from tenants.context import store
from tenants.lending import service as tenant_lending
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef


def today() -> date:
    """Today in Wales."""
    return local_now().date()


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def profile_by_ref(worker_ref: str) -> PoolProfile | None:
    """The published profile with this ref, if any."""
    return db.session.scalar(select(PoolProfile).where(PoolProfile.worker_ref == worker_ref))


def do_sync_consent(coop_id: int, consent_id: int) -> str:
    """Publish, refresh or remove one consent's profile; returns what it did."""
    coop = db.session.get(Coop, coop_id)
    session = store().session(TenantRef(coop.id, coop.slug))
    try:
        ref, snap = tenant_lending.snapshot(session, consent_id, today())
        session.commit()
    finally:
        session.close()
    existing = profile_by_ref(ref)
    if existing is not None and existing.coop_id != coop_id:
        raise ValueError("a worker ref belongs to one co-op")
    publishable = (snap is not None and coop.joins_worker_pool
                   and coop.state == CoopState.ACTIVE and snap.la_code in centroids())
    if not publishable:
        if existing is None:
            return "absent"
        db.session.delete(existing)
        db.session.flush()
        audit.record(db.session, "pool.profile_removed", coop_id=coop_id, profile_id=existing.id)
        return "removed"
    profile = existing or PoolProfile(coop_id=coop_id, worker_ref=ref)
    lat, lon = centroids()[snap.la_code]
    days = 0
    for weekday, _start, _end in snap.availability:
        days |= 1 << weekday
    starts = [_minute(start) for _w, start, _e in snap.availability]
    ends = [_minute(end) for _w, _s, end in snap.availability]
    for name, value in dict(
            account_id=snap.account_id, skills=list(snap.skills),
            skills_mask=skills_mask(snap.skills), welsh_level=snap.welsh_level,
            la_code=snap.la_code,
            postcode_district=snap.postcode_district, lat=lat, lon=lon,
            travel_radius_km=min(snap.travel_radius_km, 300),
            dbs_valid_from=snap.dbs_valid_from, dbs_valid_until=snap.dbs_valid_until,
            scw_status=snap.scw_status, scw_valid_until=snap.scw_valid_until,
            engagement=snap.engagement, dbs_update_service=snap.dbs_update_service,
            wt_opt_out=snap.wt_opt_out, availability=[list(a) for a in snap.availability],
            available_days=days, available_from_minute=min(starts, default=0),
            available_until_minute=max(ends, default=0),
            refreshed_at=datetime.now(UTC)).items():
        setattr(profile, name, value)
    db.session.add(profile)
    db.session.flush()
    db.session.execute(delete(PoolShift).where(PoolShift.profile_id == profile.id))
    if snap.shifts:
        db.session.execute(PoolShift.__table__.insert(), [
            {"profile_id": profile.id, "starts_at": s.start, "ends_at": s.end,
             "travel_minutes": s.travel_minutes} for s in snap.shifts])
    audit.record(db.session, "pool.profile_published" if existing is None
                 else "pool.profile_refreshed", coop_id=coop_id, profile_id=profile.id)
    return "published" if existing is None else "refreshed"


def do_leave_pool(coop_id: int) -> int:
    """Remove every profile of a co-op that stopped joining the pool."""
    ids = list(db.session.scalars(select(PoolProfile.id).where(PoolProfile.coop_id == coop_id)))
    if ids:
        db.session.execute(delete(PoolProfile).where(PoolProfile.id.in_(ids)))
        audit.record(db.session, "pool.coop_left", coop_id=coop_id, profiles=len(ids))
    return len(ids)


def pool_size(coop_id: int | None = None) -> int:
    """How many profiles the pool holds (of one co-op, if given)."""
    stmt = select(PoolProfile.id)
    if coop_id is not None:
        stmt = stmt.where(PoolProfile.coop_id == coop_id)
    return len(db.session.scalars(stmt).all())
