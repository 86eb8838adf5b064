"""Leases on work in progress, kept in the federation's store rather than in Redis.

A lease says "a live process is doing this now, until ``expires_at``". The process renews
it while it works (a heartbeat); a process that dies stops renewing, the lease expires,
and the sweeper may hand the work to another. Nothing about it needs Redis to survive.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase


class JobLease(FederationBase):
    """Who holds the lease on one piece of work (e.g. ``stats-publish-7``) and until when."""

    __tablename__ = "job_leases"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
