"""The demo federation has pool workers, an open request, a confirmed loan and a ledger."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from federation.demo import seed_demo
from services.lending.demo import RATE
from services.lending.models import (
    RATE_PARTS,
    LedgerEntry,
    LedgerEntryParts,
    LendingAgreement,
    LendingRequest,
)
from services.pool.demo import POOLED
from services.pool.models import PoolProfile
from tenants.lending.models import GuestAssignment, LendingCommitment
from tenants.registry.models import Coop
from tests.fixtures.factories import in_coop


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (
        PoolProfile, LendingRequest, LendingAgreement, LedgerEntry))


def test_demo_lending(isolated_app):
    app = isolated_app()
    with app.app_context():
        seed_demo()
        coops = {c.slug: c for c in db.session.scalars(select(Coop))}
        assert all(coops[slug].joins_worker_pool for slug in POOLED)
        assert db.session.scalar(select(func.count()).select_from(PoolProfile)) >= 6
        assert db.session.scalar(select(LendingRequest.id).where(
            LendingRequest.state == "open", LendingRequest.on_board.is_(True))) is not None
        confirmed = db.session.scalar(select(LendingAgreement).where(
            LendingAgreement.state == "confirmed"))
        assert confirmed is not None
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) >= 3
        # Every entry carries its rate's parts (not the wage alone) and approved hours.
        for entry, parts in db.session.execute(select(LedgerEntry, LedgerEntryParts).outerjoin(
                LedgerEntryParts, LedgerEntryParts.entry_id == LedgerEntry.id)):
            assert parts is not None and parts.employer_ni > 0 and parts.holiday_pay > 0
            assert entry.rate == sum(getattr(parts, p) for p in RATE_PARTS) > RATE
        before = _counts()
        borrower = db.session.get(Coop, confirmed.borrower_coop_id)
        lender = db.session.get(Coop, confirmed.lender_coop_id)
        db.session.expunge_all()
    with in_coop(app, borrower) as session:
        assert session.scalar(select(GuestAssignment.id).where(
            GuestAssignment.agreement_id == confirmed.id)) is not None
    with in_coop(app, lender) as session:
        assert session.scalar(select(LendingCommitment.id).where(
            LendingCommitment.agreement_id == confirmed.id)) is not None
    with app.app_context():
        seed_demo()
        assert _counts() == before
