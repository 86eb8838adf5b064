"""Onboarding drafts: a forming group's answers to the wizard, kept between visits.

A draft is found by the hash of a resume token (the browser's, or an advisor's link)
or of the token last emailed to the group; neither token is stored in plain text.
Submitting sets ``coop_id``, which is unique, so one draft makes at most one co-op.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase
from tenants.vocabulary import in_list

# The wizard's steps, in order; "review" is where a finished draft is submitted.
STEPS = ("group", "where", "governance", "people", "services", "legal", "sharing")
PAGES = (*STEPS, "review")


class Draft(FederationBase):
    """One group's way through the onboarding wizard, saved after every step."""

    __tablename__ = "onboarding_drafts"
    __table_args__ = (
        CheckConstraint("locale IN ('en', 'cy')", name="locale"),
        CheckConstraint(in_list("step_reached", PAGES), name="step_reached"),
        CheckConstraint("coop_id IS NULL OR submitted_at IS NOT NULL", name="coop_when_submitted"),
        CheckConstraint("applied_at IS NULL OR coop_id IS NOT NULL", name="applied_needs_coop"),
        CheckConstraint("contact_email IS NULL OR contact_email = lower(contact_email)",
                        name="contact_email_lower"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locale: Mapped[str] = mapped_column(String(2), default="en")
    # Answers per step, as typed: {"group": {...}, ..., "done": [steps that validated]}.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    step_reached: Mapped[str] = mapped_column(String(16), default="group")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The link last emailed ("stop and come back"): made by the mail job, hash only.
    mailed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    mail_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The slug the group asked for, so that two drafts do not both count on it.
    slug: Mapped[str | None] = mapped_column(String(40), index=True)
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.agencies.id", ondelete="SET NULL"), index=True)
    advisor_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"), index=True)
    coop_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="SET NULL"), unique=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now())

    def answers(self, step: str) -> dict:
        """What was last typed on ``step`` (empty if the step was never saved)."""
        return dict((self.data or {}).get(step) or {})

    def is_done(self, step: str) -> bool:
        """Whether ``step``'s answers passed validation when last saved."""
        return step in (self.data or {}).get("done", [])

    @property
    def group_name(self) -> str:
        """The group's name in its own language (the wizard's), else its other name."""
        group = self.answers("group")
        welsh, english = (group.get("name_cy") or "").strip(), (group.get("name") or "").strip()
        first, second = (welsh, english) if self.locale == "cy" else (english, welsh)
        return first or second or f"Draft {self.id}"

    @property
    def intended_admin(self) -> tuple[str, str] | None:
        """The (name, email) of the founding member the group chose to run the workspace.

        Only until the draft is applied: the founders' details then move to the co-op's
        register, and the co-op's setting ``onboarding_chosen_admin_member_id`` names them.
        """
        people = self.answers("people")
        rows = people.get("people") or []
        try:
            row = rows[int(people.get("admin", ""))]
        except (ValueError, IndexError, TypeError):
            return None
        return row.get("name", ""), row.get("email", "")
