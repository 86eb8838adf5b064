"""Member classes, members and invitations in the API: what goes in (strict) and what comes out."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from flask import g
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from tenants.context import tenant_session
from tenants.members import service
from tenants.web import (
    MANAGERS,
    StrictSchema,
    UTCDateTime,
    current_account_id,
    current_role,
)

_TEXT = validate.Length(max=2000)


class MemberClassSchema(ma.Schema):
    """A member class as the API shows it."""

    id = fields.Integer()
    code = fields.String()
    name_en = fields.String()
    name_cy = fields.String()
    voting = fields.Boolean()
    vote_cap_pct = fields.Decimal(as_string=True, allow_none=True)
    min_shares = fields.Integer()
    eligibility_en = fields.String()
    eligibility_cy = fields.String()
    care_related = fields.Boolean()


class MemberClassUpdateSchema(StrictSchema):
    """The editable parts of a member class; omit a field to leave it as it is."""

    voting = fields.Boolean()
    vote_cap_pct = fields.Decimal(allow_none=True, places=2, validate=validate.Range(
        min=Decimal("0"), max=Decimal("100"), min_inclusive=False,
        error=_l("Must be more than 0 and at most 100.")))
    min_shares = fields.Integer(strict=True, validate=validate.Range(min=0, max=1_000_000))
    eligibility_en = fields.String(validate=_TEXT)
    eligibility_cy = fields.String(validate=_TEXT)
    care_related = fields.Boolean()


def register_viewer() -> service.Viewer:
    """Who is reading the register in this request (worked out once per request)."""
    viewer = g.get("register_viewer")
    if viewer is None:
        viewer = g.register_viewer = service.viewer_for(tenant_session(), current_role(),
                                                        current_account_id())
    return viewer


class MemberSchema(ma.Schema):
    """An entry in the register. Postal address and email only go to admins and coordinators;
    another member's shareholding and care-related classes only to them as well (s.103)."""

    PRIVATE = ("email", "postal_address", "account_id")

    id = fields.Integer()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    postal_address = fields.String(allow_none=True)
    account_id = fields.Integer(allow_none=True)
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True)
    shares_held = fields.Function(
        lambda member: service.visible_holding(member, register_viewer()), allow_none=True)
    classes = fields.Function(lambda member: [
        c.code for c in service.visible_classes(member, register_viewer())])

    @ma.post_dump
    def _hide_private(self, data, **_kwargs):
        if current_role() not in MANAGERS:
            for name in self.PRIVATE:
                data.pop(name, None)
        if data.get("shares_held", 0) is None:
            data.pop("shares_held")
        return data


def _name():
    return fields.String(validate=validate.Length(min=1, max=200))


class MemberUpdateSchema(StrictSchema):
    """Changes to a register entry; omit a field to leave it as it is."""

    display_name = _name()
    email = fields.Email(allow_none=True, validate=validate.Length(max=254),
                         metadata={"example": "sian@example.org"})
    postal_address = fields.String(allow_none=True, validate=_TEXT)
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True)
    shares_held = fields.Integer(strict=True, validate=validate.Range(min=0, max=1_000_000_000),
                                 metadata={"example": 1})
    classes = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                          validate=validate.Length(min=1, error=_l("Choose at least one class.")))


class MemberCreateSchema(MemberUpdateSchema):
    """A new register entry: name, class(es) and date admitted are required."""

    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                 metadata={"example": "Siân Prydderch"})
    joined_on = fields.Date(required=True, metadata={"example": "2026-04-01"})
    classes = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                          required=True,
                          validate=validate.Length(min=1, error=_l("Choose at least one class.")),
                          metadata={"example": ["dp_holder"]})


class InvitationCreateSchema(StrictSchema):
    """Invite the member with this id, by the email address in the register."""

    member_id = fields.Integer(required=True, strict=True)


class InvitationSchema(ma.Schema):
    """An invitation (never its token)."""

    id = fields.Integer()
    member_id = fields.Integer()
    created_at = UTCDateTime()
    expires_at = UTCDateTime()
    sent_at = UTCDateTime(allow_none=True)
    accepted_at = UTCDateTime(allow_none=True)


class ShareRequestSchema(StrictSchema):
    """An application for shares, or a request to withdraw some."""

    shares = fields.Integer(required=True, strict=True,
                            validate=validate.Range(min=1, max=1_000_000_000))
    applied_on = fields.Date(load_default=None)


class SharePaymentSchema(StrictSchema):
    """Money paid for approved shares, or repaid on a withdrawal, in pence."""

    amount_pence = fields.Integer(required=True, strict=True,
                                  validate=validate.Range(min=0, max=10_000_000_000))
    on = fields.Date(load_default=None)


class ShareStepSchema(StrictSchema):
    """The date of a step (approval, allotment); today when left out."""

    on = fields.Date(load_default=None)


class ShareTransactionSchema(ma.Schema):
    """One movement in a member's share account."""

    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.String()
    state = fields.String()
    shares = fields.Integer()
    amount_pence = fields.Integer()
    applied_on = fields.Date()
    approved_on = fields.Date(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    settled_on = fields.Date(allow_none=True)
    note = fields.String()


class ShareAccountSchema(ma.Schema):
    """A member's shareholding and amount paid, and the transactions they derive from."""

    member_id = fields.Integer()
    shares = fields.Integer()
    amount_paid_pence = fields.Integer()
    transactions = fields.List(fields.Nested(ShareTransactionSchema))
