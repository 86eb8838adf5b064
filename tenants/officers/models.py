"""The register of officers (Co-operative and Community Benefit Societies Act 2014 s.30),
officer elections carried by the members' vote, and the co-op's own tasks.

A task is something the co-op must do by a date, with where it came from: a CIW
notification that an officer change raised, or an item of the start-up checklist set
out by the onboarding wizard. A task is made once per source (a unique constraint), so
a re-run never duplicates it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantBase
from tenants.vocabulary import in_list

OFFICES = ("chair", "vice_chair", "secretary", "treasurer", "committee_member")
TASK_KINDS = ("ciw_notification", "startup")


class Officer(TenantBase):
    """One person's term in an office; ``ended_on`` closes it and the row stays as history."""

    __tablename__ = "officers"
    __table_args__ = (
        CheckConstraint(in_list("office", OFFICES), name="office"),
        CheckConstraint("ended_on IS NULL OR ended_on >= appointed_on", name="ended_after"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True)
    appointed_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class OfficerElection(TenantBase):
    """A proposal put to the members to appoint someone to an office.

    The vote is the proposal's ballot in governance; once it has closed and passed,
    carrying it appoints the officer (``officer_id``) and stamps ``carried_at``.
    """

    __tablename__ = "officer_elections"
    __table_args__ = (
        CheckConstraint(in_list("office", OFFICES), name="office"),
        CheckConstraint("length(trim(candidate_name)) > 0", name="candidate_not_blank"),
        CheckConstraint("officer_id IS NULL OR carried_at IS NOT NULL",
                        name="appointed_when_carried"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), unique=True)
    office: Mapped[str] = mapped_column(String(32))
    candidate_name: Mapped[str] = mapped_column(String(200))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="SET NULL"), unique=True)
    carried_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CoopTask(TenantBase):
    """Something the co-op must do, by when, and why (``source``, e.g. ``officer:12:ended``).

    ``code`` says what to do (``notify_ciw_officer_change``, ``register_with_ciw``);
    ``detail`` holds the facts the task's text names (office, name, dates).
    """

    __tablename__ = "coop_tasks"
    __table_args__ = (
        CheckConstraint(in_list("kind", TASK_KINDS), name="kind"),
        UniqueConstraint("code", "source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
