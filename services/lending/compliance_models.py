"""What a borrowing co-op records about a lent worker before it confirms a loan (issue 11).

A borrower cannot lean on the lender's checks: under Schedule 1 to WSI 2017/1264 it needs
its own evidence. ``DbsShare`` is the worker's consent, per borrowing co-op, to share their
DBS certificate number for an Update Service status check (revoking it clears the number).
``ComplianceRecord`` is one item of the borrower's checklist for one loan, with who
recorded it and when; the audit log holds every change.
"""

from __future__ import annotations

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

#: The checklist, in the order it is shown and a refusal names the gaps.
#: ``dbs_status_check``: the borrower checked an Update Service certificate's status;
#: ``dbs_own_certificate``: the borrower's own DBS application came back (a worker not on
#: the Update Service); ``id_seen``; ``scw_checked``: the Social Care Wales register;
#: ``lender_attestation``: the lender attests the other Schedule 1 items;
#: ``policies_introduced``: the worker was introduced to the borrower's policies.
ITEMS = ("dbs_status_check", "dbs_own_certificate", "id_seen", "scw_checked",
         "lender_attestation", "policies_introduced")
#: What a status check found: nothing new, or new information (the certificate no longer
#: counts); the same words as the workforce's own status checks.
STATUS_RESULTS = ("no_change", "new_information")


class DbsShare(FederationBase):
    """A worker's consent to share their DBS certificate number with one borrowing co-op."""

    __tablename__ = "lending_dbs_shares"
    __table_args__ = (
        CheckConstraint("(revoked_at IS NULL) = (certificate_number IS NOT NULL)",
                        name="number_only_while_shared"),
        # One live consent per worker per borrowing co-op.
        Index("uq_lending_dbs_shares_live", "worker_ref", "borrower_coop_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_ref: Mapped[str] = mapped_column(String(36))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    borrower_coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), index=True)
    #: The 12-digit certificate number; cleared when the consent is revoked.
    certificate_number: Mapped[str | None] = mapped_column(String(12))
    consented_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ComplianceRecord(FederationBase):
    """One item of a loan's pre-confirmation checklist, recorded by a co-op's person."""

    __tablename__ = "lending_compliance_records"
    __table_args__ = (
        CheckConstraint(in_list("item", ITEMS), name="item"),
        CheckConstraint("(item = 'dbs_status_check') = (result IS NOT NULL)",
                        name="result_only_for_status_check"),
        CheckConstraint("result IS NULL OR " + in_list("result", STATUS_RESULTS),
                        name="result"),
        CheckConstraint("(item IN ('dbs_status_check', 'dbs_own_certificate')) = "
                        "(valid_until IS NOT NULL)", name="valid_until_only_for_dbs"),
        UniqueConstraint("agreement_id", "item"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("federation.lending_agreements.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(24))
    #: The day the check was made (or the borrower's own certificate was issued).
    checked_on: Mapped[date] = mapped_column(Date)
    #: Who made the check, as they wrote it (a name, and a role if they like).
    checked_by: Mapped[str] = mapped_column(String(200))
    result: Mapped[str | None] = mapped_column(String(16))
    #: The last day the DBS evidence counts for the borrower: a status check's day plus
    #: the borrower's chosen interval, or its own certificate's day plus the years the
    #: rules allow. None for the other items.
    valid_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    coop_id: Mapped[int] = mapped_column(ForeignKey("federation.coops.id", ondelete="CASCADE"))
    recorded_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
