"""Member classes: who may join a co-op, with or without a vote, and on what terms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantBase


class MemberClass(TenantBase):
    """A class of membership. Every voting member has one vote, whatever their shares."""

    __tablename__ = "member_classes"
    __table_args__ = (
        CheckConstraint("vote_cap_pct IS NULL OR (vote_cap_pct > 0 AND vote_cap_pct <= 100)",
                        name="vote_cap_pct"),
        CheckConstraint("vote_cap_pct IS NULL OR voting", name="cap_needs_vote"),
        CheckConstraint("min_shares >= 0", name="min_shares"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_cy: Mapped[str] = mapped_column(String(120))
    voting: Mapped[bool] = mapped_column(Boolean)
    vote_cap_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    min_shares: Mapped[int] = mapped_column(Integer, default=1)
    eligibility_en: Mapped[str] = mapped_column(Text, default="")
    eligibility_cy: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def name(self, locale: str) -> str:
        """The class name in ``locale``."""
        return self.name_cy if locale == "cy" else self.name_en
