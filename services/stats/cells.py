"""The fixed cells of the pooled statistics (DESIGN §3.4 rule 1), shared by every reader.

The publish job builds exactly these cells and nothing else; the regional portal and
the API validate a request against the same tuples, so a custom date range, a filter
on a co-op or two breakdowns at once cannot even be expressed.

Periods: an ISO week belongs to the month, quarter and year that contain its
Thursday, the same rule by which ISO 8601 assigns a week to its year. Weeks
therefore nest exactly in months, months in quarters and quarters in years, which
the disclosure control needs: every longer period is an exact total of shorter ones.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache

from core.areas import local_authorities, regional_partnership_boards
from tenants.vocabulary import AGE_BANDS, FUNDING_SOURCES, LANGUAGES, NEED_TYPES

WALES_CODE = "W92000004"  # ONS code of Wales

GEOGRAPHY_KINDS = ("wales", "rpb", "la")
PERIOD_KINDS = ("week", "month", "quarter", "year")

# Person counts: rule 2 (0 stays 0, 1-7 suppressed, else rounded to the nearest 5).
PERSON_MEASURES = ("clients", "workers", "members", "staff_lent_in", "staff_lent_out",
                   "workers_joined", "workers_left")
# Hours and visits: rule 3, then rounded to the nearest 10; suppressed with their person cell.
# Issue 13 adds hours asked for but not filled (open visits), and the hours of visits that
# need Welsh against those of them delivered by a Welsh-speaking worker.
VOLUME_MEASURES = ("care_hours", "visits", "hours_lent_in", "hours_lent_out",
                   "hours_unfilled", "welsh_hours_required", "welsh_hours_delivered")
MEASURES = ("care_hours", "visits", "clients", "workers", "members",
            "hours_lent_in", "hours_lent_out", "staff_lent_in", "staff_lent_out",
            "hours_unfilled", "welsh_hours_required", "welsh_hours_delivered",
            "workers_joined", "workers_left")

# The person cell whose suppression a volume cell follows (rule 4).
LINKED_PERSON_MEASURE = {
    "care_hours": "clients",
    "visits": "clients",
    "hours_lent_in": "staff_lent_in",
    "hours_lent_out": "staff_lent_out",
    "hours_unfilled": "clients",
    "welsh_hours_required": "clients",
    "welsh_hours_delivered": "clients",
}

# Person measures are a caseload: the value of a longer period is its last week's.
# Volume measures are a flow: the value of a longer period is the sum of its weeks.
# Workers joining and leaving are flows of people: a quarter's add up its weeks'.
STOCK_MEASURES = ("clients", "workers", "members")
# Staff lent in a quarter or year: each co-op's peak weekly count in the period, summed
# (issue 18). At most the people lent in the period, so lent hours are never shown beside
# fewer than 8 of them; a year is at least each of its quarters and at most their sum.
PEAK_MEASURES = ("staff_lent_in", "staff_lent_out")

# Hours travel as whole minutes in rollups, so that categories add up to the total
# exactly (hours rounded per category would not); they are published in hours.
MINUTES_MEASURES = ("care_hours", "hours_lent_in", "hours_lent_out", "hours_unfilled",
                    "welsh_hours_required", "welsh_hours_delivered")


def published_units(measure: str, raw: int | float) -> float:
    """A raw rollup figure in the unit the cell is published in (minutes → hours)."""
    return raw / 60 if measure in MINUTES_MEASURES else raw


# Lending is published only as totals for a quarter or a year, never by pair (rule 4).
LENDING_MEASURES = ("hours_lent_in", "hours_lent_out", "staff_lent_in", "staff_lent_out")
LENDING_PERIOD_KINDS = ("quarter", "year")
# Published only by quarter and year: lending, and workers joining and leaving (a week's
# joiners or leavers are nearly always too few to show).
QUARTERLY_MEASURES = (*LENDING_MEASURES, "workers_joined", "workers_left")

COOP_TYPES = ("worker", "user_led", "dp_pool", "multi_stakeholder", "foster", "community")

BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "age_band": tuple(AGE_BANDS),
    "need_type": tuple(NEED_TYPES),
    "funding_source": tuple(FUNDING_SOURCES),
    "language": tuple(LANGUAGES),
    "coop_type": COOP_TYPES,
}

# A client may have several needs, so need-type categories do not add up to the total;
# every other breakdown partitions the total.
NON_ADDITIVE_BREAKDOWNS = ("need_type",)

# Which breakdowns each measure has ('' is the total, always present except as noted).
MEASURE_BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "clients": ("", "age_band", "need_type", "funding_source", "language", "coop_type"),
    "care_hours": ("", "age_band", "funding_source", "language", "coop_type"),
    "visits": ("", "age_band", "funding_source", "language", "coop_type"),
    "workers": ("", "language", "coop_type"),
    "members": ("", "coop_type"),
    "hours_lent_in": ("",),
    "hours_lent_out": ("",),
    "staff_lent_in": ("",),
    "staff_lent_out": ("",),
    "hours_unfilled": ("",),
    "welsh_hours_required": ("",),
    "welsh_hours_delivered": ("",),
    "workers_joined": ("",),
    "workers_left": ("",),
}

REASONS = ("low_count", "few_coops", "dominance", "secondary", "linked_person_cell",
           "held_back", "suppressed")
# What a release publishes beside every suppressed cell (issue 18): a specific reason
# would bound the value (low_count means 1-7, the others 0 or at least 8).


def categories(breakdown: str) -> tuple[str, ...]:
    """The categories of ``breakdown``; the total ('') has the one category ''."""
    return BREAKDOWNS[breakdown] if breakdown else ("",)


def rpb_code(name: str) -> str:
    """The code of a Regional Partnership Board: its name as a slug ("Cardiff and Vale" →
    "cardiff-and-vale")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@cache
