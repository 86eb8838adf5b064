"""What the agency portal's forms accept.

Each schema subclasses ``StrictSchema``, so unknown fields and NUL characters are refused
by name. Pages turn the field names in errors into messages beside each field.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core import forms
from core.messages import _l
from federation.agencies.models import CHECKLIST_KEYS, Stage
from tenants.web import StrictSchema, UTCDateTime

SORTS = ("next_contact", "name")
# The services' and the checklist's refusals, in the reader's language when shown (each a
# ``core.messages.Message``: English text, translated where it is printed).
NOT_TICKED = _l("Tick the item, or clear its date")
DUPLICATE_NAME = _l("Your agency already has a group with this name")
OWN_EMAIL = _l("Enter the founding member's email, not yours")
NOT_YOUR_AGENCY = _l("Choose one of your agencies")
NEXT_CONTACT = _l("Enter the next contact date, today or later, like 2027-01-15")
DATE_DONE = _l("Enter the date it was done, today or earlier, like 2026-03-27")
CHOOSE_ITEMS = _l("Choose items from the list")


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=max_length),
                                   validate.Regexp(r"\s*\S", error=_l("Must not be blank."))],
                         **kwargs)


def _blank_to_none(data: dict, *names: str) -> dict:
    return {k: (None if k in names and isinstance(v, str) and not v.strip() else v)
            for k, v in data.items()}


def portfolio_filter_input(args) -> dict:
    """The portfolio's query string, shaped for ``PortfolioFilter`` (other names ignored)."""
    return forms.form_input(args, ("stage", "sort"))


class PortfolioFilter(StrictSchema):
    """The portfolio's filter and order, from the query string."""

    stage = fields.String(validate=validate.OneOf(list(Stage)), load_default=None)
    sort = fields.String(validate=validate.OneOf(SORTS), load_default="next_contact")


class GroupIn(StrictSchema):
    """A new group, at the enquiry stage."""

    name = _text(200, required=True)
    name_cy = _text(200, allow_none=True, load_default=None)
    agency_id = fields.Integer(load_default=None, allow_none=True)
    next_contact_on = fields.Date(allow_none=True, load_default=None)

    @ma.pre_load
    def _blanks(self, data, **_kwargs):
        return _blank_to_none(data, "name_cy", "agency_id", "next_contact_on")

    @ma.post_load
    def _strip(self, data, **_kwargs):
        data["name"] = data["name"].strip()
        if data.get("name_cy"):
            data["name_cy"] = data["name_cy"].strip()
        return data


class GroupChange(StrictSchema):
    """A group's stage and next contact date."""

    stage = fields.String(required=True, validate=validate.OneOf(list(Stage)))
    next_contact_on = fields.Date(allow_none=True, load_default=None)

    @ma.pre_load
    def _blanks(self, data, **_kwargs):
        return _blank_to_none(data, "next_contact_on")


class NoteIn(StrictSchema):
    """A note on a group."""

    body = _text(4000, required=True)


def checklist_from_form(form) -> tuple[dict, dict]:
    """``{key: date or None}`` from the checklist form, and errors by field name.

    A ticked item takes the date given, or today when none is; a date on an unticked
    item is refused rather than guessed at.
    """
    done = set(form.getlist("done"))
    unknown = done - set(CHECKLIST_KEYS)
    errors: dict[str, list[str]] = {}
    if unknown:
        errors["done"] = [CHOOSE_ITEMS]
    items: dict = {}
    for key in CHECKLIST_KEYS:
        raw = (form.get(f"on-{key}") or "").strip()
        try:
            if "\x00" in raw:
                raise ma.ValidationError("NUL")
            when = fields.Date().deserialize(raw) if raw else None
        except ma.ValidationError:
            errors[f"on-{key}"] = [DATE_DONE]
            continue
        if key in done:
            items[key] = when or "today"
        elif when is not None:
            errors[f"on-{key}"] = [NOT_TICKED]
        else:
            items[key] = None
    return items, errors


class HandoverIn(StrictSchema):
    """The founding member a co-op is handed over to."""

    to_name = _text(120, required=True)
    to_email = fields.Email(required=True, validate=validate.Length(max=254))

    @ma.post_load
    def _normalise(self, data, **_kwargs):
        data["to_name"] = data["to_name"].strip()
        data["to_email"] = data["to_email"].strip().lower()
        return data


class AgencyAccessOut(ma.Schema):
    """An agency and whether the co-op currently lets it in."""

    id = fields.Integer()
    name = fields.String()
    name_cy = fields.String(allow_none=True)
    has_access = fields.Boolean()
    granted_at = UTCDateTime(allow_none=True)


def access_out(agency, grant) -> dict:
    """What ``AgencyAccessOut`` dumps for an agency and its live grant (or None)."""
    return {"id": agency.id, "name": agency.name, "name_cy": agency.name_cy,
            "has_access": grant is not None,
            "granted_at": grant.granted_at if grant is not None else None}
