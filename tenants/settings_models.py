"""Per-co-op overrides of global settings, read on top of the defaults."""

from __future__ import annotations

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantBase


class CoopSetting(TenantBase):
    """One override: a setting's key and its value for this co-op."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict | list | str | int | bool | None] = mapped_column(JSON)
