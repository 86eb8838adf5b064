"""What the pair-agreement, lending-terms, rate and timesheet API accepts and returns."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.lending import pair_agreements, timesheets
from services.lending.models import ARRANGEMENTS
from tenants.web import StrictSchema, UTCDateTime


def _percent() -> fields.Decimal:
    return fields.Decimal(required=True, places=2, validate=validate.Range(min=0, max=100))


class TermsIn(StrictSchema):
    """The co-op's lending terms: the wage a request starts from, on-costs as percentages
    of the wage, travel in pounds per hour, its preferred arrangement and its insurance."""

    wage = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, max=1000))
    employer_ni_percent = _percent()
    pension_percent = _percent()
    holiday_percent = _percent()
    overheads_percent = _percent()
    travel_per_hour = fields.Decimal(required=True, places=2,
                                     validate=validate.Range(min=0, max=1000))
    arrangement = fields.String(required=True, validate=validate.OneOf(ARRANGEMENTS))
    employers_liability = fields.String(load_default="", validate=validate.Length(max=300))
    public_liability = fields.String(load_default="", validate=validate.Length(max=300))


class TermsOut(ma.Schema):
    """The co-op's lending terms (the defaults, if it has not set its own)."""

    wage = fields.Decimal(as_string=True)
    employer_ni_percent = fields.Decimal(as_string=True)
    pension_percent = fields.Decimal(as_string=True)
    holiday_percent = fields.Decimal(as_string=True)
    overheads_percent = fields.Decimal(as_string=True)
    travel_per_hour = fields.Decimal(as_string=True)
    arrangement = fields.String()
    employers_liability = fields.String()
    public_liability = fields.String()


class SharingAgreementOut(ma.Schema):
    """One version of the agreement between two co-ops."""

    id = fields.Integer()
    coop_a_id = fields.Integer()
    coop_b_id = fields.Integer()
    version = fields.Integer()
    arrangement = fields.String()
    employer = fields.Method("_employer", metadata={"description": "Who employs a lent worker"})
    vat_note = fields.Method("_vat_note", metadata={"description": "A note, not advice"})
    terms = fields.Dict(metadata={"description": "Each co-op's rate basis and insurance, "
                                                 "by co-op id"})
    reason = fields.String()
    accepted_by = fields.Method("_accepted_by", metadata={
        "description": "The co-ops whose admin accepted this version"})
    current = fields.Method("_current")
    created_at = UTCDateTime()
    superseded_at = UTCDateTime(allow_none=True)

    def _employer(self, row) -> str:
        return str(pair_agreements.EMPLOYER_TEXT[row.arrangement])

    def _vat_note(self, _row) -> str:
        return str(pair_agreements.VAT_NOTE)

    def _accepted_by(self, row) -> list[int]:
        return [c for c in (row.coop_a_id, row.coop_b_id) if pair_agreements.accepted_by(row, c)]

    def _current(self, row) -> bool:
        return row.superseded_at is None


class ReviseIn(StrictSchema):
    """A different arrangement to propose as a new version."""

    arrangement = fields.String(required=True, validate=validate.Length(max=32))


class RatePartsOut(ma.Schema):
    """An hour of a loan, part by part, in pounds."""

    wage = fields.Decimal(as_string=True)
    employer_ni = fields.Decimal(as_string=True)
    pension = fields.Decimal(as_string=True)
    holiday_pay = fields.Decimal(as_string=True)
    travel = fields.Decimal(as_string=True)
    overheads = fields.Decimal(as_string=True)
    total = fields.Decimal(as_string=True)


class TimesheetIn(StrictSchema):
    """The minutes worked, travel included, and an optional note."""

    minutes = fields.Integer(required=True, strict=True,
                             validate=validate.Range(min=1, max=72000))
    note = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=timesheets.NOTE_MAX))


class DisputeIn(StrictSchema):
    """Why the submitted hours are disputed."""

    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=timesheets.NOTE_MAX))


class ResolveIn(StrictSchema):
    """How a dispute was settled, and the minutes both co-ops agreed."""

    minutes = fields.Integer(required=True, strict=True,
                             validate=validate.Range(min=1, max=72000))
    resolution = fields.String(required=True, validate=validate.Length(
        min=1, max=timesheets.NOTE_MAX))


class TimesheetOut(ma.Schema):
    """A loan's timesheet and where it stands."""

    id = fields.Integer()
    agreement_id = fields.Integer()
    state = fields.String()
    minutes = fields.Integer()
    note = fields.String(allow_none=True)
    submitted_as = fields.String()
    submitted_at = UTCDateTime()
    approved_minutes = fields.Integer(allow_none=True)
    approved_at = UTCDateTime(allow_none=True)
    dispute_reason = fields.String(allow_none=True)
    disputed_by_coop_id = fields.Integer(allow_none=True)
    disputed_at = UTCDateTime(allow_none=True)
    resolution = fields.String(allow_none=True)
    resolved_at = UTCDateTime(allow_none=True)


class EntryQuery(StrictSchema):
    """A month, like 2026-11."""

    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))


class LedgerEntryOut(ma.Schema):
    """One posted loan: approved minutes at the rate's parts (pounds per hour)."""

    agreement_id = fields.Integer()
    lender_coop_id = fields.Integer()
    borrower_coop_id = fields.Integer()
    minutes = fields.Integer()
    rate = fields.Decimal(as_string=True)
    amount = fields.Decimal(as_string=True)
    timesheet_id = fields.Integer(allow_none=True)
    parts = fields.Nested(RatePartsOut, allow_none=True)
