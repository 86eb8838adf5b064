"""The federation's index of who may open which co-op's care page.

A signed-in account reaches a co-op's workspace through a ``Membership``. A person
receiving care, or a family member they invited, usually has none: this index says only
"this account may open this co-op's care page", never whose care or why. The co-op's own
store stays the authority (a ``CareLink`` or ``FamilyGrant``); the index is kept in step
with it in the same request, and the page still checks the store, so a stale row grants
nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase, db


class CareAccess(FederationBase):
    """An account that may open a co-op's care page."""

    __tablename__ = "care_access"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="CASCADE"), primary_key=True)
    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def has_care_access(account_id: int, coop_id: int) -> bool:
    """Whether the index lets ``account_id`` try this co-op's care page."""
    return db.session.get(CareAccess, (account_id, coop_id)) is not None


def care_coop_ids(account_id: int) -> list[int]:
    """The co-ops whose care page the account may open."""
    return list(db.session.scalars(select(CareAccess.coop_id).where(
        CareAccess.account_id == account_id).order_by(CareAccess.coop_id)))


def set_care_access(account_id: int, coop_id: int, allowed: bool) -> None:
    """Add or remove the index row (flushes; the request boundary commits)."""
    present = has_care_access(account_id, coop_id)
    if allowed and not present:
        db.session.add(CareAccess(account_id=account_id, coop_id=coop_id))
    elif not allowed and present:
        db.session.execute(delete(CareAccess).where(CareAccess.account_id == account_id,
                                                    CareAccess.coop_id == coop_id))
    db.session.flush()
