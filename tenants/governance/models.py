"""Governance: general meetings, proposals and secret ballots with one member, one vote.

Whether a member has voted (``ballot_participations``) is stored apart from what was
chosen (``ballot_choices``, which has no member and no time), so the ballot is secret.
That holds for every way of voting: online, on paper, by post, assisted, in the room or
by proxy. A vote recorded on someone's behalf needs a second person (another account) to
witness it; the choice is only written when they do.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
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
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("general_meetings.id", ondelete="RESTRICT"), index=True)
    easy_read: Mapped[str] = mapped_column(Text, default="", server_default="")


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
    """That a member voted in a ballot, and how; never what they chose.

    One row per member and ballot, whatever the method, so a member who voted on paper
    cannot vote again online. ``online`` votes are cast by the member; ``proxy`` votes by
    the proxy they appointed; the others are recorded by one account and witnessed by
    another, and count only once witnessed.
    """

    __tablename__ = "ballot_participations"
    __table_args__ = (
        UniqueConstraint("ballot_id", "member_id"),
        CheckConstraint("method IN ('online', 'paper', 'postal', 'assisted', 'in_room', "
                        "'proxy')", name="method"),
        CheckConstraint("method IN ('online', 'proxy') OR recorded_by_account_id IS NOT NULL",
                        name="recorded_by_someone"),
        CheckConstraint("witnessed_by_account_id IS NULL OR recorded_by_account_id IS NULL "
                        "OR witnessed_by_account_id <> recorded_by_account_id",
                        name="witness_is_someone_else"),
        CheckConstraint("(method = 'proxy') = (proxy_member_id IS NOT NULL)", name="proxy"),
        CheckConstraint("proxy_member_id IS NULL OR proxy_member_id <> member_id",
                        name="proxy_is_someone_else"),
        CheckConstraint("(witnessed_at IS NULL) = (witnessed_by_account_id IS NULL)",
                        name="witnessed_together"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    method: Mapped[str] = mapped_column(String(16), default="online", server_default="online")
    recorded_by_account_id: Mapped[int | None] = mapped_column(Integer)
    witnessed_by_account_id: Mapped[int | None] = mapped_column(Integer)
    witnessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    proxy_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"))


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


class GeneralMeeting(TenantBase):
    """A general meeting of the members: annual (the AGM) or general.

    Notice goes out ``notice_days`` clear days before ``held_at``; the quorum is a number
    of members present (in person, and by proxy where the rules allow proxies).
    """

    __tablename__ = "general_meetings"
    __table_args__ = (
        CheckConstraint("kind IN ('annual', 'general')", name="kind"),
        CheckConstraint("quorum >= 1", name="quorum"),
        CheckConstraint("notice_days >= 0", name="notice_days"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(Text, default="")
    quorum: Mapped[int] = mapped_column(Integer)
    notice_days: Mapped[int] = mapped_column(Integer)
    proxies_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    notice_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by_account_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MeetingAttendance(TenantBase):
    """The attendance register: a member present at a general meeting."""

    __tablename__ = "meeting_attendance"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("general_meetings.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                           primary_key=True)
    recorded_by_account_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class ProxyAppointment(TenantBase):
    """A member appointing another member to vote for them at one meeting."""

    __tablename__ = "proxy_appointments"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id"),
        CheckConstraint("proxy_member_id <> member_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("general_meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    proxy_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                                 index=True)
    recorded_by_account_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MeetingNotice(TenantBase):
    """That one member was given notice of a meeting, by email or by letter (once each)."""

    __tablename__ = "meeting_notices"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id"),
        CheckConstraint("channel IN ('email', 'letter')", name="channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("general_meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProposalComment(TenantBase):
    """One contribution to a proposal's discussion thread."""

    __tablename__ = "proposal_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    author_account_id: Mapped[int | None] = mapped_column(Integer)
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SocietyReminder(TenantBase):
    """That a reminder (AGM or FCA annual return, for one year end) was sent: sent once."""

    __tablename__ = "society_reminders"
    __table_args__ = (
        UniqueConstraint("kind", "year_end", "stage"),
        CheckConstraint("kind IN ('agm', 'fca_return')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    year_end: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
