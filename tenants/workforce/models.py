"""Care workers: their skills, Welsh, legal checks, hours and availability."""

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
    Time,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import TenantBase
from tenants.vocabulary import SKILLS, WELSH_LEVELS, in_list


class Worker(TenantBase):
    """A care worker employed by the co-op.

    Social Care Wales registration: domiciliary care workers must be registered;
    new starters have six months from ``started_on``. DBS: an enhanced check with
    the adults' barred list, and whether the worker is on the Update Service.
    """

    __tablename__ = "workers"
    __table_args__ = (
        CheckConstraint(in_list("welsh_level", WELSH_LEVELS), name="welsh_level"),
        CheckConstraint("contracted_hours >= 0 AND contracted_hours <= 168",
                        name="contracted_hours"),
        CheckConstraint("travel_radius_km IS NULL OR travel_radius_km >= 0",
                        name="travel_radius_km"),
        Index("uq_workers_account_id", "account_id", unique=True,
              sqlite_where=text("account_id IS NOT NULL"),
              postgresql_where=text("account_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    welsh_level: Mapped[str] = mapped_column(String(16), default="none")
    started_on: Mapped[date] = mapped_column(Date)
    scw_registration_number: Mapped[str | None] = mapped_column(String(32))
    scw_expires_on: Mapped[date | None] = mapped_column(Date)
    dbs_certificate_date: Mapped[date | None] = mapped_column(Date)
    dbs_update_service: Mapped[bool] = mapped_column(Boolean, default=False)
    contracted_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=0)
    wt_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    wt_opt_out_signed_on: Mapped[date | None] = mapped_column(Date)
    base_la_code: Mapped[str | None] = mapped_column(String(9))
    base_postcode_district: Mapped[str | None] = mapped_column(String(8))
    travel_radius_km: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    skills: Mapped[list[WorkerSkill]] = relationship(cascade="all, delete-orphan",
                                                     order_by="WorkerSkill.skill")
    availability: Mapped[list[Availability]] = relationship(
        cascade="all, delete-orphan", order_by="(Availability.weekday, Availability.starts)")


class WorkerSkill(TenantBase):
    """A skill a worker has, from the shared vocabulary."""

    __tablename__ = "worker_skills"
    __table_args__ = (CheckConstraint(in_list("skill", SKILLS), name="skill"),)

    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"),
                                           primary_key=True)
    skill: Mapped[str] = mapped_column(String(32), primary_key=True)


class Availability(TenantBase):
    """A weekly window in which a worker can work (weekday 0 is Monday)."""

    __tablename__ = "availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("ends > starts", name="ends_after_starts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"),
                                           index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
