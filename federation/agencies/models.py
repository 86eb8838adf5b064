"""Development agencies, their advisors, which co-ops have granted an agency access, and
each agency's portfolio: the groups it supports, their checklists and notes, and hand-overs.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase
from tenants.vocabulary import in_list


class Agency(FederationBase):
    """A development agency, such as Cwmpas (the Wales Co-operative Centre until 2022)."""

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


class Stage(enum.StrEnum):
    """Where a supported group stands, in the order groups usually move through."""

    ENQUIRY = "enquiry"
    FORMING = "forming"
    REGISTERING = "registering"
    TRADING = "trading"


# The default start-up checklist, in the order an advisor usually works through it.
CHECKLIST_KEYS = ("legal_form", "fca_registration", "ciw_registration", "dbs_umbrella",
                  "employers_liability", "bank_account", "first_agm", "funding")


class SupportedGroup(FederationBase):
    """A group (later a co-op) an agency supports: the agency's own record of it.

    Nothing here is the co-op's data: the co-op's store is read only through a live grant
    of access (``access.advisor_coop``). ``draft_id`` links the onboarding wizard an
    advisor started on the group's behalf; ``coop_id`` the co-op it became.
    """

    __tablename__ = "supported_groups"
    __table_args__ = (
        CheckConstraint(in_list("stage", Stage), name="stage"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        UniqueConstraint("agency_id", "name"),
        UniqueConstraint("agency_id", "coop_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("federation.agencies.id", ondelete="CASCADE"), index=True)
    lead_advisor_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    name_cy: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(16), default=Stage.ENQUIRY)
    next_contact_on: Mapped[date | None] = mapped_column(Date, index=True)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.onboarding_drafts.id", ondelete="SET NULL"), unique=True)
    coop_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

    def display_name(self, locale: str) -> str:
        """The group's name in ``locale``, falling back to English."""
        return self.name_cy if locale == "cy" and self.name_cy else self.name


class ChecklistItem(FederationBase):
    """One start-up checklist item a group has done, and the day it was done.

    An item without a row is not done yet; unticking deletes the row.
    """

    __tablename__ = "checklist_items"
    __table_args__ = (
        UniqueConstraint("group_id", "item_key"),
        CheckConstraint(in_list("item_key", CHECKLIST_KEYS), name="item_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("federation.supported_groups.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(32))
    done_on: Mapped[date] = mapped_column(Date)


class GroupNote(FederationBase):
    """An advisor's note on a group, with its author and time."""

    __tablename__ = "group_notes"
    __table_args__ = (
        CheckConstraint("length(body) BETWEEN 1 AND 4000", name="body_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("federation.supported_groups.id", ondelete="CASCADE"), index=True)
    author_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class Handover(FederationBase):
    """An advisor handing a co-op they set up over to a named founding member.

    The mail job makes the link's token and stores only its hash. At most one hand-over
    of a co-op is open at a time (a partial unique index); accepted and cancelled ones
    stay as history.
    """

    __tablename__ = "handovers"
    __table_args__ = (
        CheckConstraint("to_email = lower(to_email)", name="to_email_lower"),
        Index("uq_handovers_open", "coop_id", unique=True,
              postgresql_where=text("accepted_at IS NULL AND cancelled_at IS NULL"),
              sqlite_where=text("accepted_at IS NULL AND cancelled_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), index=True)
    from_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    to_email: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
