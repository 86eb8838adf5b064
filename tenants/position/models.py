"""The co-op's legal position: its legal form, its FCA registration, and its CIW-registered
services. Which rules a co-op is held to follows from these facts (wales-care-rules.md §1)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantBase
from tenants.vocabulary import in_list

LEGAL_FORMS = ("co_operative_society", "community_benefit_society", "charitable_cbs",
               "company_limited_by_guarantee", "cic", "not_incorporated", "not_decided")
#: Forms registered with the FCA under the Co-operative and Community Benefit Societies Act 2014.
SOCIETY_FORMS = ("co_operative_society", "community_benefit_society", "charitable_cbs")
#: Forms with no registration (yet): no number and no registration date.
UNREGISTERED_FORMS = ("not_incorporated", "not_decided")
SERVICE_TYPES = ("domiciliary_support", "care_home", "adult_placement", "fostering")
DEFAULT_DBS_CHECK_DAYS = 365


class LegalPosition(TenantBase):
    """The co-op's one row of legal facts (``id`` is always 1).

    ``dbs_status_check_days`` is the interval the co-op chooses between DBS Update Service
    status checks: a certificate on the Update Service counts only with a check this recent.
    """

    __tablename__ = "legal_position"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(in_list("legal_form", LEGAL_FORMS), name="legal_form"),
        CheckConstraint("dbs_status_check_days BETWEEN 1 AND 1095",
                        name="dbs_status_check_days"),
        CheckConstraint(f"fca_society_number IS NULL OR {in_list('legal_form', SOCIETY_FORMS)}",
                        name="fca_number_for_societies"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    legal_form: Mapped[str] = mapped_column(String(32), default="not_decided")
    fca_society_number: Mapped[str | None] = mapped_column(String(16))
    registered_on: Mapped[date | None] = mapped_column(Date)
    dbs_status_check_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_DBS_CHECK_DAYS, server_default=text(str(DEFAULT_DBS_CHECK_DAYS)))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(), onupdate=func.now())


class RegisteredService(TenantBase):
    """A service the co-op runs that is registered with Care Inspectorate Wales (RISCA 2016)."""

    __tablename__ = "registered_services"
    __table_args__ = (
        CheckConstraint(in_list("service_type", SERVICE_TYPES), name="service_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_type: Mapped[str] = mapped_column(String(32))
    ciw_service_id: Mapped[str] = mapped_column(String(32), unique=True)
    responsible_individual: Mapped[str] = mapped_column(String(200))
    registered_manager: Mapped[str | None] = mapped_column(String(200))
    rating_url: Mapped[str | None] = mapped_column(String(500))
    registered_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
