"""Time helpers that behave the same on SQLite (naive datetimes) and PostgreSQL (aware ones)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored instant as an aware UTC datetime; SQLite hands back naive UTC values."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_now() -> datetime:
    """The wall-clock time in Wales, naive, as rota times are stored."""
    return datetime.now(LOCAL).replace(tzinfo=None)


def local_today() -> date:
    """Today's date in Wales, the day checks are judged on."""
    return local_now().date()
