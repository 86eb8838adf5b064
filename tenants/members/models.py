"""Members: classes (who may join, with or without a vote), the register, and invitations."""

from __future__ import annotations

from datetime import date, datetime
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
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class Member(TenantBase):
    """An entry in the register of members (Co-operative and Community Benefit Societies Act 2014).

    ``account_id`` refers to a federation account by id only, and only where the
    person signs in; many members never do.
    """

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("shares_held >= 0", name="shares_held"),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
        CheckConstraint("email IS NULL OR email = lower(email)", name="email_lower"),
        Index("uq_members_account_id", "account_id", unique=True,
              sqlite_where=text("account_id IS NOT NULL"),
              postgresql_where=text("account_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    postal_address: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(Integer)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    shares_held: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    classes: Mapped[list[MemberClass]] = relationship(secondary="member_class_links",
                                                      order_by="MemberClass.id")


class MemberClassLink(TenantBase):
    """A member's place in one member class (a member may be in several)."""

    __tablename__ = "member_class_links"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("member_classes.id", ondelete="RESTRICT"),
                                          primary_key=True)


class Invitation(TenantBase):
    """An emailed link inviting a member to sign in. Only the token's hash is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
