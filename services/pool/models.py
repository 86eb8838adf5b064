"""The federation's worker pool: minimal profiles of consenting workers (DESIGN §3.3).

A profile exists only while its worker's consent is given and approved and their co-op
joins the pool. It holds no name, no certificate or registration number and nothing
about any client: a pseudonymous ref, the home co-op, skills, Welsh, base area and
radius, check *dates*, availability, and the worker's committed time at home.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase
from tenants.vocabulary import SKILLS, WELSH_LEVELS, in_list
from tenants.workforce.models import ENGAGEMENTS

SCW_STATUSES = ("registered", "new_starter", "unregistered")
#: Each skill's bit in ``skills_mask``, so "has every needed skill" is one indexed AND.
SKILL_BITS = {skill: 1 << i for i, skill in enumerate(SKILLS)}


def skills_mask(skills) -> int:
    """The bit mask of a set of skill codes."""
    mask = 0
    for skill in skills:
        mask |= SKILL_BITS[skill]
    return mask


class PoolProfile(FederationBase):
    """One pooled worker's minimal profile."""

    __tablename__ = "pool_profiles"
    __table_args__ = (
        CheckConstraint(in_list("welsh_level", WELSH_LEVELS), name="welsh_level"),
        CheckConstraint(in_list("scw_status", SCW_STATUSES), name="scw_status"),
        CheckConstraint(in_list("engagement", ENGAGEMENTS), name="engagement"),
        CheckConstraint("travel_radius_km BETWEEN 0 AND 300", name="travel_radius_km"),
        CheckConstraint("available_days BETWEEN 0 AND 127", name="available_days"),
        CheckConstraint("available_from_minute BETWEEN 0 AND 1440 AND available_until_minute "
                        "BETWEEN 0 AND 1440", name="available_minutes"),
        # The matcher's prefilter: the area box leads, and every other column it tests or
        # returns is in the index too, so the scan never visits the table (covering).
        Index("ix_pool_profiles_match", "lat", "lon", "travel_radius_km", "skills_mask",
              "available_days", "coop_id", "welsh_level", "scw_status", "scw_valid_until",
              "dbs_valid_from", "dbs_valid_until", "engagement", "dbs_update_service",
              "worker_ref"),
        # The widest radius bounds the area box; an index answers max() at once.
        Index("ix_pool_profiles_radius", "travel_radius_km"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("federation.coops.id", ondelete="CASCADE"),
                                         index=True)
    worker_ref: Mapped[str] = mapped_column(String(36), unique=True)
    #: The worker's federation account, if they have one (to show them their offers).
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"), index=True)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    skills_mask: Mapped[int] = mapped_column(Integer, default=0)
    welsh_level: Mapped[str] = mapped_column(String(16), default="none")
    la_code: Mapped[str] = mapped_column(String(9))
    postcode_district: Mapped[str | None] = mapped_column(String(8))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    travel_radius_km: Mapped[int] = mapped_column(Integer, default=0)
    dbs_valid_from: Mapped[date | None] = mapped_column(Date)
    dbs_valid_until: Mapped[date | None] = mapped_column(Date)
    scw_status: Mapped[str] = mapped_column(String(16))
    scw_valid_until: Mapped[date | None] = mapped_column(Date)
    wt_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    #: How the worker is engaged: with the borrower's registered services, it decides
    #: whether Social Care Wales registration is needed for the loan (issue 11).
    engagement: Mapped[str] = mapped_column(String(16), default="employee",
                                            server_default=text("'employee'"))
    #: On the DBS Update Service: a borrower can check the certificate's status itself;
    #: otherwise it needs its own DBS application first (issue 11).
    dbs_update_service: Mapped[bool] = mapped_column(Boolean, default=False,
                                                     server_default=false())
    availability: Mapped[list] = mapped_column(JSON, default=list)
    available_days: Mapped[int] = mapped_column(Integer, default=0)
    #: Earliest start and latest end of any window, in minutes after midnight: lets SQL
    #: drop workers never available that early or that late.
    available_from_minute: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    available_until_minute: Mapped[int] = mapped_column(Integer, default=1440,
                                                        server_default="1440")
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())


class PoolShift(FederationBase):
    """Time a pooled worker is committed at home (a visit's times and travel, nothing else)."""

    __tablename__ = "pool_shifts"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("travel_minutes BETWEEN 0 AND 600", name="travel_minutes"),
        Index("ix_pool_shifts_profile_starts", "profile_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("federation.pool_profiles.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    travel_minutes: Mapped[int] = mapped_column(Integer, default=0)
