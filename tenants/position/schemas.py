"""What the legal position API and settings pages accept and return."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core import forms
from tenants.position.models import LEGAL_FORMS, SERVICE_TYPES
from tenants.web import StrictSchema

FCA_NUMBER = r"^[0-9]{1,6}[A-Z]{0,2}$"


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=max_length),
                                   validate.Regexp(r"\s*\S", error=_l("Must not be blank."))],
                         **kwargs)


class PositionIn(StrictSchema):
    """The co-op's legal position; fields left out keep their stored value."""

    legal_form = fields.String(validate=validate.OneOf(LEGAL_FORMS))
    fca_society_number = fields.String(
        allow_none=True, validate=validate.Regexp(
            FCA_NUMBER, error=_l("Enter the society number as on the FCA register, like 31234R.")))
    registered_on = fields.Date(allow_none=True)
    dbs_status_check_days = fields.Integer(strict=True, validate=validate.Range(1, 1095))

    @ma.pre_load
    def _normalise(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data  # not an object: the schema refuses it, naming the body
        number = data.get("fca_society_number")
        if isinstance(number, str):
            data = {**data, "fca_society_number": number.strip().upper() or None}
        return data


class ServiceIn(StrictSchema):
    """A service registered with Care Inspectorate Wales."""

    service_type = fields.String(required=True, validate=validate.OneOf(SERVICE_TYPES))
    ciw_service_id = _text(32, required=True)
    responsible_individual = _text(200, required=True)
    registered_manager = _text(200, allow_none=True, load_default=None)
    rating_url = fields.Url(allow_none=True, load_default=None, schemes={"https"})
    registered_on = fields.Date(allow_none=True, load_default=None)


class ServiceOut(ma.Schema):
    """A CIW-registered service."""

    id = fields.Integer()
    service_type = fields.String()
    ciw_service_id = fields.String()
    responsible_individual = fields.String()
    registered_manager = fields.String(allow_none=True)
    rating_url = fields.String(allow_none=True)
    registered_on = fields.Date(allow_none=True)


class PositionOut(ma.Schema):
    """The co-op's legal position and its registered services."""

    legal_form = fields.String()
    fca_society_number = fields.String(allow_none=True)
    registered_on = fields.Date(allow_none=True)
    dbs_status_check_days = fields.Integer()
    services = fields.List(fields.Nested(ServiceOut))


def form_to_position(form) -> dict:
    """The settings form's answers shaped for ``PositionIn`` (empty answers as None)."""
    return {"legal_form": form.get("legal_form", ""), **forms.form_input(
        form, ("fca_society_number", "registered_on"), numbers=("dbs_status_check_days",),
        keep_empty=("fca_society_number", "registered_on"))}


def form_to_service(form) -> dict:
    """The add-service form's answers shaped for ``ServiceIn`` (empty answers as None)."""
    return forms.form_input(
        form, ("service_type", "ciw_service_id", "responsible_individual",
               "registered_manager", "rating_url", "registered_on"),
        keep_empty=("registered_manager", "rating_url", "registered_on"))
