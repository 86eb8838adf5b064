"""The Direct Payment pool: each pool member's budget, rate and ledger.

The balance is the sum of a member's entries: weekly budget credits in, care hours out
(valued at the rate in force), and adjustments, so every figure on a statement can be
traced to a row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantBase

ENTRY_KINDS = ("budget", "care", "adjustment")


class DpPoolMember(TenantBase):
    """A member who pools their Direct Payment, with their weekly budget and hourly rate."""

    __tablename__ = "pool_members"
    __table_args__ = (
        CheckConstraint("weekly_budget >= 0", name="weekly_budget"),
        CheckConstraint("hourly_rate > 0", name="hourly_rate"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="date_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                           unique=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"),
                                                  unique=True)
    weekly_budget: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class DpPoolEntry(TenantBase):
    """One movement on a pool member's account: + budget, − care hours, ± adjustment."""

    __tablename__ = "pool_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('budget', 'care', 'adjustment')", name="kind"),
        CheckConstraint("kind != 'care' OR (hours > 0 AND rate > 0 AND visit_id IS NOT NULL)",
                        name="care_has_hours"),
        CheckConstraint("kind != 'budget' OR amount >= 0", name="budget_is_credit"),
        Index("uq_pool_entries_budget_week", "pool_member_id", "entry_date", unique=True,
              sqlite_where=text("kind = 'budget'"), postgresql_where=text("kind = 'budget'")),
        Index("ix_pool_entries_member_date", "pool_member_id", "entry_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pool_member_id: Mapped[int] = mapped_column(
        ForeignKey("pool_members.id", ondelete="RESTRICT"))
    entry_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    rate: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="RESTRICT"),
                                                 unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
