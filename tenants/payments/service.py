"""The Direct Payment pool: members' budgets, the ledger, and statements for the council.

The ledger only grows: a weekly budget credit per member per week (the partial unique
index makes a second one impossible), one care debit per completed visit (unique
``visit_id``), and adjustments. Posting again adds nothing, so a job may post as often
as it likes. Care is valued at the member's hourly rate when it is posted; the hours are
the actual times once recorded, else the planned ones. Travel is the worker's working
time, not the member's care, so it is not charged to the member.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from core.errors import NotFound, ValidationError
from tenants.audit.service import record
from tenants.clients.models import Client
from tenants.context import tenant_session
from tenants.members.models import Member
from tenants.payments.models import DpPoolEntry, DpPoolMember
from tenants.rota import bounds
from tenants.rota.models import Visit
from tenants.rota.rules import week_start

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """Round to pence, half up, as the council's returns do."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _invalid(field_name: str, message) -> ValidationError:
    return ValidationError({field_name: [str(message)]})


# -- members ----------------------------------------------------------------------------------


def pool_members_stmt() -> Select:
    """Every pool member, in the order they joined the pool."""
    return select(DpPoolMember).order_by(DpPoolMember.id)


def access_pool_member(pool_member_id: int, *, account_id: int | None = None) -> DpPoolMember:
    """A pool member; with ``account_id``, only that account's own (others look absent)."""
    session = tenant_session()
    pool_member = session.get(DpPoolMember, pool_member_id)
    if pool_member is None:
        raise NotFound()
    if account_id is not None:
        owner = session.scalar(select(Member.account_id).where(
            Member.id == pool_member.member_id))
        if owner != account_id:
            raise NotFound()
    return pool_member


def pool_member_for_account(account_id: int) -> DpPoolMember | None:
    """The signed-in member's place in the pool, if they have one."""
    return tenant_session().scalar(select(DpPoolMember).join(
        Member, Member.id == DpPoolMember.member_id).where(Member.account_id == account_id))


def check_create_pool_member(data: dict, *, actor_account_id: int) -> DpPoolMember:
    """Add a member to the pool with their weekly budget and hourly rate."""
    session = tenant_session()
    if session.get(Member, data["member_id"]) is None:
        raise _invalid("member_id", _l("No such member in this co-op."))
    if session.scalar(select(DpPoolMember.id).where(DpPoolMember.member_id == data["member_id"])):
        raise _invalid("member_id", _l("This member is already in the pool."))
    client_id = data.get("client_id")
    if client_id is not None:
        if session.get(Client, client_id) is None:
            raise _invalid("client_id", _l("No such client in this co-op."))
        if session.scalar(select(DpPoolMember.id).where(DpPoolMember.client_id == client_id)):
            raise _invalid("client_id", _l("This client's care is already paid from the pool."))
    if data.get("ends_on") is not None and data["ends_on"] < data["starts_on"]:
        raise _invalid("ends_on", _l("The end date must not be before the start date."))
    pool_member = DpPoolMember(member_id=data["member_id"], client_id=client_id,
                             weekly_budget=money(data["weekly_budget"]),
                             hourly_rate=money(data["hourly_rate"]),
                             starts_on=data["starts_on"], ends_on=data.get("ends_on"))
    session.add(pool_member)
    session.flush()
    record(session, "pool.member_added", actor_account_id=actor_account_id,
           subject_type="pool_member", subject_id=pool_member.id)
    return pool_member


def member_names(ids) -> dict[int, str]:
    """Display names of members by id, in one query."""
    if not ids:
        return {}
    return dict(tenant_session().execute(select(Member.id, Member.display_name)
                                         .where(Member.id.in_(list(ids)))).all())


@dataclass
class PoolRow:
    """A pool member as the pool page lists them."""

    pool_member: DpPoolMember
    name: str
    hours_this_week: Decimal
    balance: Decimal


def pool_overview(today: date) -> list[PoolRow]:
    """Every pool member with this week's care hours and their balance, in three queries."""
    session = tenant_session()
    members = session.scalars(pool_members_stmt()).all()
    balances = dict(session.execute(select(DpPoolEntry.pool_member_id, func.sum(DpPoolEntry.amount))
                                    .group_by(DpPoolEntry.pool_member_id)).all())
    monday = week_start(today)
    hours = dict(session.execute(
        select(DpPoolEntry.pool_member_id, func.sum(DpPoolEntry.hours))
        .where(DpPoolEntry.kind == "care", DpPoolEntry.entry_date >= monday,
               DpPoolEntry.entry_date < monday + timedelta(days=7))
        .group_by(DpPoolEntry.pool_member_id)).all())
    names = member_names({m.member_id for m in members})
    return [PoolRow(m, names.get(m.member_id, ""), money(hours.get(m.id) or 0),
                    money(balances.get(m.id) or 0)) for m in members]


