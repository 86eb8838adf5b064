"""The federation's inbox: which co-op outbox events have been applied, so each applies once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase


class InboxEvent(FederationBase):
    """A delivered event, keyed by its co-op and its id in that co-op's outbox."""

    __tablename__ = "inbox_events"
    __table_args__ = (UniqueConstraint("coop_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("federation.coops.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now())
