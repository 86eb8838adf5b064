"""An agency's report to its funders, by quarter and local authority (issue 13).

For each of the last four quarters and each LA: the agency's supported groups by stage,
and, from the co-ops that have granted the agency access (their consent to share their
summary with it), how many were registered with the FCA and trading (registered with
CIW) by the quarter's end, and their members and paid workers at the quarter's end.

It reads each granted co-op's own store through a read-only session of its own: a
deliberate, audited crossing of the co-op boundary, as ``coop_summary`` makes.
What is not recorded is left out, and the report says so:

- a group's stage is known only as it is now, so stages are counted for the current
  quarter only, and a group that has not become a co-op has no LA (shown as "");
- a worker's leaving date is not recorded, so workers are those active now who had
  started by the quarter's end;
- FCA and CIW dates come from the co-op's legal position (``tenants.position``); a co-op
  whose store has none yet counts as neither registered nor trading.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from core import audit
from core.db import db
from federation.agencies.access import visible_coops_query
from federation.agencies.models import SupportedGroup
from federation.agencies.service import check_advisor
from federation.onboarding.models import Draft
from tenants.context import store
from tenants.members.models import Member
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef
from tenants.workforce.models import Worker

QUARTERS = 4
STAGES = ("enquiry", "forming", "registering", "trading")
PAID = ("employee",)  # engagements paid by the co-op (not PAs, self-employed or volunteers)
SERVING = (CoopState.ACTIVE, CoopState.SUSPENDED)


@dataclass
class ReportRow:
    """One quarter in one LA."""

    quarter: str
    la_code: str
    groups: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    coops: int = 0
    registered: int = 0
    trading: int = 0
    members: int = 0
    paid_workers: int = 0


def quarters(today: date, count: int = QUARTERS) -> list[tuple[str, date]]:
    """The last ``count`` quarters up to today's, oldest first, with their last day."""
    year, q = today.year, (today.month - 1) // 3 + 1
    out = []
    for _ in range(count):
        end_month = q * 3
        end = (date(year + (end_month == 12), end_month % 12 + 1, 1) - timedelta(days=1))
        out.append((f"{year}-Q{q}", end))
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return out[::-1]


@dataclass(frozen=True)
class _CoopFacts:
    fca_on: date | None
    ciw_on: date | None
    members: tuple[tuple[date, date | None], ...]
    paid_started: tuple[date, ...]


def _facts(coop: Coop) -> _CoopFacts:
    """What the report needs from one co-op's own store (read only)."""
    session = store().session(TenantRef(coop.id, coop.slug))
    try:
        fca_on = ciw_on = None
        try:
            from tenants.position.models import LegalPosition, RegisteredService

            fca_on = session.scalar(select(LegalPosition.registered_on))
            ciw_on = session.scalar(select(func.min(RegisteredService.registered_on)))
        except (ImportError, SQLAlchemyError):
            session.rollback()  # no legal position in this store yet: neither date known
        members = tuple((joined, left) for joined, left in session.execute(
            select(Member.joined_on, Member.left_on)))
        paid = tuple(session.scalars(select(Worker.started_on).where(
            Worker.active.is_(True), Worker.engagement.in_(PAID))))
        return _CoopFacts(fca_on, ciw_on, members, paid)
    finally:
        session.rollback()
        session.close()


def agency_report(account_id: int, today: date, *, ip: str | None = None
                  ) -> list[ReportRow]:
    """The advisor's report: one row per quarter and LA that has anything to count."""
    agency_ids = check_advisor(account_id, ip=ip)
    periods = quarters(today)
    current = periods[-1][0]
    rows: dict[tuple[str, str], ReportRow] = {}

    def row(quarter: str, la: str) -> ReportRow:
        return rows.setdefault((quarter, la), ReportRow(quarter, la))

    group_coop = func.coalesce(SupportedGroup.coop_id, Draft.coop_id)
    for stage, la in db.session.execute(
            select(SupportedGroup.stage, Coop.la_code)
            .outerjoin(Draft, Draft.id == SupportedGroup.draft_id)
            .outerjoin(Coop, Coop.id == group_coop)
            .where(SupportedGroup.agency_id.in_(agency_ids))):
        row(current, la or "").groups[stage] += 1
    coops = [c for c in db.session.scalars(visible_coops_query(account_id).order_by(Coop.id))
             if c.state in SERVING]
    for coop in coops:
        facts = _facts(coop)
        audit.record(db.session, "agency.report_read", actor_account_id=account_id,
                     coop_id=coop.id, ip=ip)
        for quarter, end in periods:
            r = row(quarter, coop.la_code)
            r.coops += 1
            r.registered += bool(facts.fca_on and facts.fca_on <= end)
            r.trading += bool(facts.ciw_on and facts.ciw_on <= end)
            r.members += sum(1 for joined, left in facts.members
                             if joined <= end and (left is None or left > end))
            r.paid_workers += sum(1 for started in facts.paid_started if started <= end)
    order = {q: i for i, (q, _) in enumerate(periods)}
    return sorted(rows.values(), key=lambda r: (order[r.quarter], r.la_code))


def csv_rows(report: list[ReportRow], la_name) -> list[list]:
    """The report as CSV rows, with a header; ``la_name(code)`` names an LA."""
    lines: list[list] = [["quarter", "la_code", "local_authority",
                          *(f"groups_{s}" for s in STAGES), "coops_granting_access",
                          "coops_registered_fca", "coops_trading_ciw", "members",
                          "paid_workers"]]
    for r in report:
        lines.append([r.quarter, r.la_code, la_name(r.la_code) if r.la_code else "",
                      *(r.groups[s] for s in STAGES), r.coops, r.registered, r.trading,
                      r.members, r.paid_workers])
    return lines


def counts_by_quarter(report: list[ReportRow]) -> dict[str, dict[str, int]]:
    """Totals over LAs per quarter, for the page's summary."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in report:
        for name in ("coops", "registered", "trading", "members", "paid_workers"):
            out[r.quarter][name] += getattr(r, name)
    return {q: dict(v) for q, v in out.items()}
