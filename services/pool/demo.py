"""Demo worker pool: the demo co-ops join it, and some of their workers opt in.

Idempotent: a worker who already has a consent is left alone. Pooled demo workers are
willing to travel further than their home rounds (80 km), so the demo has matches
across co-ops.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from core.db import db
from tenants.context import store
from tenants.lending import service as lending
from tenants.lending.models import PoolConsent
from tenants.registry.models import Coop, Membership, Role
from tenants.registry.service import set_sharing
from tenants.store import TenantRef
from tenants.workforce.models import Worker

POOLED = {
    "gofal-gwynedd": ("Elin Pritchard", "Gareth Morgan", "Rhys ap Dafydd"),
    "powys-elders": ("Nia Owen", "Catrin Williams"),
    "cardiff-dp-circle": ("Megan Roberts", "Ffion Lewis"),
    "caerphilly-foster": ("Tom Evans", "Sarah Thomas"),
}
#: The demo care worker (Sam, the worker member of Gwynedd) signs in as Elin there, so the
#: demo shows a worker their offers and shifts.
SAM = ("gofal-gwynedd", "Elin Pritchard")
DEMO_RADIUS_KM = 80


def _pool_workers(coop: tuple[int, str, int | None], names, sam_id: int | None) -> None:
    coop_id, slug, admin_id = coop
    session = store().session(TenantRef(coop_id, slug))
    try:
        for name in names:
            worker = session.scalar(select(Worker).where(Worker.display_name == name))
            if worker is None:
                continue
            if sam_id and (slug, name) == SAM and worker.account_id is None:
                worker.account_id = sam_id
            if session.scalar(select(PoolConsent.id).where(PoolConsent.worker_id == worker.id)):
                continue
            worker.travel_radius_km = max(worker.travel_radius_km or 0, DEMO_RADIUS_KM)
            consent = lending.do_opt_in(session, worker, actor=worker.account_id)
            lending.do_approve_consent(session, consent.id, actor=admin_id)
        session.commit()
    finally:
        session.close()


def seed(today: date) -> list[tuple[str, str]]:
    """Join the demo co-ops to the pool and publish their pooled workers."""
    coops = db.session.scalars(select(Coop).where(Coop.slug.in_(list(POOLED)))).all()
    sam_id = db.session.scalar(select(Membership.account_id).join(
        Coop, Coop.id == Membership.coop_id).where(
        Coop.slug == SAM[0], Membership.role == Role.WORKER).order_by(Membership.id).limit(1))
    refs = [(c.id, c.slug, c.first_admin_account_id) for c in coops]
    for coop_id, _slug, admin_id in refs:
        set_sharing(coop_id, actor_account_id=admin_id, joins_worker_pool=True)
    # Commit, and touch the federation no more until the relays have run: on SQLite an
    # open transaction here would hold the write lock the relay jobs need.
    db.session.commit()
    for ref in refs:
        _pool_workers(ref, POOLED[ref[1]], sam_id)
    current_app.extensions["coopfed.jobs"].drain()
    return []
