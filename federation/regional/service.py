"""The regional portal's reads: who is an analyst, and the published cells they choose.

Every read goes through ``services.stats.query``: fixed cells of the latest published
release, inside the reader's area. Refusals are audited, even though the request
that asked rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import NotFound, ValidationError
from core.timeutil import utcnow
from federation.accounts.models import Account
from federation.accounts.service import account_by_email
from federation.regional.models import AnalystGrant
from services.stats import cells as fixed
from services.stats import query as stats
from services.stats.models import (
    StatsCell,
    StatsRelease,
    StatsReleaseCoop,
    StatsReleaseUsefulness,
)
from tenants.context import bind_tenant, tenant_session
from tenants.registry.models import Coop
from tenants.registry.service import check_serving
from tenants.stats import service as coop_stats
from tenants.store import TenantRef

RECENT_RELEASES = 20


def analyst_areas(account_id: int) -> list[tuple[str, str]]:
    """The (kind, code) areas an account may read; empty for anyone who is not an analyst."""
    return [(kind, area) for kind, area in db.session.execute(
        select(AnalystGrant.area_kind, AnalystGrant.area)
        .where(AnalystGrant.account_id == account_id).order_by(AnalystGrant.id))]


def access_analyst(account_id: int, *, ip: str | None = None) -> list[tuple[str, str]]:
    """The analyst's areas, or NotFound (audited) for anyone without a grant."""
    areas = analyst_areas(account_id)
    if not areas:
        audit.record_despite_rollback("regional.access_refused", actor_account_id=account_id,
                                      outcome="refused", ip=ip)
        raise NotFound()
    return areas


def geographies_for(areas: list[tuple[str, str]]) -> list[stats.Geography]:
    """Every geography inside the areas, each once, in the order of the areas."""
    seen: dict[stats.Geography, None] = {}
    for kind, code in areas:
        for geography in stats.geographies_in(kind, code):
            seen.setdefault(geography)
    return list(seen)


class OutsideArea(stats.BadQuery):
    """A geography outside the reader's area: 403, naming the parameter, nothing served."""

    status = 403


def check_within(query: stats.CellQuery, areas: list[tuple[str, str]], *,
                 actor_account_id: int | None = None, client_id: int | None = None,
                 ip: str | None = None) -> None:
    """Refuse (audited) a geography outside the reader's areas, naming the parameter."""
    if stats.within(query.geography, areas):
        return
    audit.record_despite_rollback(
        "stats.outside_area", actor_account_id=actor_account_id, outcome="refused", ip=ip,
        oauth_client_id=client_id, geography=query.geography.code[:40])
    raise OutsideArea({"geography": ["This geography is outside your area."]},
                      {"geography": "outside_area"})


@dataclass
class Row:
    """One period of the table: a cell (or None, not published) per category."""

    period: str
    cells: list[StatsCell | None]


@dataclass
class Selection:
    """What the portal shows for one query: the table, the time series and the bars."""

    query: stats.CellQuery
    release: StatsRelease
    categories: tuple[str, ...]
    rows: list[Row]
    series: list[StatsCell]
    bars_period: str | None = None
    bars: list[tuple[str, StatsCell | None]] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """The suppression reasons that appear, in the fixed order."""
        found = {cell.reason for row in self.rows for cell in row.cells
                 if cell is not None and cell.reason}
        found |= {cell.reason for cell in self.series if cell.reason}
        return [reason for reason in fixed.REASONS if reason in found]


def select_cells(query: stats.CellQuery, release: StatsRelease) -> Selection:
    """The published cells for the portal: table rows, totals over time, and bars."""
    categories = fixed.categories(query.breakdown)
    cells = stats.read_cells(release, query)
    by_key = {(cell.period, cell.category): cell for cell in cells}
    periods = sorted({cell.period for cell in cells})
    rows = [Row(period, [by_key.get((period, category)) for category in categories])
            for period in periods]
    everything = stats.CellQuery(query.geography, query.measure, query.period_kind)
    series = stats.read_cells(release, everything, breakdown="")
    selection = Selection(query, release, categories, rows, series)
    if query.breakdown and rows:
        selection.bars_period = rows[-1].period
        selection.bars = list(zip(categories, rows[-1].cells, strict=True))
    return selection


def csv_rows(selection: Selection, geography_name: str) -> list[list]:
    """The table as CSV rows: one line per cell, exactly the cells the table shows."""
    query = selection.query
    lines: list[list] = [["geography_code", "geography", "measure", "period_kind", "period",
                          "breakdown", "category", "value", "status", "reason"]]
    for row in selection.rows:
        for category, cell in zip(selection.categories, row.cells, strict=True):
            if cell is None:
                continue
            lines.append([query.geography.code, geography_name, query.measure,
                          query.period_kind, row.period, query.breakdown, category,
                          "" if cell.value is None else cell.value, cell.status,
                          cell.reason or ""])
    return lines


def recent_releases() -> list[StatsRelease]:
    """The latest releases, newest first, for the federation admin."""
    return list(db.session.scalars(
        select(StatsRelease).order_by(StatsRelease.version.desc()).limit(RECENT_RELEASES)))


