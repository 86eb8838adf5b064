"""The inter-co-op ledger: monthly statements netted per pair of co-ops, and CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select

from core.db import db
from services.lending.models import LedgerEntry, LedgerEntryParts
from services.lending.rates import RateParts
from tenants.registry import service as registry


@dataclass(frozen=True)
class Statement:
    """One co-op's month with one other co-op: both directions, and the net."""

    other_coop_id: int
    other_coop: str
    lent_minutes: int
    borrowed_minutes: int
    lent_amount: Decimal
    borrowed_amount: Decimal

    @property
    def net_amount(self) -> Decimal:
        """What the other co-op owes this one (negative: what this one owes)."""
        return self.lent_amount - self.borrowed_amount


def statements(coop_id: int, month: date) -> list[Statement]:
    """The co-op's statements for the month starting ``month``, one per other co-op."""
    month = month.replace(day=1)
    totals: dict[int, list] = {}
    for lender, borrower, minutes, amount in db.session.execute(
            select(LedgerEntry.lender_coop_id, LedgerEntry.borrower_coop_id,
                   func.sum(LedgerEntry.minutes), func.sum(LedgerEntry.amount))
            .where(LedgerEntry.month == month,
                   or_(LedgerEntry.lender_coop_id == coop_id,
                       LedgerEntry.borrower_coop_id == coop_id))
            .group_by(LedgerEntry.lender_coop_id, LedgerEntry.borrower_coop_id)):
        lent = lender == coop_id
        other = borrower if lent else lender
        row = totals.setdefault(other, [0, 0, Decimal("0.00"), Decimal("0.00")])
        row[0 if lent else 1] += int(minutes)
        row[2 if lent else 3] += Decimal(amount).quantize(Decimal("0.01"))
    names = registry.names_by_id(totals) if totals else {}
    return sorted((Statement(other, names.get(other, ""), *row)
                   for other, row in totals.items()), key=lambda s: s.other_coop)


@dataclass(frozen=True)
class Entry:
    """One posted loan: its approved minutes at its rate, part by part."""

    agreement_id: int
    lender_coop_id: int
    borrower_coop_id: int
    minutes: int
    rate: Decimal
    amount: Decimal
    timesheet_id: int | None
    parts: RateParts | None


def entries(coop_id: int, month: date, limit: int = 500) -> list[Entry]:
    """The co-op's ledger entries for the month (lent or borrowed), with their parts."""
    rows = db.session.execute(
        select(LedgerEntry, LedgerEntryParts)
        .outerjoin(LedgerEntryParts, LedgerEntryParts.entry_id == LedgerEntry.id)
        .where(LedgerEntry.month == month.replace(day=1),
               or_(LedgerEntry.lender_coop_id == coop_id,
                   LedgerEntry.borrower_coop_id == coop_id))
        .order_by(LedgerEntry.id).limit(limit)).all()
    return [Entry(e.agreement_id, e.lender_coop_id, e.borrower_coop_id, e.minutes,
                  Decimal(e.rate), Decimal(e.amount), p.timesheet_id if p else None,
                  RateParts.of(p) if p else None) for e, p in rows]


def balance_minutes(coop_id: int, other_coop_id: int) -> int:
    """All-time reciprocity: minutes lent to the other co-op minus minutes borrowed from it."""
    lent = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.minutes), 0)).where(
        LedgerEntry.lender_coop_id == coop_id, LedgerEntry.borrower_coop_id == other_coop_id))
    borrowed = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.minutes), 0)).where(
        LedgerEntry.lender_coop_id == other_coop_id, LedgerEntry.borrower_coop_id == coop_id))
    return int(lent) - int(borrowed)


def statements_csv(coop_id: int, month: date) -> str:
    """The month's statements as CSV (amounts in pounds, to the penny)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "other_coop_id", "other_coop", "lent_hours", "borrowed_hours",
                     "lent_amount", "borrowed_amount", "net_amount"])
    for s in statements(coop_id, month):
        writer.writerow([month.strftime("%Y-%m"), s.other_coop_id, s.other_coop,
                         f"{Decimal(s.lent_minutes) / 60:.2f}",
                         f"{Decimal(s.borrowed_minutes) / 60:.2f}",
                         f"{s.lent_amount:.2f}", f"{s.borrowed_amount:.2f}",
                         f"{s.net_amount:.2f}"])
    return out.getvalue()
