"""Bookkeeping of the rollups a co-op has sent: one row per ISO week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantBase


class RollupState(TenantBase):
    """The digest and revision of the last rollup emitted for a week.

    A week is emitted again only when its digest changes, with the next revision, in
    the same transaction as the outbox row; the federation keeps the highest revision.
    """

    __tablename__ = "stats_rollup_states"
    __table_args__ = (CheckConstraint("revision > 0", name="revision_positive"),)

    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    emitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
