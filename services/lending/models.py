"""Lending between co-ops: requests, agreements, the ledger and notifications (DESIGN §3.3).

A request carries slots, an area, skills and whether Welsh is needed, plus an optional
continuity hint (pseudonymous refs the borrower computed from its own store). Nothing
here names or identifies a client.

Agreement states: ``offered`` (to the lending co-op) → ``approved`` (by the lender, so
offered to the worker) → ``accepted`` (by the worker) → ``confirmed`` (by the borrower)
→ ``completed``; or ``declined``, ``cancelled`` or ``expired`` on the way.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.areas import local_authorities
from core.db import FederationBase
from tenants.vocabulary import in_list

REQUEST_STATES = ("open", "filled", "cancelled", "expired")
AGREEMENT_STATES = ("offered", "approved", "accepted", "confirmed", "completed", "declined",
                    "cancelled", "expired")
LIVE_STATES = ("offered", "approved", "accepted", "confirmed")
BOOKED_STATES = ("confirmed", "completed")
NOTIFICATION_KINDS = ("offered", "approved", "accepted", "confirmed", "completed", "declined",
                      "cancelled", "expired")


class LendingRequest(FederationBase):
    """A borrowing co-op's request for cover; ``on_board`` also lists it on the open board."""

    __tablename__ = "lending_requests"
    __table_args__ = (
        CheckConstraint(in_list("state", REQUEST_STATES), name="state"),
        CheckConstraint(in_list("la_code", local_authorities()), name="la_code"),
        CheckConstraint("rate >= 0", name="rate"),
        Index("ix_lending_requests_open", "state", "on_board"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    borrower_coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), index=True)
    la_code: Mapped[str] = mapped_column(String(9))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    skills_mask: Mapped[int] = mapped_column(Integer, default=0)
    welsh_required: Mapped[bool] = mapped_column(Boolean, default=False)
    continuity_refs: Mapped[list] = mapped_column(JSON, default=list)
    #: Workers the person cared for asked not to have ("please not"): ranked last.
    avoid_refs: Mapped[list | None] = mapped_column(JSON)
    #: The engagements for which the borrower's rules need Social Care Wales registration
    #: (its registered services decide; issue 11). None: not known, so every engagement
    #: the rule can cover is asked for.
    scw_engagements: Mapped[list | None] = mapped_column(JSON)
    #: Hourly rate the borrower offers, in pounds.
    rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    on_board: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

    slots: Mapped[list[LendingSlot]] = relationship(
        cascade="all, delete-orphan", order_by="LendingSlot.starts_at", lazy="selectin")


class LendingSlot(FederationBase):
    """One stretch of work a request asks for (wall-clock time in Wales)."""

    __tablename__ = "lending_slots"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("travel_minutes BETWEEN 0 AND 600", name="travel_minutes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("federation.lending_requests.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    travel_minutes: Mapped[int] = mapped_column(Integer, default=0)


class LendingAgreement(FederationBase):
    """A request offered to one pooled worker's co-op, and where it stands."""

    __tablename__ = "lending_agreements"
    __table_args__ = (
        CheckConstraint(in_list("state", AGREEMENT_STATES), name="state"),
        CheckConstraint("rate >= 0", name="rate"),
        CheckConstraint("borrower_coop_id <> lender_coop_id", name="two_coops"),
        # One live offer per worker per request.
        Index("uq_lending_agreements_live", "request_id", "worker_ref", unique=True,
              sqlite_where=text("state IN ('offered', 'approved', 'accepted', 'confirmed')"),
              postgresql_where=text(
                  "state IN ('offered', 'approved', 'accepted', 'confirmed')")),
        Index("ix_lending_agreements_worker_state", "worker_ref", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("federation.lending_requests.id", ondelete="CASCADE"), index=True)
    borrower_coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), index=True)
    lender_coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), index=True)
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.pool_profiles.id", ondelete="SET NULL"), index=True)
    worker_ref: Mapped[str] = mapped_column(String(36))
    worker_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"), index=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    state: Mapped[str] = mapped_column(String(16), default="offered")
    #: The worker offered themselves from the open shifts board.
    volunteered: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

    request: Mapped[LendingRequest] = relationship(lazy="joined")


