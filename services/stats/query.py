"""The read side of pooled statistics: what may be asked, and the published cells that answer.

Regional users (the portal and the API alike) only ever read cells of the latest
published release, never the raw rollups. A request names fixed cells only (DESIGN
§3.4, rule 1): a geography inside the reader's area, a measure, a kind of period and,
optionally, one whole period and at most one breakdown. Anything else (a custom date
range, a filter on a co-op or a co-op attribute, an unknown or a second breakdown, any
parameter we do not know) is refused with ``BadQuery`` naming the parameter, before a
single cell is read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from sqlalchemy import func, select

from core.db import db
from core.errors import NotFound, ValidationError
from services.stats import cells as fixed
from services.stats.models import StatsCell, StatsRelease
from services.stats.publish import latest_published

AREA_KINDS = fixed.GEOGRAPHY_KINDS
QUERY_PARAMETERS = ("geography", "measure", "period_kind", "period", "breakdown")
PAGE_PARAMETERS = ("page", "page_size")
PAGE_SIZE_MAX = 1000

PERIOD_EXAMPLES = {"week": "2026-W05", "month": "2026-01", "quarter": "2026-Q1", "year": "2026"}
# Names people use for custom date ranges; each is refused by name, not silently dropped.
_DATE_WORDS = re.compile(
    r"(^|[_\-.\[])(from|to|start|end|since|until|date|dates|range|before|after|between|day|"
    r"days|weeks|months)($|[_\-.\]])", re.IGNORECASE)
# Names of filters on a co-op or a co-op attribute.
_COOP_WORDS = re.compile(
    r"co-?op|co_op|cooperative|slug|organi[sz]ation|^org$|provider|member_class",
    re.IGNORECASE)
_RANGE_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}|\.\.|/|,|\s|;|~")


class BadQuery(ValidationError):
    """A request for cells that are not offered; ``codes`` says why, per parameter.

    422, as every refusal of a request that was read but names a wrong field
    (docs/architecture.md, "400 or 422"): the query string was read, and it asks for
    something outside the fixed cells, so each wrong parameter is named and nothing is
    served.
    """

    def __init__(self, errors: dict[str, list[str]], codes: dict[str, str]):
        super().__init__(errors, "This request is not for published statistics")
        self.codes = codes


@dataclass(frozen=True)
class Geography:
    """A published geography: Wales, a Regional Partnership Board or a local authority."""

    kind: str
    code: str


@dataclass(frozen=True)
class CellQuery:
    """One request for fixed cells: ``period`` None means every period of the kind."""

    geography: Geography
    measure: str
    period_kind: str
    period: str | None = None
    breakdown: str = ""


# Areas


def geography_for(code: str) -> Geography | None:
    """The geography a code names: Wales's or an LA's ONS code, or an RPB's code."""
    for kind in fixed.GEOGRAPHY_KINDS:
        if fixed.is_valid_geography(kind, code):
            return Geography(kind, code)
    return None


def check_area(area_kind: str, area: str) -> Geography:
    """Refuse an area that is not Wales, an RPB or an LA, naming the field."""
    if area_kind not in AREA_KINDS:
        raise ValidationError({"area_kind": ["Choose Wales, a Regional Partnership Board or "
                                             "a local authority."]})
    if not fixed.is_valid_geography(area_kind, area):
        raise ValidationError({"area": ["Choose an area of this kind."]})
    return Geography(area_kind, area)


@cache
def geographies_in(area_kind: str, area: str) -> tuple[Geography, ...]:
    """Every published geography inside an area, the area itself first."""
    if area_kind == "wales":
        return tuple(Geography(kind, code) for kind in fixed.GEOGRAPHY_KINDS
                     for code in fixed.geography_codes(kind))
    if area_kind == "rpb":
        return (Geography("rpb", area), *(
            Geography("la", code) for code, rpb in fixed.la_to_rpb().items() if rpb == area))
    return (Geography("la", area),)


def within(geography: Geography, areas: list[tuple[str, str]]) -> bool:
    """True if ``geography`` lies inside one of the (kind, code) areas."""
    return any(geography in geographies_in(kind, code) for kind, code in areas)


# Parsing a request


def _unknown_parameter(name: str, faults: _Faults) -> None:
    if _COOP_WORDS.search(name):
        faults.add(name, "coop_filter",
                   "Statistics are never filtered by co-op or co-op attribute.")
    elif _DATE_WORDS.search(name):
        faults.add(name, "date_range", "Custom date ranges are not offered: choose a period "
                   "kind and, optionally, one whole period.")
    else:
        faults.add(name, "unknown", "Unknown parameter.")


