"""What a co-op keeps about the person receiving care and the people they let in.

All of it lives in the co-op's own store. The person's access comes only through a
``CareLink`` made by a coordinator with the person's recorded consent; a family member's
only through a ``FamilyGrant`` the person made. Ending a link deletes it (the audit log
keeps the history); a revoked grant keeps its row, so the invitation cannot be reused.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
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

#: A person linked to a client record is the person cared for, or their representative.
LINK_ROLES = ("person", "representative")
#: How the person gave their consent to the link.
CONSENT_METHODS = ("in_person", "phone", "letter", "email", "video")
#: A person's wish about one carer.
WISHES = ("again", "not")


class CareLink(TenantBase):
    """An account that may see a client's own page: the person, or their representative."""

    __tablename__ = "care_links"
    __table_args__ = (
        CheckConstraint(in_list("role", LINK_ROLES), name="role"),
        CheckConstraint(in_list("consent_how", CONSENT_METHODS), name="consent_how"),
        # One person and at most one representative per client record.
        UniqueConstraint("client_id", "role"),
        UniqueConstraint("client_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    role: Mapped[str] = mapped_column(String(16))
    consent_given_on: Mapped[date] = mapped_column(Date)
    consent_how: Mapped[str] = mapped_column(String(16))
    consent_recorded_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FamilyGrant(TenantBase):
    """A family member the person invited, and what the person lets them see."""

    __tablename__ = "family_grants"
    __table_args__ = (
        CheckConstraint("sees_times OR sees_names", name="sees_something"),
        CheckConstraint("email = lower(email)", name="email_lower"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_account_id: Mapped[int] = mapped_column(Integer)
    sees_times: Mapped[bool] = mapped_column(Boolean)
    sees_names: Mapped[bool] = mapped_column(Boolean)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CarerPreference(TenantBase):
    """"I'd like ‹name› again" or "please not ‹name›", said by the person about one carer.

    A home worker is named by id; a worker lent by another co-op by their pseudonymous
    pool ref (the only name this store has for them besides a first name).
    """

    __tablename__ = "carer_preferences"
    __table_args__ = (
        CheckConstraint(in_list("wish", WISHES), name="wish"),
        CheckConstraint("(worker_id IS NULL) <> (worker_ref IS NULL)", name="one_worker"),
        UniqueConstraint("client_id", "worker_id"),
        UniqueConstraint("client_id", "worker_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    worker_ref: Mapped[str | None] = mapped_column(String(36))
    wish: Mapped[str] = mapped_column(String(8))
    set_by_account_id: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
