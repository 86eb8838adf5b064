"""What the care pages and API accept and return.

Input schemas subclass ``StrictSchema``: unknown fields and NUL characters are refused
by name. The week returned holds first names and time windows only.
"""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from tenants.care_person.models import CONSENT_METHODS, LINK_ROLES, WISHES
from tenants.web import StrictSchema

EMAIL = validate.Email(error=_l("Enter an email address, like name@example.org."))


class LinkIn(StrictSchema):
    """A coordinator links an existing account to a client record."""

    email = fields.String(required=True, validate=[validate.Length(max=254), EMAIL])
    role = fields.String(required=True, validate=validate.OneOf(LINK_ROLES))
    consent_given_on = fields.Date(required=True)
    consent_how = fields.String(required=True, validate=validate.OneOf(CONSENT_METHODS))


class LinkOut(ma.Schema):
    """A link, with the consent it rests on (the account by id only)."""

    id = fields.Integer()
    client_id = fields.Integer()
    account_id = fields.Integer()
    role = fields.String()
    consent_given_on = fields.Date()
    consent_how = fields.String()
    consent_recorded_by = fields.Integer()


class WeekQuery(StrictSchema):
    """Which week, and (for someone linked to more than one person) whose."""

    week = fields.Date(load_default=None)
    client_id = fields.Integer(load_default=None, validate=validate.Range(min=1))


class ComingOut(ma.Schema):
    """One visit: the day, the time window and the worker's first name, where shared."""

    day = fields.Date()
    starts = fields.Time(allow_none=True, format="%H:%M")
    ends = fields.Time(allow_none=True, format="%H:%M")
    worker = fields.String(allow_none=True)
    worker_key = fields.String(allow_none=True)
    lent_from = fields.String(allow_none=True)
    wish = fields.String(allow_none=True)


class WeekOut(ma.Schema):
    """A week of visits as the person (or their family) may see it."""

    person = fields.Function(lambda week: week.seat.first_name)
    seat = fields.Function(lambda week: week.seat.role)
    sees_times = fields.Function(lambda week: week.seat.sees_times)
    sees_names = fields.Function(lambda week: week.seat.sees_names)
    monday = fields.Date()
    visits = fields.List(fields.Nested(ComingOut))


class WishIn(StrictSchema):
    """"I'd like ‹name› again", "please not ‹name›", or clear (``wish`` null)."""

    worker = fields.String(required=True, validate=validate.Length(min=2, max=40))
    wish = fields.String(required=True, allow_none=True, validate=validate.OneOf(WISHES))
    client_id = fields.Integer(load_default=None, validate=validate.Range(min=1))


class FamilyIn(StrictSchema):
    """The person invites a family member and chooses what they see."""

    email = fields.String(required=True, validate=[validate.Length(max=254), EMAIL])
    sees_times = fields.Boolean(load_default=False)
    sees_names = fields.Boolean(load_default=False)
    client_id = fields.Integer(load_default=None, validate=validate.Range(min=1))


class GrantOut(ma.Schema):
    """A family invitation and what it lets them see."""

    id = fields.Integer()
    email = fields.String()
    sees_times = fields.Boolean()
    sees_names = fields.Boolean()
    sent = fields.Function(lambda grant: grant.sent_at is not None)
    accepted = fields.Function(lambda grant: grant.accepted_at is not None)
    revoked = fields.Function(lambda grant: grant.revoked_at is not None)
