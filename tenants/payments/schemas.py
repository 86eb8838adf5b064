"""What the Direct Payment pool API and forms accept and return."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.timeutil import local_now
from tenants.web import StrictSchema

_id = {"validate": validate.Range(min=1, max=2**31 - 1)}
_money = {"places": 2, "as_string": True}


class PoolMemberCreateSchema(StrictSchema):
    """A member joining the pool."""

    member_id = fields.Integer(required=True, **_id)
    client_id = fields.Integer(allow_none=True, **_id,
                               metadata={"description": "The client whose care the pool pays"})
    weekly_budget = fields.Decimal(required=True, validate=validate.Range(min=0, max=99999),
                                   **_money)
    hourly_rate = fields.Decimal(required=True, validate=validate.Range(
        min=0, max=999, min_inclusive=False), **_money)
    starts_on = fields.Date(load_default=lambda: local_now().date())
    ends_on = fields.Date(allow_none=True)

    @ma.validates_schema
    def _ends_after_starts(self, data, **_kwargs):
        if data.get("ends_on") is not None and data["ends_on"] < data["starts_on"]:
            raise ma.ValidationError({"ends_on": ["Must not be before starts_on."]})


class AdjustmentSchema(StrictSchema):
    """A correction: positive credits the member, negative debits them."""

    amount = fields.Decimal(required=True, validate=validate.Range(min=-99999, max=99999),
                            **_money)
    entry_date = fields.Date(load_default=lambda: local_now().date())
    description = fields.String(required=True, validate=validate.Length(min=1, max=200))


class PostSchema(StrictSchema):
    """Post the week's budget credits, and care debits for completed visits up to its end."""

    week = fields.Date(required=True)


class StatementQuerySchema(ma.Schema):
    """A calendar month, or a range of whole weeks."""

    class Meta:
        unknown = ma.EXCLUDE

    month = fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}$"))
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class PoolMemberSchema(ma.Schema):
    """A pool member."""

    id = fields.Integer()
    member_id = fields.Integer()
    client_id = fields.Integer(allow_none=True)
    weekly_budget = fields.Decimal(**_money)
    hourly_rate = fields.Decimal(**_money)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)


class EntrySchema(ma.Schema):
    """A ledger entry."""

    id = fields.Integer()
    pool_member_id = fields.Integer()
    entry_date = fields.Date()
    kind = fields.String()
    hours = fields.Decimal(allow_none=True, **_money)
    rate = fields.Decimal(allow_none=True, **_money)
    amount = fields.Decimal(**_money)
    visit_id = fields.Integer(allow_none=True)
    description = fields.String()


class PostedSchema(ma.Schema):
    """What posting did."""

    budget_credits = fields.Integer()
    care_debits = fields.Integer()


class StatementWeekSchema(ma.Schema):
    """One week of a statement."""

    week_starting = fields.Date()
    budget = fields.Decimal(**_money)
    care_hours = fields.Decimal(**_money)
    care_cost = fields.Decimal(**_money)
    adjustments = fields.Decimal(**_money)
    balance = fields.Decimal(**_money)


class StatementSchema(ma.Schema):
    """A member's statement for a period."""

    pool_member_id = fields.Integer()
    member_name = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    opening_balance = fields.Decimal(**_money)
    budget_received = fields.Decimal(**_money)
    care_hours = fields.Decimal(**_money)
    care_cost = fields.Decimal(**_money)
    adjustments = fields.Decimal(**_money)
    closing_balance = fields.Decimal(**_money)
    weeks = fields.List(fields.Nested(StatementWeekSchema))
