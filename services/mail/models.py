"""Emails sent, keyed by what they are for, so that each is sent once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase


class SentMail(FederationBase):
    """One email that must go out once: claimed ("sending", with a lease) then "sent".

    ``key`` is the idempotency key (e.g. ``invitation-3-41``: co-op 3's invitation 41).
    ``job`` and ``job_args`` name the job that sends it, so that the sweeper can run it
    again when a sender died holding the lease. Only ids, never an address or a text.
    """

    __tablename__ = "sent_mail"
    __table_args__ = (
        CheckConstraint("status IN ('sending', 'sent')", name="status"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
    )

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    job: Mapped[str] = mapped_column(String(120))
    job_args: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(8))
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
