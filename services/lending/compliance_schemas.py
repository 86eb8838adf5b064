"""What the lending checks API accepts and returns (issue 11)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.lending.compliance_models import ITEMS, STATUS_RESULTS
from tenants.web import StrictSchema, UTCDateTime


class RecordIn(StrictSchema):
    """One check, recorded by the co-op whose item it is."""

    item = fields.String(required=True, validate=validate.OneOf(ITEMS))
    checked_on = fields.Date(required=True)
    checked_by = fields.String(required=True, validate=validate.Length(min=1, max=200))
    #: A status check's finding; nothing for the other items.
    result = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(STATUS_RESULTS))
    note = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=2000))


class RecordOut(ma.Schema):
    """A recorded check: what, when, by whom, and who recorded it."""

    item = fields.String()
    checked_on = fields.Date()
    checked_by = fields.String()
    result = fields.String(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    coop_id = fields.Integer()
    recorded_by_account_id = fields.Integer(allow_none=True)
    recorded_at = UTCDateTime()


class LineOut(ma.Schema):
    """One line of the checklist."""

    item = fields.String()
    name = fields.String()
    ok = fields.Boolean()
    missing_text = fields.String()
    record = fields.Nested(RecordOut, allow_none=True)


class ChecklistOut(ma.Schema):
    """A loan's checks before confirmation: each line, and what is still missing."""

    agreement_id = fields.Integer()
    complete = fields.Boolean()
    missing = fields.List(fields.String())
    #: The worker is not on the DBS Update Service: the borrower needs its own DBS check.
    needs_own_dbs_application = fields.Boolean()
    turnaround_days = fields.Integer()
    #: The certificate number the worker shared with the borrower (the borrower only).
    certificate_number = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(LineOut))


class ShareIn(StrictSchema):
    """The worker's consent to share their DBS certificate number with the borrower."""

    certificate_number = fields.String(required=True, validate=validate.Length(min=1, max=20))


class ShareOut(ma.Schema):
    """A consent to share, and whether it is still given (the number is never returned)."""

    id = fields.Integer()
    borrower_coop_id = fields.Integer()
    consented_at = UTCDateTime()
    revoked_at = UTCDateTime(allow_none=True)
