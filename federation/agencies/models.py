"""Development agencies and their advisors."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
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
