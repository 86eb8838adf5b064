"""Which published statistics a regional analyst may read."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase


class AnalystGrant(FederationBase):
    """An analyst's area: ``wales``, a Regional Partnership Board, or a local authority code."""

    __tablename__ = "analyst_grants"
    __table_args__ = (
        UniqueConstraint("account_id", "area"),
        CheckConstraint("area_kind IN ('wales', 'rpb', 'la')", name="area_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="CASCADE"), index=True)
    area_kind: Mapped[str] = mapped_column(String(8))
    area: Mapped[str] = mapped_column(String(64))
