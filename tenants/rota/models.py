"""The rota: weekly visit patterns, the visits they generate, and one-off visits.

Visit times are the wall-clock time in Wales (Europe/London), stored without a zone,
because the working-time rules count days and weeks as the worker lives them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import TenantBase
from tenants.vocabulary import SKILLS, in_list

VISIT_STATUSES = ("scheduled", "completed", "missed", "cancelled")
#: A contract offer (reg 42) waits for the worker's choice, then is accepted or declined.
OFFER_CHOICES = ("pending", "accepted", "declined")


class VisitPattern(TenantBase):
    """A visit that recurs every week on one weekday (0 is Monday) from ``valid_from``."""

    __tablename__ = "visit_patterns"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440",
                        name="duration_minutes"),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="valid_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    welsh_required: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    short_visit_reason: Mapped[str | None] = mapped_column(Text)

    skills: Mapped[list[PatternSkill]] = relationship(cascade="all, delete-orphan")


class PatternSkill(TenantBase):
    """A skill every visit of a pattern needs."""

    __tablename__ = "pattern_skills"
    __table_args__ = (CheckConstraint(in_list("skill", SKILLS), name="skill"),)

    pattern_id: Mapped[int] = mapped_column(ForeignKey("visit_patterns.id", ondelete="CASCADE"),
                                            primary_key=True)
    skill: Mapped[str] = mapped_column(String(32), primary_key=True)


class Visit(TenantBase):
    """One visit to a client, planned and (once done) as it actually happened."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint(in_list("status", VISIT_STATUSES), name="status"),
        CheckConstraint("actual_end IS NULL OR actual_start IS NULL OR actual_end > actual_start",
                        name="actual_range"),
        CheckConstraint("travel_minutes >= 0 AND travel_minutes <= 600", name="travel_minutes"),
        UniqueConstraint("pattern_id", "starts_at"),
        Index("ix_visits_worker_starts", "worker_id", "starts_at"),
        Index("ix_visits_client_starts", "client_id", "starts_at"),
        Index("ix_visits_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    pattern_id: Mapped[int | None] = mapped_column(
        ForeignKey("visit_patterns.id", ondelete="SET NULL"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    actual_start: Mapped[datetime | None] = mapped_column(DateTime)
    actual_end: Mapped[datetime | None] = mapped_column(DateTime)
    travel_minutes: Mapped[int] = mapped_column(Integer, default=0)
    welsh_required: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    short_visit_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    skills: Mapped[list[VisitSkill]] = relationship(cascade="all, delete-orphan")


class VisitSkill(TenantBase):
    """A skill a visit needs."""

    __tablename__ = "visit_skills"
    __table_args__ = (CheckConstraint(in_list("skill", SKILLS), name="skill"),)

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          primary_key=True)
    skill: Mapped[str] = mapped_column(String(32), primary_key=True)


class VisitHoldBack(TenantBase):
    """A generated visit whose regular worker the rules kept off it, and which rules did.

    The visit is left without a worker; this row is what lets the rota say why, instead of
    leaving the coordinator to guess.
    """

    __tablename__ = "visit_hold_backs"
    __table_args__ = (CheckConstraint("length(rules) > 0", name="rules_named"),)

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    #: The rule codes that failed, space-separated (see ``tenants.rota.rules``).
    rules: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ContractOffer(TenantBase):
    """A contract offered to a worker on non-guaranteed hours after 3 months of regular
    hours (WSI 2017/1264 reg 42), with the average it reflects and the worker's choice."""

    __tablename__ = "contract_offers"
    __table_args__ = (
        CheckConstraint(in_list("choice", OFFER_CHOICES), name="choice"),
        CheckConstraint("(choice = 'pending') = (chosen_on IS NULL)", name="chosen_when_chosen"),
        CheckConstraint("offered_hours > 0 AND offered_hours <= 168", name="offered_hours"),
        CheckConstraint("average_hours >= 0 AND average_hours <= 168", name="average_hours"),
        CheckConstraint("weeks_counted > 0", name="weeks_counted"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"),
                                           index=True)
    offered_on: Mapped[date] = mapped_column(Date)
    weeks_counted: Mapped[int] = mapped_column(Integer)
    average_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    offered_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    choice: Mapped[str] = mapped_column(String(16), default="pending")
    chosen_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_account_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
