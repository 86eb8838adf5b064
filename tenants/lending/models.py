"""The co-op's side of the worker pool and staff lending (DESIGN §3.3).

- ``PoolConsent``: a worker's consent to join the federation's pool, and the coordinator's
  approval of it. Only an approved, unwithdrawn consent is ever published.
- ``GuestAssignment``: in the *borrowing* co-op's rota, a slot a lent worker will work,
  with the least the borrower needs (a pseudonymous ref, the lender, Welsh level).
- ``RequestClient``: which of its own clients the borrower asked for cover for.
- ``LendingCommitment``: in the *lending* co-op's rota, a slot its worker is lent out for.
  It carries no client data at all: the lender never learns who the client is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantBase
from tenants.vocabulary import WELSH_LEVELS, in_list


class PoolConsent(TenantBase):
    """A worker's consent to the pool; ``worker_ref`` is the only name the federation sees."""

    __tablename__ = "pool_consents"
    __table_args__ = (
        CheckConstraint("approved_at IS NULL OR approved_at >= consented_at",
                        name="approved_after_consent"),
        CheckConstraint("withdrawn_at IS NULL OR withdrawn_at >= consented_at",
                        name="withdrawn_after_consent"),
        Index("uq_pool_consents_live", "worker_id", unique=True,
              sqlite_where=text("withdrawn_at IS NULL"),
              postgresql_where=text("withdrawn_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"),
                                           index=True)
    worker_ref: Mapped[str] = mapped_column(String(36), index=True)
    consented_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    consented_by_account_id: Mapped[int | None] = mapped_column(Integer)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_account_id: Mapped[int | None] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def state(self) -> str:
        """``withdrawn``, ``approved`` or ``awaiting_approval``."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        return "approved" if self.approved_at is not None else "awaiting_approval"


class GuestAssignment(TenantBase):
    """A lent worker's slot in the borrower's rota (one per confirmed slot)."""

    __tablename__ = "guest_assignments"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint(in_list("welsh_level", WELSH_LEVELS), name="welsh_level"),
        Index("ix_guest_assignments_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(Integer, index=True)
    slot_id: Mapped[int] = mapped_column(Integer, unique=True)
    worker_ref: Mapped[str] = mapped_column(String(36), index=True)
    lender_coop_id: Mapped[int] = mapped_column(Integer)
    lender_name: Mapped[str] = mapped_column(String(200))
    welsh_level: Mapped[str] = mapped_column(String(16))
    #: The borrower's own visit this slot covers, if it said; kept here only.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"),
                                                  index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: What the person cared for is told: the first name of who is coming (issue 12).
    worker_first_name: Mapped[str | None] = mapped_column(String(60))


class LendingCommitment(TenantBase):
    """A slot the co-op's worker is lent out for; working time, with no client data."""

    __tablename__ = "lending_commitments"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("travel_minutes >= 0 AND travel_minutes <= 600", name="travel_minutes"),
        Index("ix_lending_commitments_worker_starts", "worker_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(Integer, index=True)
    slot_id: Mapped[int] = mapped_column(Integer, unique=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    borrower_coop_id: Mapped[int] = mapped_column(Integer)
    borrower_name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    travel_minutes: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RequestClient(TenantBase):
    """Which of the borrower's own clients a lending request is for, kept at home only.

    The federation's request never names the client; this link lets the borrower mark
    the guest assignments with the client, and so hint at continuity next time.
    """

    __tablename__ = "lending_request_clients"

    request_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