@dataclass(frozen=True)
class Usefulness:
    """How many cells of one geography kind and measure a release published."""

    geography_kind: str
    measure: str
    cells: int
    shown: int

    @property
    def share(self) -> float:
        return self.shown / self.cells if self.cells else 0.0


def release_usefulness(release_ids: list[int]) -> dict[int, list[Usefulness]]:
    """Each release's published share by geography kind and measure, in the fixed order."""
    kinds = {k: i for i, k in enumerate(fixed.GEOGRAPHY_KINDS)}
    measures = {m: i for i, m in enumerate(fixed.MEASURES)}
    out: dict[int, list[Usefulness]] = {r: [] for r in release_ids}
    for row in db.session.scalars(select(StatsReleaseUsefulness).where(
            StatsReleaseUsefulness.release_id.in_(release_ids))):
        out[row.release_id].append(Usefulness(row.geography_kind, row.measure, row.cells,
                                              row.shown))
    for rows in out.values():
        rows.sort(key=lambda u: (kinds[u.geography_kind], measures[u.measure]))
    return out


def overall_share(rows: list[Usefulness], geography_kind: str | None = None) -> float | None:
    """The published share over ``rows`` (of one geography kind), or None if no cells."""
    chosen = [u for u in rows if geography_kind in (None, u.geography_kind)]
    cells = sum(u.cells for u in chosen)
    return sum(u.shown for u in chosen) / cells if cells else None


def named_coops(release_id: int, areas: list[tuple[str, str]] | None = None) -> list[str]:
    """The co-ops a release names (their directory entry was published when it was
    built), optionally only those in the reader's areas, by name."""
    rows = db.session.execute(select(StatsReleaseCoop.named_as, StatsReleaseCoop.la_code).where(
        StatsReleaseCoop.release_id == release_id, StatsReleaseCoop.named_as.is_not(None)))
    names = []
    for name, la_code in rows:
        if areas is None or stats.within(stats.Geography("la", la_code), areas):
            names.append(name)
    return sorted(names)


# A co-op's own figures, for an agency it let in


def coop_own_figures(coop: Coop, weeks: int = 12) -> dict[str, dict[tuple[str, str, str], float]]:
    """A co-op's own weekly figures for its last ``weeks`` complete weeks, unsuppressed.

    Computed in the co-op's own store by the same code that makes its rollups, so they
    are current and need no consent to pooling: a co-op's own figures are no disclosure
    risk to itself, nor to the agency it let in (the caller has checked that grant).
    Returns {week: {(measure, breakdown, category): value}}, hours in hours.
    """
    check_serving(coop)
    bind_tenant(TenantRef(coop.id, coop.slug))
    computed = coop_stats.compute(
        tenant_session(), coop_stats.complete_weeks(utcnow().date(), weeks))
    figures: dict[str, dict[tuple[str, str, str], float]] = {}
    for week, rows in computed.items():
        figures[week] = {}
        for measure, breakdown, category, value in rows:
            amount = fixed.published_units(measure, value)  # minutes travel; hours show
            figures[week][(measure, breakdown, category)] = (
                int(amount) if float(amount).is_integer() else round(amount, 1))
    return figures


# Analyst grants, kept by the federation admin


def list_grants() -> list[tuple[AnalystGrant, str]]:
    """Every analyst grant with the analyst's email, by email."""
    return [tuple(row) for row in db.session.execute(
        select(AnalystGrant, Account.email).join(Account, Account.id == AnalystGrant.account_id)
        .order_by(Account.email, AnalystGrant.id))]


def do_grant_analyst(email: str, area: str, *, actor_account_id: int) -> AnalystGrant:
    """Let the account with ``email`` read published statistics for ``area``; idempotent."""
    errors: dict[str, list[str]] = {}
    account = account_by_email(email or "")
    if account is None:
        errors["email"] = ["No account has this email address."]
    geography = stats.geography_for(area or "")
    if geography is None:
        errors["area"] = ["Choose an area from the list."]
    if errors:
        raise ValidationError(errors)
    grant = db.session.scalar(select(AnalystGrant).where(
        AnalystGrant.account_id == account.id, AnalystGrant.area == geography.code))
    if grant is None:
        grant = AnalystGrant(account_id=account.id, area_kind=geography.kind,
                             area=geography.code)
        db.session.add(grant)
        db.session.flush()
        audit.record(db.session, "regional.analyst_granted", actor_account_id=actor_account_id,
                     grant_id=grant.id, account_id=account.id)
    return grant


def do_remove_grant(grant_id: int, *, actor_account_id: int) -> None:
    """End an analyst's access to an area at once."""
    grant = db.session.get(AnalystGrant, grant_id)
    if grant is None:
        raise NotFound()
    audit.record(db.session, "regional.analyst_removed", actor_account_id=actor_account_id,
                 grant_id=grant.id, account_id=grant.account_id)
    db.session.delete(grant)
    db.session.flush()