class LedgerEntry(FederationBase):
    """Completed lent time of one agreement, valued at its hourly rate; posted once."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("rate >= 0", name="rate"),
        CheckConstraint("minutes > 0", name="minutes"),
        CheckConstraint("lender_coop_id <> borrower_coop_id", name="two_coops"),
        Index("ix_ledger_entries_pair_month", "lender_coop_id", "borrower_coop_id", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("federation.lending_agreements.id", ondelete="CASCADE"), unique=True)
    lender_coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"))
    borrower_coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), index=True)
    #: The first day of the month the hours were worked in.
    month: Mapped[date] = mapped_column(Date)
    #: Worked minutes (travel included): whole minutes keep the valuation exact.
    minutes: Mapped[int] = mapped_column(Integer)
    rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                server_default=func.now())


class Notification(FederationBase):
    """Something a person should see about a loan (ids and a kind; read on their pages)."""

    __tablename__ = "lending_notifications"
    __table_args__ = (
        CheckConstraint(in_list("kind", NOTIFICATION_KINDS), name="kind"),
        UniqueConstraint("account_id", "agreement_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="CASCADE"), index=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("federation.coops.id", ondelete="CASCADE"))
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("federation.lending_agreements.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


#: What a worker is emailed about: an offer made to them, the lender's "no" to a shift they
#: offered to take, confirmation, cancellation, a reminder before the offer lapses, expiry.
EMAIL_KINDS = ("approved", "declined", "confirmed", "cancelled", "expiring", "expired")


class LendingEmail(FederationBase):
    """An email a worker is owed about their loan: the outbox row, written in the same
    transaction as the step it tells of, and sent once by the mail job.

    The row is the whole of the pending work (ids and a kind, never an address or a text),
    so a lost queue loses nothing: the sweeper sends every row still without ``sent_at``.
    """

    __tablename__ = "lending_emails"
    __table_args__ = (
        CheckConstraint(in_list("kind", EMAIL_KINDS), name="kind"),
        UniqueConstraint("agreement_id", "account_id", "kind"),
        Index("ix_lending_emails_unsent", "id", sqlite_where=text("sent_at IS NULL"),
              postgresql_where=text("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("federation.lending_agreements.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# -- issue 11: the pair's sharing agreement, the rate's parts, timesheets --------------------

ARRANGEMENTS = ("secondment", "supply_of_staff")
RATE_PARTS = ("wage", "employer_ni", "pension", "holiday_pay", "travel", "overheads")
TIMESHEET_STATES = ("submitted", "approved", "disputed")


def _part_checks() -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(f"{part} >= 0", name=part) for part in RATE_PARTS)


class RateParts:
    """The parts of an hourly rate, in pounds per hour (``RATE_PARTS``), none negative."""

    wage: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    employer_ni: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    pension: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    holiday_pay: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    travel: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    overheads: Mapped[Decimal] = mapped_column(Numeric(8, 2))


class LendingTerms(FederationBase):
    """A co-op's defaults when it lends: the wage and on-costs its rate is built from, and
    its insurance cover. A change here makes a new version of each of its pair agreements."""

    __tablename__ = "lending_terms"
    __table_args__ = (
        CheckConstraint("wage >= 0", name="wage"),
        CheckConstraint("travel_per_hour >= 0", name="travel_per_hour"),
        *(CheckConstraint(f"{name} BETWEEN 0 AND 100", name=name) for name in (
            "employer_ni_percent", "pension_percent", "holiday_percent", "overheads_percent")),
        CheckConstraint(in_list("arrangement", ARRANGEMENTS), name="arrangement"),
    )

    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), primary_key=True)
    #: The hourly wage a request is pre-filled with.
    wage: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    employer_ni_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    pension_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    holiday_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    overheads_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    travel_per_hour: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    #: How the co-op prefers its lent workers to be engaged (a new pair's first version).
    arrangement: Mapped[str] = mapped_column(String(16), default="supply_of_staff")
    employers_liability: Mapped[str] = mapped_column(String(300), default="")
    public_liability: Mapped[str] = mapped_column(String(300), default="")
    updated_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class SharingAgreement(FederationBase):
    """One version of the agreement between a pair of co-ops (lower id first) for lending
    staff either way: who employs the worker, each side's insurance, the rate basis and the
    VAT note. A loan can be confirmed only under a current version both co-ops accepted."""

    __tablename__ = "sharing_agreements"
    __table_args__ = (
        CheckConstraint("coop_a_id < coop_b_id", name="pair_ordered"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint(in_list("arrangement", ARRANGEMENTS), name="arrangement"),
        UniqueConstraint("coop_a_id", "coop_b_id", "version"),
        # One current version per pair.
        Index("uq_sharing_agreements_current", "coop_a_id", "coop_b_id", unique=True,
              sqlite_where=text("superseded_at IS NULL"),
              postgresql_where=text("superseded_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coop_a_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"))
    coop_b_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    arrangement: Mapped[str] = mapped_column(String(16))
    #: Both co-ops' rate basis and insurance as they stood for this version (by co-op id).
    terms: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Why this version was made: "first_loan", "terms_changed" or "arrangement_changed".
    reason: Mapped[str] = mapped_column(String(32))
    created_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    a_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    a_accepted_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    b_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    b_accepted_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoanRate(RateParts, FederationBase):
    """The parts of a confirmed loan's hourly rate, fixed at confirmation under the pair's
    accepted agreement version (pounds per hour)."""

    __tablename__ = "loan_rates"
    __table_args__ = _part_checks()

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("federation.lending_agreements.id", ondelete="CASCADE"), primary_key=True)
    sharing_agreement_id: Mapped[int] = mapped_column(
        ForeignKey("federation.sharing_agreements.id", ondelete="CASCADE"), index=True)
    fixed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                               server_default=func.now())


class Timesheet(FederationBase):
    """The hours a loan was worked, as submitted (by the lender or the worker) and as the
    borrower approved them. Nothing reaches the ledger until they are approved; a dispute
    records who and why and posts nothing."""

    __tablename__ = "lending_timesheets"
    __table_args__ = (
        CheckConstraint(in_list("state", TIMESHEET_STATES), name="state"),
        CheckConstraint("minutes > 0 AND minutes <= 72000", name="minutes"),
        CheckConstraint("approved_minutes IS NULL OR (approved_minutes > 0 AND "
                        "approved_minutes <= 72000)", name="approved_minutes"),
        CheckConstraint("state <> 'approved' OR (approved_minutes IS NOT NULL AND "
                        "approved_at IS NOT NULL)", name="approved_has_minutes"),
        CheckConstraint("state <> 'disputed' OR (disputed_at IS NOT NULL AND "
                        "dispute_reason IS NOT NULL)", name="disputed_has_reason"),
        CheckConstraint(in_list("submitted_as", ("lender", "worker")), name="submitted_as"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("federation.lending_agreements.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="submitted")
    #: Worked minutes as submitted, travel included.
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500))
    submitted_as: Mapped[str] = mapped_column(String(8))
    submitted_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_minutes: Mapped[int | None] = mapped_column(Integer)
    approved_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dispute_reason: Mapped[str | None] = mapped_column(String(500))
    disputed_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    disputed_by_coop_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="SET NULL"))
    disputed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(String(500))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LedgerEntryParts(RateParts, FederationBase):
    """The parts a ledger entry's hourly rate was built from (pounds per hour), and the
    approved timesheet whose hours it posts."""

    __tablename__ = "ledger_entry_parts"
    __table_args__ = _part_checks()

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("federation.ledger_entries.id", ondelete="CASCADE"), primary_key=True)
    timesheet_id: Mapped[int] = mapped_column(
        ForeignKey("federation.lending_timesheets.id", ondelete="CASCADE"), unique=True)
