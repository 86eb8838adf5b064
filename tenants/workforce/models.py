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
    Text,
    Time,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import TenantBase
from tenants.vocabulary import ENGAGEMENTS, SKILLS, WELSH_LEVELS, in_list

#: What a DBS Update Service status check found: nothing new, or new information (the
#: certificate no longer counts; the worker needs a new one).
STATUS_CHECK_RESULTS = ("no_change", "new_information")


class Worker(TenantBase):
    """A care worker on the co-op's rota, however they are engaged.

    ``engagement`` decides which rules apply to them (with the co-op's position): a PA's
    employer is the Direct Payment member ``dp_employer_member_id``. Social Care Wales
    registration, where the rules require it, is due six months after ``started_on``;
    its conditions and any suspension are recorded. DBS: the enhanced certificate's date,
    whether this co-op applied for it, and whether it is on the Update Service (whose
    status checks are ``DbsStatusCheck`` rows).
    """

    __tablename__ = "workers"
    __table_args__ = (
        CheckConstraint(in_list("welsh_level", WELSH_LEVELS), name="welsh_level"),
        CheckConstraint("contracted_hours >= 0 AND contracted_hours <= 168",
                        name="contracted_hours"),
        CheckConstraint("travel_radius_km IS NULL OR travel_radius_km >= 0",
                        name="travel_radius_km"),
        CheckConstraint(in_list("engagement", ENGAGEMENTS), name="engagement"),
        CheckConstraint("(engagement = 'dp_pa') = (dp_employer_member_id IS NOT NULL)",
                        name="pa_has_employer"),
        CheckConstraint("scw_suspended_until IS NULL OR (scw_suspended_from IS NOT NULL "
                        "AND scw_suspended_until >= scw_suspended_from)",
                        name="scw_suspension_range"),
        CheckConstraint("left_on IS NULL OR left_on >= started_on", name="left_after_started"),
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
    left_on: Mapped[date | None] = mapped_column(Date)  # the day they left (issue 13)
    scw_registration_number: Mapped[str | None] = mapped_column(String(32))
    scw_expires_on: Mapped[date | None] = mapped_column(Date)
    dbs_certificate_date: Mapped[date | None] = mapped_column(Date)
    dbs_update_service: Mapped[bool] = mapped_column(Boolean, default=False)
    dbs_applied_by_coop: Mapped[bool] = mapped_column(Boolean, default=True,
                                                      server_default=true())
    engagement: Mapped[str] = mapped_column(String(16), default="employee",
                                            server_default=text("'employee'"))
    dp_employer_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"))
    scw_conditions: Mapped[str | None] = mapped_column(Text)
    scw_suspended_from: Mapped[date | None] = mapped_column(Date)
    scw_suspended_until: Mapped[date | None] = mapped_column(Date)
    non_guaranteed_hours: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
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
    status_checks: Mapped[list[DbsStatusCheck]] = relationship(
        cascade="all, delete-orphan", order_by="DbsStatusCheck.checked_on.desc()")

    @property
    def last_status_check(self) -> DbsStatusCheck | None:
        """The most recent DBS Update Service status check, if any."""
        return self.status_checks[0] if self.status_checks else None


class DbsStatusCheck(TenantBase):
    """A DBS Update Service status check: when, who did it, and what it found."""

    __tablename__ = "dbs_status_checks"
    __table_args__ = (
        CheckConstraint(in_list("result", STATUS_CHECK_RESULTS), name="result"),
        Index("ix_dbs_status_checks_worker_checked", "worker_id", "checked_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    checked_on: Mapped[date] = mapped_column(Date)
    checked_by: Mapped[str] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(16))
    recorded_by_account_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


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