def rpb_codes() -> dict[str, str]:
    """RPB code → RPB name."""
    return {rpb_code(name): name for name in regional_partnership_boards()}


@cache
def la_to_rpb() -> dict[str, str]:
    """LA ONS code → RPB code."""
    return {code: rpb_code(la.rpb) for code, la in local_authorities().items()}


def geography_codes(kind: str) -> tuple[str, ...]:
    """Every geography code of ``kind``."""
    if kind == "wales":
        return (WALES_CODE,)
    if kind == "rpb":
        return tuple(sorted(rpb_codes()))
    if kind == "la":
        return tuple(sorted(local_authorities()))
    raise ValueError(f"unknown geography kind {kind!r}")


def is_valid_geography(kind: str, code: str) -> bool:
    """True if ``code`` is a geography of ``kind``."""
    return kind in GEOGRAPHY_KINDS and code in geography_codes(kind)


def measure_periods(measure: str) -> tuple[str, ...]:
    """The period kinds published for ``measure``."""
    return LENDING_PERIOD_KINDS if measure in QUARTERLY_MEASURES else PERIOD_KINDS


# --- ISO weeks and the periods that contain them ------------------------------------

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def iso_week(day: date) -> str:
    """The ISO week of ``day`` as '2026-W05'."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    """The Monday of an ISO week '2026-W05'; ValueError if it is not one."""
    match = _WEEK.match(week)
    if not match:
        raise ValueError(f"not an ISO week: {week!r}")
    return date.fromisocalendar(int(match[1]), int(match[2]), 1)


@cache
def week_periods(week: str) -> dict[str, str]:
    """The period of each kind that contains ``week`` (by its Thursday)."""
    thursday = week_monday(week) + timedelta(days=3)
    return {
        "week": week,
        "month": f"{thursday.year}-{thursday.month:02d}",
        "quarter": f"{thursday.year}-Q{(thursday.month - 1) // 3 + 1}",
        "year": f"{thursday.year}",
    }


def is_valid_period(kind: str, period: str) -> bool:
    """True if ``period`` is well formed for ``kind`` ('2026-W05', '2026-01', '2026-Q1',
    '2026')."""
    patterns = {"week": r"\d{4}-W(0[1-9]|[1-4]\d|5[0-3])", "month": r"\d{4}-(0[1-9]|1[0-2])",
                "quarter": r"\d{4}-Q[1-4]", "year": r"\d{4}"}
    if kind not in patterns or not re.fullmatch(patterns[kind], period):
        return False
    if kind == "week":
        try:
            week_monday(period)
        except ValueError:
            return False
    return True
