"""What the lending API accepts and returns. Times are naive Wales wall-clock datetimes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.areas import local_authorities
from tenants.vocabulary import SKILLS
from tenants.web import StrictSchema


class SlotIn(StrictSchema):
    """One stretch of work asked for."""

    starts_at = fields.NaiveDateTime(required=True)
    ends_at = fields.NaiveDateTime(required=True)
    travel_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=600))

    @ma.validates_schema
    def _ends_after_starts(self, data, **_kwargs):
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ma.ValidationError({"ends_at": ["The end must be after the start."]})


class RequestIn(StrictSchema):
    """A request for cover. No client is named: only times, area, skills and Welsh."""

    slots = fields.List(fields.Nested(SlotIn), required=True,
                        validate=validate.Length(min=1, max=50))
    la_code = fields.String(required=True, validate=validate.OneOf(list(local_authorities())))
    skills = fields.List(fields.String(validate=validate.OneOf(list(SKILLS))),
                         load_default=list, validate=validate.Length(max=len(SKILLS)))
    welsh_required = fields.Boolean(load_default=False)
    rate = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, max=10000))
    on_board = fields.Boolean(load_default=False)
    #: One of the borrower's own clients: kept in the borrower's store, never sent on.
    client_id = fields.Integer(load_default=None, allow_none=True,
                               validate=validate.Range(min=1, max=2**31 - 1))
    continuity_refs = fields.List(fields.String(validate=validate.Length(equal=36)),
                                  load_default=list, validate=validate.Length(max=20))


class SlotOut(ma.Schema):
    """A slot."""

    id = fields.Integer()
    starts_at = fields.NaiveDateTime()
    ends_at = fields.NaiveDateTime()
    travel_minutes = fields.Integer()


class RequestOut(ma.Schema):
    """A request as its borrower sees it."""

    id = fields.Integer()
    la_code = fields.String()
    skills = fields.List(fields.String())
    welsh_required = fields.Boolean()
    rate = fields.Decimal(as_string=True)
    on_board = fields.Boolean()
    state = fields.String()
    slots = fields.List(fields.Nested(SlotOut))


class CandidateOut(ma.Schema):
    """An eligible worker, by pseudonymous ref, with the reasons for their rank."""

    worker_ref = fields.String()
    coop_id = fields.Integer()
    welsh_level = fields.String()
    score = fields.Float()
    reasons = fields.Dict()


class OfferIn(StrictSchema):
    """The worker to offer the request to."""

    worker_ref = fields.String(required=True, validate=validate.Length(equal=36))


class AgreementOut(ma.Schema):
    """An agreement, without anything about the client."""

    id = fields.Integer()
    request_id = fields.Integer()
    borrower_coop_id = fields.Integer()
    lender_coop_id = fields.Integer()
    worker_ref = fields.String()
    rate = fields.Decimal(as_string=True)
    state = fields.String()
    volunteered = fields.Boolean()


class LedgerQuery(StrictSchema):
    """A month, like 2026-11."""

    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))


class StatementOut(ma.Schema):
    """One pair's netted month."""

    other_coop_id = fields.Integer()
    other_coop = fields.String()
    lent_minutes = fields.Integer()
    borrowed_minutes = fields.Integer()
    lent_amount = fields.Decimal(as_string=True)
    borrowed_amount = fields.Decimal(as_string=True)
    net_amount = fields.Decimal(as_string=True)
