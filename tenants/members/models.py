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
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import TenantBase

# Classes whose label says that a member receives care, or cares for someone who does:
# special-category data (UK GDPR Art. 9), shown only to those who run the register.
CARE_RELATED_CODES = frozenset({"service_user", "cared_for", "dp_holder", "family_carer",
                                "representative"})


def _care_related_default(context) -> bool:
    return context.get_current_parameters().get("code") in CARE_RELATED_CODES


class MemberClass(TenantBase):
    """A class of membership. Every voting member has one vote, whatever their shares.

    ``care_related`` marks a label that reveals care (e.g. "Cared-for member"): members
    and workers never see it on anyone else's entry (wales-care-rules.md §6).
    """

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
    care_related: Mapped[bool] = mapped_column(Boolean, default=_care_related_default,
                                               server_default=false())
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
    __table_args__ = (
        # One invitation per member waiting to be sent: two requests (or two runs of the
        # onboarding apply job) racing make one, not two emails.
        Index("uq_invitations_unsent_member", "member_id", unique=True,
              sqlite_where=text("sent_at IS NULL AND accepted_at IS NULL"),
              postgresql_where=text("sent_at IS NULL AND accepted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FoundingMember(TenantBase):
    """A founding member entered from an onboarding draft: at most one per person listed.

    The key is the draft and the person's place in its list, so two runs of the apply
    job cannot both enter the same founder.
    """

    __tablename__ = "founding_members"

    draft_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           unique=True)


class ShareTransaction(TenantBase):
    """One movement of share capital (CCBS Act 2014 s.30: shares held and amount paid).

    An *application* goes applied → approved (by the committee) → paid → allotted, or is
    refused. A *withdrawal* goes applied → approved → completed (the money repaid), or is
    refused. A member's shareholding is the shares of allotted applications less those of
    completed withdrawals; ``Member.shares_held`` is kept equal to it in the same
    transaction. Amounts are in pence.
    """

    __tablename__ = "share_transactions"
    __table_args__ = (
        CheckConstraint("kind IN ('application', 'withdrawal')", name="kind"),
        CheckConstraint("state IN ('applied', 'approved', 'paid', 'allotted', 'completed', "
                        "'refused')", name="state"),
        CheckConstraint("shares > 0", name="shares"),
        CheckConstraint("amount_pence >= 0", name="amount_pence"),
        CheckConstraint("kind = 'application' OR state NOT IN ('paid', 'allotted')",
                        name="withdrawal_states"),
        CheckConstraint("kind = 'withdrawal' OR state <> 'completed'",
                        name="application_states"),
        CheckConstraint("state IN ('applied', 'refused') OR approved_on IS NOT NULL",
                        name="approved_on_set"),
        CheckConstraint("state NOT IN ('allotted', 'completed') OR settled_on IS NOT NULL",
                        name="settled_on_set"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    shares: Mapped[int] = mapped_column(Integer)
    amount_pence: Mapped[int] = mapped_column(Integer, default=0)
    applied_on: Mapped[date] = mapped_column(Date)
    approved_by_account_id: Mapped[int | None] = mapped_column(Integer)
    approved_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    settled_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