# -- posting to the ledger -----------------------------------------------------------------------


def do_post_budgets(week: date, *, actor_account_id: int | None) -> int:
    """Credit each pool member's weekly budget for ``week``; a week already credited is skipped."""
    session = tenant_session()
    monday = week_start(week)
    sunday = monday + timedelta(days=6)
    members = session.scalars(pool_members_stmt().where(
        DpPoolMember.starts_on <= sunday,
        DpPoolMember.ends_on.is_(None) | (DpPoolMember.ends_on >= monday))).all()
    credited = set(session.scalars(select(DpPoolEntry.pool_member_id).where(
        DpPoolEntry.kind == "budget", DpPoolEntry.entry_date == monday)))
    added = [DpPoolEntry(pool_member_id=m.id, entry_date=monday, kind="budget",
                       amount=money(m.weekly_budget),
                       description=f"Weekly budget, week starting {monday.isoformat()}")
             for m in members if m.id not in credited]
    session.add_all(added)
    session.flush()
    if added:
        record(session, "pool.budgets_posted", actor_account_id=actor_account_id,
               subject_type="week", week=monday.isoformat(), count=len(added))
    return len(added)


def care_hours(visit_row) -> Decimal:
    """Hours of care in a completed visit: actual times once both are recorded, within
    the bounds of the ``actual_times`` rule (see ``tenants.rota.bounds``)."""
    start, end = bounds.bounded(visit_row.starts_at, visit_row.ends_at,
                                visit_row.actual_start, visit_row.actual_end)
    return money(Decimal((end - start).total_seconds()) / 3600)


def do_post_care(*, actor_account_id: int | None, until: date | None = None) -> int:
    """Debit every completed visit of a pool member's client not yet on the ledger."""
    session = tenant_session()
    stmt = (select(DpPoolMember.id.label("pool_member_id"), DpPoolMember.hourly_rate, Visit.id,
                   Visit.starts_at, Visit.ends_at, Visit.actual_start, Visit.actual_end)
            .join(Visit, Visit.client_id == DpPoolMember.client_id)
            .outerjoin(DpPoolEntry, DpPoolEntry.visit_id == Visit.id)
            .where(Visit.status == "completed", DpPoolEntry.id.is_(None)))
    if until is not None:
        stmt = stmt.where(Visit.starts_at < datetime.combine(until + timedelta(days=1), time()))
    added = []
    for row in session.execute(stmt):
        hours = care_hours(row)
        if hours <= 0:
            continue
        added.append(DpPoolEntry(pool_member_id=row.pool_member_id, entry_date=row.starts_at.date(),
                               kind="care", hours=hours, rate=row.hourly_rate,
                               amount=-money(hours * row.hourly_rate), visit_id=row.id,
                               description=f"Care visit {row.id}"))
    session.add_all(added)
    session.flush()
    if added:
        record(session, "pool.care_posted", actor_account_id=actor_account_id, subject_type="pool",
               count=len(added))
    return len(added)


def check_add_adjustment(pool_member_id: int, data: dict, *, actor_account_id: int) -> DpPoolEntry:
    """A correction on a member's account, with the reason recorded."""
    session = tenant_session()
    access_pool_member(pool_member_id)
    if money(data["amount"]) == 0:
        raise _invalid("amount", _l("An adjustment must not be zero."))
    entry = DpPoolEntry(pool_member_id=pool_member_id, entry_date=data["entry_date"],
                      kind="adjustment", amount=money(data["amount"]),
                      description=data["description"])
    session.add(entry)
    session.flush()
    record(session, "pool.adjustment_added", actor_account_id=actor_account_id,
           subject_type="pool_member", subject_id=pool_member_id, entry_id=entry.id,
           amount=str(entry.amount))
    return entry


# -- statements ---------------------------------------------------------------------------------


@dataclass
class StatementWeek:
    """One week's movements on a statement."""

    week_starting: date
    budget: Decimal = ZERO
    care_hours: Decimal = ZERO
    care_cost: Decimal = ZERO
    adjustments: Decimal = ZERO
    balance: Decimal = ZERO


