"""marshmallow's own messages ("Missing data for required field.") in the reader's language."""

from __future__ import annotations

import inspect

import marshmallow as ma
import pytest
from flask_babel import force_locale
from marshmallow import fields, validate

from core.messages import Message


class Sample(ma.Schema):
    count = fields.Integer(required=True, validate=validate.Range(min=0, max=10))
    email = fields.Email()
    kind = fields.String(validate=validate.OneOf(["a", "b"]))
    name = fields.String(validate=validate.Length(min=2))
    day = fields.Date()


def _errors(data: dict) -> dict:
    with pytest.raises(ma.ValidationError) as refused:
        Sample().load(data)
    return {key: [str(m) for m in value] for key, value in refused.value.messages.items()}


def test_marshmallow_messages_follow_the_readers_language(app):
    bad = {"email": "not an email", "kind": "c", "name": "x", "day": "soon", "extra": 1}
    with app.test_request_context("/"):
        with force_locale("cy"):
            welsh = _errors(bad)
            out_of_range = _errors({"count": 11})
        with force_locale("en"):
            english = _errors(bad)
    assert english["count"] == ["Missing data for required field."]
    assert welsh == {
        "count": ["Mae angen llenwi'r maes hwn."],
        "email": ["Nid yw'n gyfeiriad e-bost dilys."],
        "kind": ["Rhaid iddo fod yn un o'r rhain: a, b."],
        "name": ["Yn fyrrach na'r hyd lleiaf, sef 2."],
        "day": ["Nid yw'n ddyddiad dilys."],
        "extra": ["Maes anhysbys."],
    }
    assert out_of_range["count"] == [
        "Rhaid iddo fod yn fwy na neu'n hafal i 0 ac yn llai na neu'n hafal i 10."]


def test_every_default_message_of_marshmallow_is_translatable():
    """A marshmallow upgrade that adds a message fails here, not on a Welsh page."""
    untranslatable = []
    for name, cls in inspect.getmembers(fields, inspect.isclass):
        for key, message in cls.__dict__.get("default_error_messages", {}).items():
            if not isinstance(message, Message):
                untranslatable.append(f"fields.{name}.{key}")
    for name, cls in inspect.getmembers(validate, inspect.isclass):
        for key, message in vars(cls).items():
            if (key == "default_message" or key.startswith("message")) \
                    and isinstance(message, str) and not isinstance(message, Message):
                untranslatable.append(f"validate.{name}.{key}")
    for key, message in ma.Schema._default_error_messages.items():
        if not isinstance(message, Message):
            untranslatable.append(f"Schema.{key}")
    assert untranslatable == []