def check_period(period_kind: str, period: str) -> str | None:
    """Why ``period`` is not a whole period of ``period_kind`` (a code), or None if it is."""
    if _RANGE_VALUE.search(period):
        return "date_range"
    if not fixed.is_valid_period(period_kind, period):
        return "period_form"
    return None


class _Faults:
    """Messages and reason codes per parameter, gathered so every fault is named at once."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}
        self.codes: dict[str, str] = {}

    def add(self, name: str, code: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)
        self.codes.setdefault(name, code)

    def __contains__(self, name: str) -> bool:
        return name in self.errors

    def raise_any(self) -> None:
        if self.errors:
            raise BadQuery(self.errors, self.codes)


def parse_query(args: Mapping, *, extra: tuple[str, ...] = (),
                default_geography: Geography | None = None) -> CellQuery:
    """A ``CellQuery`` from request arguments (a MultiDict), or ``BadQuery`` naming each fault.

    ``extra`` names further parameters the caller reads itself (such as paging).
    """
    faults = _Faults()
    query = _query(args, extra, default_geography, faults)
    faults.raise_any()
    return query


def parse_paged_query(args: Mapping, *, default_geography: Geography | None = None
                      ) -> tuple[CellQuery, int, int]:
    """``parse_query`` with ``page`` and ``page_size``; faults in either are named together."""
    faults = _Faults()
    query = _query(args, PAGE_PARAMETERS, default_geography, faults)
    page, page_size = _page(args, faults)
    faults.raise_any()
    return query, page, page_size


def _query(args: Mapping, extra: tuple[str, ...], default_geography: Geography | None,
           faults: _Faults) -> CellQuery:
    values = _single_values(args, extra, faults)
    geography = default_geography
    if values.get("geography"):
        geography = geography_for(values["geography"])
        if geography is None:
            faults.add("geography", "unknown_geography",
                       "Choose Wales, a Regional Partnership Board or a local authority.")
    elif "geography" not in faults and geography is None:
        faults.add("geography", "missing_geography", "Choose a geography.")
    measure = _choice(values, "measure", fixed.MEASURES, faults, "Choose a measure.",
                      "Unknown measure.")
    period_kind = _choice(values, "period_kind", fixed.PERIOD_KINDS, faults,
                          "Choose a period kind.", "Choose week, month, quarter or year.")
    if measure and period_kind and period_kind not in fixed.measure_periods(measure):
        faults.add("period_kind", "period_kind_not_offered",
                   "This measure is published by quarter and year only.")
    period = values.get("period") or None
    if period is not None and period_kind:
        _check_period(period_kind, period, faults)
    breakdown = "" if values.get("breakdown") == "none" else values.get("breakdown", "")
    if breakdown and "breakdown" not in faults:
        _check_breakdown(measure, breakdown, faults)
    return CellQuery(geography, measure, period_kind, period, breakdown)


def _single_values(args: Mapping, extra: tuple[str, ...], faults: _Faults) -> dict[str, str]:
    """Each known parameter's one value; unknown, repeated or NUL-bearing ones are faults."""
    getlist = args.getlist if hasattr(args, "getlist") else (lambda k: [args[k]])
    values: dict[str, str] = {}
    for name in args:
        given = getlist(name)
        if "\x00" in name or any("\x00" in v for v in given):
            faults.add(name.replace("\x00", ""), "invalid", "Must not contain NUL characters.")
        elif name in extra:
            continue
        elif name not in QUERY_PARAMETERS:
            _unknown_parameter(name, faults)
        elif len(given) > 1 and name == "breakdown":
            faults.add(name, "two_breakdowns", "Choose at most one breakdown.")
        elif len(given) > 1:
            faults.add(name, "repeated", "Give this parameter once.")
        else:
            values[name] = given[0].strip()
    return values


def _choice(values: dict, name: str, allowed: tuple[str, ...], faults: _Faults,
            missing: str, unknown: str) -> str:
    """The value of ``name`` if it is one of ``allowed``; otherwise a fault and ''."""
    value = values.get(name, "")
    if not value:
        if name not in faults:
            faults.add(name, f"missing_{name}", missing)
        return ""
    if value not in allowed:
        faults.add(name, f"unknown_{name}", unknown)
        return ""
    return value