@dataclass
class Statement:
    """A pool member's account over a period: opening, each week, closing."""

    pool_member_id: int
    member_name: str
    period_start: date
    period_end: date
    opening_balance: Decimal
    weeks: list[StatementWeek] = field(default_factory=list)

    @property
    def budget_received(self) -> Decimal:
        """Budget credited in the period."""
        return sum((w.budget for w in self.weeks), ZERO)

    @property
    def care_hours(self) -> Decimal:
        """Hours of care in the period."""
        return sum((w.care_hours for w in self.weeks), ZERO)

    @property
    def care_cost(self) -> Decimal:
        """What the period's care cost."""
        return sum((w.care_cost for w in self.weeks), ZERO)

    @property
    def adjustments(self) -> Decimal:
        """Net adjustments in the period."""
        return sum((w.adjustments for w in self.weeks), ZERO)

    @property
    def closing_balance(self) -> Decimal:
        """Opening + budget − care ± adjustments."""
        return self.opening_balance + self.budget_received - self.care_cost + self.adjustments


def statement_period(month: str | None, start: date | None, end: date | None
                     ) -> tuple[date, date]:
    """A calendar month (``YYYY-MM``) or a range of whole weeks (Monday to Sunday)."""
    if month:
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise _invalid("month", _l("Enter a month like 2026-11.")) from None
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first, following - timedelta(days=1)
    if start is None:
        raise _invalid("from", _l("Enter a month, or the first and last days of the period."))
    if end is None:
        raise _invalid("to", _l("Enter the last day of the period."))
    if start.weekday() != 0:
        raise _invalid("from", _l("A period of whole weeks starts on a Monday."))
    if end.weekday() != 6:
        raise _invalid("to", _l("A period of whole weeks ends on a Sunday."))
    if end < start:
        raise _invalid("to", _l("The period must end after it starts."))
    if (end - start).days > 366:
        raise _invalid("to", _l("A statement covers at most a year."))
    return start, end


def statement(pool_member: DpPoolMember, start: date, end: date) -> Statement:
    """The member's statement for [start, end], in two queries."""
    session = tenant_session()
    opening = session.scalar(select(func.coalesce(func.sum(DpPoolEntry.amount), 0)).where(
        DpPoolEntry.pool_member_id == pool_member.id, DpPoolEntry.entry_date < start))
    entries = session.execute(
        select(DpPoolEntry.entry_date, DpPoolEntry.kind, DpPoolEntry.hours, DpPoolEntry.amount)
        .where(DpPoolEntry.pool_member_id == pool_member.id, DpPoolEntry.entry_date >= start,
               DpPoolEntry.entry_date <= end)).all()
    weeks: dict[date, StatementWeek] = {}
    monday = week_start(start)
    while monday <= end:
        weeks[monday] = StatementWeek(monday)
        monday += timedelta(days=7)
    totals = defaultdict(Decimal)
    for entry in entries:
        week = weeks[week_start(entry.entry_date)]
        amount = money(entry.amount)
        if entry.kind == "budget":
            week.budget += amount
        elif entry.kind == "care":
            week.care_cost -= amount
            week.care_hours += money(entry.hours)
        else:
            week.adjustments += amount
        totals[entry.kind] += amount
    result = Statement(pool_member.id, member_names([pool_member.member_id]).get(
        pool_member.member_id, ""), start, end, money(opening), list(weeks.values()))
    balance = result.opening_balance
    for week in result.weeks:
        balance += week.budget - week.care_cost + week.adjustments
        week.balance = balance
    return result


CSV_COLUMNS = ("line", "week_starting", "budget_received", "care_hours", "care_cost",
               "adjustments", "balance")


def statement_rows(result: Statement) -> list[list[str]]:
    """The statement as CSV rows: a header, the opening line, a line per week, the closing."""
    rows = [list(CSV_COLUMNS),
            ["opening", result.period_start.isoformat(), "", "", "", "",
             str(result.opening_balance)]]
    for w in result.weeks:
        rows.append(["week", w.week_starting.isoformat(), str(w.budget), str(w.care_hours),
                     str(w.care_cost), str(w.adjustments), str(w.balance)])
    rows.append(["closing", result.period_end.isoformat(), str(result.budget_received),
                 str(result.care_hours), str(result.care_cost), str(result.adjustments),
                 str(result.closing_balance)])
    return rows
