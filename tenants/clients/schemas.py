"""What the clients API and pages accept and return: only the data the care needs.

Input schemas subclass ``StrictSchema``: unknown fields and NUL characters are refused by
name, and vocabulary codes are checked against the shared lists.
"""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core import forms
from core.areas import local_authorities
from tenants.vocabulary import AGE_BANDS, FUNDING_SOURCES, LANGUAGES, NEED_TYPES
from tenants.web import StrictSchema
from tenants.workforce.schemas import PostcodeDistrict

LANGUAGE_REQUIRED = _l("Record the language the person prefers for their care, 'cy' (Welsh) "
                        "or 'en' (English): there is no default (the Active Offer).")


class ClientIn(StrictSchema):
    """A client as created; ``ClientChange`` is the same, every field optional."""

    display_name = fields.String(required=True, validate=[
        validate.Length(min=1, max=200), validate.Regexp(r"\s*\S", error=_l("Must not be blank."))])
    funding_source = fields.String(required=True,
                                   validate=validate.OneOf(list(FUNDING_SOURCES)))
    need_types = fields.List(fields.String(validate=validate.OneOf(list(NEED_TYPES))),
                             load_default=list)
    age_band = fields.String(required=True, validate=validate.OneOf(list(AGE_BANDS)))
    la_code = fields.String(required=True, validate=validate.OneOf(list(local_authorities())))
    postcode_district = PostcodeDistrict(allow_none=True, load_default=None)
    # No default: the Active Offer means the language is asked and recorded every time.
    preferred_language = fields.String(
        required=True, validate=validate.OneOf(list(LANGUAGES)),
        error_messages={"required": LANGUAGE_REQUIRED})
    #: The person said their visits need not be in Welsh, although they prefer it.
    welsh_visits_waived = fields.Boolean(load_default=False)
    regular_carers = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)),
                                 load_default=list)
    active = fields.Boolean(load_default=True)


class ClientChange(ClientIn):
    """A change to a client: only the fields given change."""

    def __init__(self, **kwargs):
        super().__init__(partial=tuple(ClientIn._declared_fields), **kwargs)


class ClientOut(ma.Schema):
    """A client, with need types and the ids of their regular carers."""

    id = fields.Integer()
    display_name = fields.String()
    funding_source = fields.String()
    need_types = fields.Function(lambda client: [n.need_type for n in client.needs])
    age_band = fields.String()
    la_code = fields.String()
    postcode_district = fields.String(allow_none=True)
    preferred_language = fields.String()
    welsh_visits_waived_on = fields.Date(allow_none=True)
    welsh_required = fields.Boolean(attribute="needs_welsh")
    regular_carers = fields.Function(
        lambda client: sorted(r.worker_id for r in client.regular_carers))
    active = fields.Boolean()


def client_from_form(form) -> dict:
    """The raw input of the client form, shaped for ``ClientIn`` (empty answers left out)."""
    return forms.form_input(
        form, ("display_name", "funding_source", "age_band", "la_code", "postcode_district",
               "preferred_language"),
        lists=("need_types", "regular_carers"), numbers=("regular_carers",),
        ticks=("active", "welsh_visits_waived"))


def client_to_form(client) -> dict:
    """A stored client as the form's answers."""
    answers = {name: getattr(client, name) or "" for name in (
        "display_name", "funding_source", "age_band", "la_code", "postcode_district",
        "preferred_language")}
    answers["need_types"] = [n.need_type for n in client.needs]
    answers["regular_carers"] = [str(r.worker_id) for r in client.regular_carers]
    answers["active"] = client.active
    answers["welsh_visits_waived"] = client.welsh_visits_waived_on is not None
    return answers


def form_answers(form) -> dict:
    """The posted answers, to show again beside the errors."""
    return forms.answers(form, lists=("need_types", "regular_carers"),
                         ticks=("active", "welsh_visits_waived"))
