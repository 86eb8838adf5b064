"""Demo data for the Direct Payment pool: members with budgets and a few weeks of ledger.

Only Direct Payment pooling co-ops get a pool. ``seed`` is idempotent: members already in
the pool are kept, and posting budgets and care twice adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from tenants.clients.models import Client
from tenants.members.models import Member
from tenants.payments import service
from tenants.payments.models import DpPoolEntry, DpPoolMember
from tenants.rota.models import Visit

WEEKS = 4


def seed(session, coop_type: str, today: date) -> None:
    """Up to five members pool their Direct Payments; four weeks of budget and care."""
    if coop_type != "dp_pool":
        return
    monday = service.week_start(today)
    first = monday - timedelta(weeks=WEEKS - 1)
    pooled = set(session.scalars(select(DpPoolMember.member_id)))
    taken = set(session.scalars(select(DpPoolMember.client_id)))
    members = session.scalars(select(Member.id).order_by(Member.id).limit(5)).all()
    clients = [c for c in session.scalars(
        select(Client.id).where(Client.funding_source == "direct_payment").order_by(Client.id))
        if c not in taken]
    for n, member_id in enumerate(members):
        if member_id in pooled:
            continue
        session.add(DpPoolMember(member_id=member_id,
                               client_id=clients.pop(0) if clients else None,
                               weekly_budget=Decimal(250 + 50 * n), hourly_rate=Decimal("21.50"),
                               starts_on=first))
    session.flush()
    midnight = datetime.combine(today, time())
    past = session.scalars(select(Visit).where(Visit.status == "scheduled",
                                               Visit.ends_at < midnight)).all()
    for visit in past:
        visit.status = "completed"
    session.flush()
    for week in range(WEEKS):
        service.do_post_budgets(first + timedelta(weeks=week), actor_account_id=None)
    service.do_post_care(actor_account_id=None, until=today - timedelta(days=1))
    if not session.scalar(select(DpPoolEntry.id).where(DpPoolEntry.kind == "adjustment")):
        pool_member = session.scalar(select(DpPoolMember).order_by(DpPoolMember.id).limit(1))
        if pool_member is not None:
            session.add(DpPoolEntry(pool_member_id=pool_member.id, entry_date=first,
                                  kind="adjustment", amount=Decimal("-15.00"),
                                  description="Mileage to a hospital appointment"))
            session.flush()

