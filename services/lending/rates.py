"""A loan's hourly rate, built from its parts (wales-care-rules §8).

A lent hour costs the lending co-op more than the wage: employer National Insurance,
pension, holiday pay, travel and overheads. Each co-op sets its own defaults for these
(``LendingTerms``); a co-op that has not yet set them lends on the platform defaults below.
The parts are pounds per hour, each to the penny; the rate is their sum. The worker's own
pay per hour is the wage part (``LendingAgreement.rate``), never the recharge.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from core.db import db
from services.lending.models import RATE_PARTS, LendingAgreement, LendingTerms, LoanRate

PENNY = Decimal("0.01")
#: Defaults for a co-op that has not set its own, each a percentage of the wage (travel is
#: pounds per hour). Sources, to be checked each April:
#: - wage 12.60: the Real Living Wage 2025-26 (Living Wage Foundation);
#: - employer NI 15.00: Class 1 secondary rate from 6 April 2025 (HMRC); applied to the
#:   whole wage, so it overstates the cost below the secondary threshold;
#: - pension 3.00: the employer's auto-enrolment minimum (The Pensions Regulator);
#: - holiday 12.07: 5.6 weeks' statutory leave over the 46.4 weeks worked;
#: - overheads 10.00: a starting point for supervision, training and administration.
DEFAULTS = {
    "wage": Decimal("12.60"), "employer_ni_percent": Decimal("15.00"),
    "pension_percent": Decimal("3.00"), "holiday_percent": Decimal("12.07"),
    "overheads_percent": Decimal("10.00"), "travel_per_hour": Decimal("0.00"),
    "arrangement": "supply_of_staff", "employers_liability": "", "public_liability": "",
}
#: The terms that make a co-op's rate basis (copied into each pair agreement version).
BASIS_FIELDS = ("employer_ni_percent", "pension_percent", "holiday_percent",
                "overheads_percent", "travel_per_hour")


@dataclass(frozen=True)
class RateParts:
    """An hourly rate's parts, in pounds per hour."""

    wage: Decimal
    employer_ni: Decimal
    pension: Decimal
    holiday_pay: Decimal
    travel: Decimal
    overheads: Decimal

    @property
    def total(self) -> Decimal:
        """The hourly rate: the sum of its parts."""
        return sum((getattr(self, part) for part in RATE_PARTS), Decimal("0.00"))

    def as_dict(self) -> dict[str, Decimal]:
        """The parts and their total, by name."""
        return {**asdict(self), "total": self.total}

    @classmethod
    def of(cls, row) -> RateParts:
        """The parts stored on a row with one column per part."""
        return cls(**{part: Decimal(getattr(row, part)) for part in RATE_PARTS})


def terms_of(coop_id: int) -> LendingTerms:
    """The co-op's lending terms: its own row, or an unsaved one holding the defaults."""
    found = db.session.get(LendingTerms, coop_id)
    return found if found is not None else LendingTerms(coop_id=coop_id, **DEFAULTS)


def basis(terms: LendingTerms) -> dict[str, str]:
    """The co-op's rate basis as strings (kept as JSON in an agreement version)."""
    return {name: str(Decimal(getattr(terms, name)).quantize(PENNY)) for name in BASIS_FIELDS}


def _share(wage: Decimal, percent) -> Decimal:
    return (wage * Decimal(percent) / 100).quantize(PENNY, rounding=ROUND_HALF_UP)


def parts_from(wage, rate_basis: dict) -> RateParts:
    """The parts of an hour at ``wage`` on a rate basis (percentages of the wage)."""
    wage = Decimal(wage).quantize(PENNY)
    return RateParts(
        wage=wage, employer_ni=_share(wage, rate_basis["employer_ni_percent"]),
        pension=_share(wage, rate_basis["pension_percent"]),
        holiday_pay=_share(wage, rate_basis["holiday_percent"]),
        travel=Decimal(rate_basis["travel_per_hour"]).quantize(PENNY),
        overheads=_share(wage, rate_basis["overheads_percent"]))


def fixed(agreement_id: int) -> LoanRate | None:
    """The parts fixed when the loan was confirmed, if it has been."""
    return db.session.get(LoanRate, agreement_id)


def quote(agreement: LendingAgreement) -> RateParts:
    """What an hour of this loan costs the borrower, part by part.

    Once confirmed, the parts fixed then; before that, the wage offered on the lender's
    basis in the pair's current agreement version (or the lender's terms, if none yet).
    """
    from services.lending import pair_agreements

    row = fixed(agreement.id)
    if row is not None:
        return RateParts.of(row)
    version = pair_agreements.current(agreement.lender_coop_id, agreement.borrower_coop_id)
    if version is not None and str(agreement.lender_coop_id) in version.terms.get("rates", {}):
        return parts_from(agreement.rate, version.terms["rates"][str(agreement.lender_coop_id)])
    return parts_from(agreement.rate, basis(terms_of(agreement.lender_coop_id)))


def do_fix(agreement: LendingAgreement, sharing_agreement_id: int, rate_basis: dict) -> LoanRate:
    """Fix the loan's parts at confirmation (once; a second call finds the first)."""
    row = fixed(agreement.id)
    if row is not None:
        return row
    row = LoanRate(agreement_id=agreement.id, sharing_agreement_id=sharing_agreement_id,
                   **asdict(parts_from(agreement.rate, rate_basis)))
    db.session.add(row)
    db.session.flush()
    return row


def quotes_for(agreements) -> dict[int, RateParts]:
    """Quotes for several agreements, by agreement id (for a page listing them)."""
    ids = [a.id for a in agreements]
    rows = {r.agreement_id: r for r in db.session.scalars(
        select(LoanRate).where(LoanRate.agreement_id.in_(ids)))} if ids else {}
    return {a.id: (RateParts.of(rows[a.id]) if a.id in rows else quote(a)) for a in agreements}
