"""Numbers, dates and weeks as the reader writes them: "6 Rhagfyr 2026", "1,234.5", "40%".

Pages use these as Jinja filters (``{{ d|day }}``, ``{{ t|when }}``, ``{{ n|number }}``,
``{{ pct|percent }}``, registered in ``federation.i18n``); Python code that builds a
sentence for a person calls them directly. CSV files and the API keep ISO 8601 and plain
numbers: they are read by programs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from babel import dates, numbers
from flask import has_app_context
from flask_babel import get_locale

from core.timeutil import LOCAL


def _locale() -> str:
    """The reader's locale; English is British English ("6 December 2026", not "December 6")."""
    locale = get_locale() if has_app_context() else None
    if locale is None or (locale.language == "en" and not locale.territory):
        return "en_GB"
    return str(locale)


def language() -> str:
    """The reader's language, ``"cy"`` or ``"en"``: which of a record's two names to show."""
    return "cy" if _locale().startswith("cy") else "en"


def _wall_clock(value: datetime) -> datetime:
    """An aware instant in Welsh wall-clock time; a naive one is already wall-clock time."""
    return value.astimezone(LOCAL) if value.tzinfo is not None else value


def day(value: date | datetime | None, style: str = "long") -> str:
    """A date: "6 December 2026" / "6 Rhagfyr 2026" (``style="medium"``: "6 Rhag 2026")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _wall_clock(value).date()
    return dates.format_date(value, style, locale=_locale())


def when(value: datetime | None) -> str:
    """A date and a 24-hour time: "6 December 2026, 14:05" / "6 Rhagfyr 2026, 14:05"."""
    if value is None:
        return ""
    value = _wall_clock(value)
    return f"{day(value.date())}, {value:%H:%M}"


def clock(value: datetime | None) -> str:
    """A time of day, 24-hour, the same in both languages: "14:05"."""
    return "" if value is None else f"{_wall_clock(value):%H:%M}"


def week(monday: date | None) -> str:
    """A week by its days: "30 November – 6 December 2026" / "30 Tachwedd – 6 Rhagfyr 2026"."""
    if monday is None:
        return ""
    sunday = monday + timedelta(days=6)
    start = day(monday) if monday.year != sunday.year else dates.format_date(
        monday, "d MMMM", locale=_locale())
    return f"{start} – {day(sunday)}"


def number(value: int | float | Decimal | None, places: int | None = None) -> str:
    """A number with the reader's separators; never scientific ("40", not "4E+1")."""
    if value is None:
        return ""
    pattern = None if places is None else "#,##0." + "0" * places if places else "#,##0"
    return numbers.format_decimal(value, format=pattern, locale=_locale(),
                                  decimal_quantization=places is not None)


def percent(value: int | float | Decimal | None) -> str:
    """A value given in per cent (40 for 40%): "40%", "12.5%"."""
    if value is None:
        return ""
    return numbers.format_percent(Decimal(str(value)) / 100, format="#,##0.##%",
                                  locale=_locale())


FILTERS = {"day": day, "when": when, "clock": clock, "week": week, "number": number,
           "percent": percent}
