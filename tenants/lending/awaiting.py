"""A worker's loans that their co-op's rota does not hold yet, for "my shifts".

A loan reaches the lending co-op's rota only when the borrower confirms it (the projection
job writes a ``LendingCommitment``). Until then the worker who said yes must still see it,
marked as awaiting confirmation. Agreements live in the federation's store and belong to a
higher layer (``services.lending``), so their tables are read here by name, never imported.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.db import db
from tenants.lending.service import MyShift, my_shifts
from tenants.registry.models import Coop
from tenants.rota.service import LENT_SHIFTS
from tenants.workforce.models import Worker

#: Loans the worker said yes to: awaiting confirmation, or confirmed but not yet projected.
SHOWN = ("accepted", "confirmed")


def unprojected(account_id: int, lender_coop_id: int, start: datetime, end: datetime,
                projected: set[int]) -> list[MyShift]:
    """The worker's lent slots in [start, end) through this co-op that the rota lacks:
    accepted ones awaiting the borrower, and confirmed ones not projected yet.
    ``projected`` are agreements the rota already holds."""
    agreements = db.metadata.tables["federation.lending_agreements"]
    slots = db.metadata.tables["federation.lending_slots"]
    rows = db.session.execute(
        select(agreements.c.id, agreements.c.state, slots.c.starts_at, slots.c.ends_at,
               Coop.name)
        .join(slots, slots.c.request_id == agreements.c.request_id)
        .join(Coop, Coop.id == agreements.c.borrower_coop_id)
        .where(agreements.c.worker_account_id == account_id,
               agreements.c.lender_coop_id == lender_coop_id,
               agreements.c.state.in_(SHOWN),
               slots.c.starts_at >= start, slots.c.starts_at < end)
        .order_by(slots.c.starts_at))
    return [MyShift(r.starts_at, r.ends_at, "lent", r.name, status=r.state, agreement_id=r.id)
            for r in rows if r.id not in projected]


@LENT_SHIFTS.answer
def lent_shifts(session, worker: Worker, account_id: int, lender_coop_id: int, start: datetime,
                end: datetime) -> list[MyShift]:
    """The worker's lent slots in [start, end): those the rota holds, and those it does not
    hold yet (awaiting the borrower, or confirmed but not projected)."""
    lent = [s for s in my_shifts(session, worker, start, end, "") if s.kind == "lent"]
    return lent + unprojected(account_id, lender_coop_id, start, end,
                              {s.agreement_id for s in lent})
