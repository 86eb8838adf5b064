"""Development agencies, their advisors, and which co-ops have granted an agency access."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase


class Agency(FederationBase):
    """A development agency, such as the Wales Co-operative Centre."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_cy: Mapped[str | None] = mapped_column(String(200))


class AgencyAdvisor(FederationBase):
    """An account that advises on behalf of an agency."""

    __tablename__ = "agency_advisors"
    __table_args__ = (UniqueConstraint("agency_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("federation.agencies.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="CASCADE"), index=True)


class AgencyAccess(FederationBase):
    """A co-op's grant of access to an agency. Withdrawing it stamps ``withdrawn_at``.

    At most one grant per co-op and agency is live at a time (a partial unique index);
    withdrawn grants stay as history.
    """

    __tablename__ = "agency_access"
    __table_args__ = (
        Index("uq_agency_access_live", "coop_id", "agency_id", unique=True,
              postgresql_where=text("withdrawn_at IS NULL"),
              sqlite_where=text("withdrawn_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("federation.agencies.id", ondelete="CASCADE"), index=True)
    granted_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
