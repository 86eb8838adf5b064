"""Governance: proposals and secret ballots with one member, one vote.

Whether a member has voted (``ballot_participations``) is stored apart from what was
chosen (``ballot_choices``, which has no member and no time), so the ballot is secret.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantBase


class Proposal(TenantBase):
    """A resolution put to the members: ordinary (simple majority) or special (at least 75%)."""

    __tablename__ = "proposals"
    __table_args__ = (CheckConstraint("kind IN ('ordinary', 'special')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    created_by_account_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Ballot(TenantBase):
    """The vote on a proposal, open between two times, valid only if the quorum is met."""

    __tablename__ = "ballots"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        CheckConstraint("quorum >= 0", name="quorum"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             unique=True)
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    quorum: Mapped[int] = mapped_column(Integer, default=0)


class BallotParticipation(TenantBase):
    """That a member voted in a ballot; never what they chose."""

    __tablename__ = "ballot_participations"
    __table_args__ = (UniqueConstraint("ballot_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class BallotChoice(TenantBase):
    """One anonymous choice, with the voting class it counts in (for class vote caps).

    A random key, no member and no time, so choices cannot be matched to participations.
    """

    __tablename__ = "ballot_choices"
    __table_args__ = (CheckConstraint("choice IN ('for', 'against', 'abstain')", name="choice"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"),
                                           index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("member_classes.id", ondelete="RESTRICT"))
    choice: Mapped[str] = mapped_column(String(8))
