"""core.forms: the one way a page turns its form into schema input and errors back."""

from __future__ import annotations

import marshmallow as ma
import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from core import forms
from core.errors import ValidationError


class Slot(ma.Schema):
    starts = fields.Time(required=True)


class Sample(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=2))
    count = fields.Integer()
    skills = fields.List(fields.String(validate=validate.OneOf(["hoist", "driver"])))
    active = fields.Boolean()
    la_code = fields.String(validate=validate.OneOf(["W06000001"]))
    note = fields.String(allow_none=True)
    slots = fields.List(fields.Nested(Slot))


FORM = MultiDict([("csrf_token", "t"), ("name", "  Ceri  "), ("count", "12"),
                  ("skills", "hoist"), ("skills", "juggling"), ("active", "yes"),
                  ("la_code", ""), ("note", "")])


def test_form_input_strips_leaves_out_empty_answers_and_reads_lists_ticks_and_numbers():
    raw = forms.form_input(FORM, ("name", "la_code", "note"), lists=("skills",),
                           ticks=("active", "welsh"), numbers=("count",),
                           keep_empty=("note",))
    assert raw == {"name": "Ceri", "count": 12, "skills": ["hoist", "juggling"],
                   "active": True, "welsh": False, "note": None}
    assert "csrf_token" not in forms.form_input(FORM)
    assert forms.whole_number("-3") == -3
    assert forms.whole_number("3.5") == "3.5"
    assert forms.whole_number("٣") == "٣"  # not ASCII: the schema names the field
    assert forms.whole_number("9" * 30) == "9" * 30  # too long for any column: left as text


def test_load_turns_a_schema_refusal_into_the_services_error_with_dotted_fields(app):
    with app.test_request_context("/"):
        with pytest.raises(ValidationError) as refused:
            forms.load(Sample(), {"name": "x", "skills": ["juggling"],
                                  "slots": [{"starts": "soon"}]})
    assert refused.value.status == 422
    assert refused.value.from_schema is True
    assert set(refused.value.errors) == {"name", "skills.0", "slots.0.starts"}
    assert forms.load(Sample(), {"name": "Ceri"}) == {"name": "Ceri"}


def _page(wording) -> dict:
    """A refused form's page errors, loaded and worded in the current request's language."""
    with pytest.raises(ValidationError) as refused:
        forms.load(Sample(), {"name": "x", "count": "many", "la_code": "E1",
                              "slots": [{"starts": "soon"}]})
    return forms.page_errors(refused.value, wording)


def test_page_errors_words_each_field_once_in_the_readers_language(app):
    wording = {"name": _l("Enter the worker's name")}
    with app.test_request_context("/"):
        service = ValidationError({"name": ["Taken."], "la_code": ["Not yours."]})
        with force_locale("cy"):
            welsh = _page(wording)
            own = forms.page_errors(service, wording, service_words=True)
            reworded = forms.page_errors(service, wording)
        with force_locale("en"):
            english = _page(wording)
    # The page's wording, the shared wording, then the schema's own (translated) message.
    assert english == {"name": ["Enter the worker's name"],
                       "la_code": ["Choose a local authority"],
                       "count": ["Not a valid integer."],
                       "slots": ["Not a valid time."]}
    assert welsh["name"] == ["Rhowch enw'r gweithiwr"]
    assert welsh["la_code"] == ["Dewiswch awdurdod lleol"]
    assert welsh["count"] == ["Nid yw'n rhif cyfan dilys."]
    # A page that keeps the service's words shows them, for the service's refusals only.
    assert own == {"name": ["Taken."], "la_code": ["Not yours."]}
    assert reworded == {"name": ["Rhowch enw'r gweithiwr"], "la_code": ["Dewiswch awdurdod lleol"]}
    assert forms.page_errors(None) == {}
