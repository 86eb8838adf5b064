"""Clients: the people the co-op cares for, with only the data the care needs.

Every read of a client record is written to the co-op's audit log (clients.service).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.areas import local_authorities
from core.db import TenantBase
from tenants.vocabulary import AGE_BANDS, FUNDING_SOURCES, LANGUAGES, NEED_TYPES, in_list


class Client(TenantBase):
    """A person receiving care. Minimal by design: no date of birth, no address, no diagnosis."""

    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint(in_list("funding_source", FUNDING_SOURCES), name="funding_source"),
        CheckConstraint(in_list("age_band", AGE_BANDS), name="age_band"),
        CheckConstraint(in_list("preferred_language", LANGUAGES), name="preferred_language"),
        CheckConstraint(in_list("la_code", local_authorities()), name="la_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    funding_source: Mapped[str] = mapped_column(String(16))
    age_band: Mapped[str] = mapped_column(String(8))
    la_code: Mapped[str] = mapped_column(String(9))
    postcode_district: Mapped[str | None] = mapped_column(String(8))
    #: Recorded explicitly, never defaulted: the Active Offer must not depend on someone
    #: remembering to change a default (wales-care-rules.md §9).
    preferred_language: Mapped[str] = mapped_column(String(2))
    #: The day the person said their visits need not be in Welsh, despite preferring it.
    welsh_visits_waived_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    needs: Mapped[list[ClientNeed]] = relationship(cascade="all, delete-orphan",
                                                   order_by="ClientNeed.need_type")
    regular_carers: Mapped[list[RegularCarer]] = relationship(cascade="all, delete-orphan")

    @property
    def needs_welsh(self) -> bool:
        """A Welsh preference makes their visits Welsh-required, unless they said otherwise."""
        return self.preferred_language == "cy" and self.welsh_visits_waived_on is None


class ClientNeed(TenantBase):
    """A type of need, from the shared vocabulary."""

    __tablename__ = "client_needs"
    __table_args__ = (CheckConstraint(in_list("need_type", NEED_TYPES), name="need_type"),)

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           primary_key=True)
    need_type: Mapped[str] = mapped_column(String(32), primary_key=True)


class RegularCarer(TenantBase):
    """A worker who regularly cares for a client (continuity of care)."""

    __tablename__ = "regular_carers"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"),
                                           primary_key=True)