def _check_period(period_kind: str, period: str, faults: _Faults) -> None:
    problem = check_period(period_kind, period)
    example = PERIOD_EXAMPLES[period_kind]
    if problem == "date_range":
        faults.add("period", "date_range", "Custom date ranges are not offered: give one "
                   f"whole period, like {example}.")
    elif problem:
        faults.add("period", "period_form", f"Give a whole {period_kind}, like {example}.")


def _check_breakdown(measure: str, breakdown: str, faults: _Faults) -> None:
    if len([p for p in re.split(r"[,+\s;|]+", breakdown) if p]) > 1:
        faults.add("breakdown", "two_breakdowns", "Choose at most one breakdown.")
    elif breakdown not in fixed.BREAKDOWNS:
        faults.add("breakdown", "unknown_breakdown", "Unknown breakdown.")
    elif measure and breakdown not in fixed.MEASURE_BREAKDOWNS[measure]:
        faults.add("breakdown", "breakdown_not_offered",
                   "This measure is not published with this breakdown.")


def refuse_parameters(args: Mapping, allowed: tuple[str, ...] = ()) -> None:
    """BadQuery naming every parameter outside ``allowed``, for routes that take none."""
    faults = _Faults()
    for name in args:
        if name not in allowed:
            _unknown_parameter(name.replace("\x00", ""), faults)
    faults.raise_any()


def _page(args: Mapping, faults: _Faults) -> tuple[int, int]:
    """``page`` (from 1) and ``page_size`` (1 to 1,000, default 100)."""
    result = {"page": 1, "page_size": 100}
    for name, low, high in (("page", 1, 1_000_000), ("page_size", 1, PAGE_SIZE_MAX)):
        raw = args.get(name)
        if raw is None or "\x00" in raw:
            continue  # NUL is refused with the other parameters
        if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            faults.add(name, "invalid", f"Give a whole number from {low} to {high}.")
        else:
            result[name] = int(raw)
    return result["page"], result["page_size"]


# Reading published cells


latest_release = latest_published


def require_release() -> StatsRelease:
    release = latest_release()
    if release is None:
        raise NotFound("No statistics have been published yet.")
    return release


# Read as plain rows: a dashboard reads hundreds of cells and needs no ORM identity.
CELL_COLUMNS = tuple(StatsCell.__table__.c[name] for name in (
    "geography_kind", "geography_code", "measure", "period_kind", "period", "breakdown",
    "category", "value", "status", "reason"))


def _cells(release: StatsRelease, query: CellQuery, breakdown: str):
    stmt = select(*CELL_COLUMNS).where(
        StatsCell.release_id == release.id,
        StatsCell.geography_kind == query.geography.kind,
        StatsCell.geography_code == query.geography.code,
        StatsCell.measure == query.measure,
        StatsCell.period_kind == query.period_kind,
        StatsCell.breakdown == breakdown)
    if query.period is not None:
        stmt = stmt.where(StatsCell.period == query.period)
    return stmt


def category_order(breakdown: str, category: str) -> int:
    """Where a category sits in the fixed order of its breakdown."""
    order = fixed.categories(breakdown)
    return order.index(category) if category in order else len(order)


def read_cells(release: StatsRelease, query: CellQuery, *, breakdown: str | None = None,
               page: int | None = None, page_size: int | None = None) -> list:
    """The published cells answering ``query`` (its own breakdown unless one is given), as
    rows with the columns of ``stats_cells`` (``period``, ``value``, ``status``…)."""
    stmt = _cells(release, query, query.breakdown if breakdown is None else breakdown)
    stmt = stmt.order_by(StatsCell.period, StatsCell.category)
    if page is not None:
        stmt = stmt.offset((page - 1) * page_size).limit(page_size)
    return list(db.session.execute(stmt))


def count_cells(release: StatsRelease, query: CellQuery) -> int:
    """How many cells ``query`` has, for paging."""
    inner = _cells(release, query, query.breakdown).with_only_columns(StatsCell.id)
    return db.session.scalar(select(func.count()).select_from(inner.subquery()))


def catalogue() -> dict:
    """The fixed cells on offer: measures with their breakdowns and kinds of period."""
    return {
        "measures": [
            {"measure": measure, "period_kinds": list(fixed.measure_periods(measure)),
             "breakdowns": [b for b in fixed.MEASURE_BREAKDOWNS[measure] if b]}
            for measure in fixed.MEASURES],
        "breakdowns": [{"breakdown": name, "categories": list(categories)}
                       for name, categories in fixed.BREAKDOWNS.items()],
        "period_kinds": list(fixed.PERIOD_KINDS),
    }
