"""Marshmallow's own messages ("Missing data for required field.") in the reader's language.

Marshmallow copies a field's default messages into the field when the field is built, and
a schema's fields are built when its module is imported. So the defaults are replaced once,
by :func:`install`, which ``core`` runs when it is first imported: before any schema
exists, whichever layer defines it. A schema or validator that passes its own
``error_messages`` / ``error`` keeps them.

Each default becomes a :class:`Message`: a ``str`` holding the English text (so code that
compares messages still works) that is translated when marshmallow formats it, which it
does for every field and validator error, in the language of the request that shows it.
"""

from __future__ import annotations

from flask_babel import gettext
from marshmallow import fields, schema, validate


class Message(str):
    """An English message template, translated when it is formatted or printed."""

    template: str
    parts: dict

    def __new__(cls, template: str, parts: dict | None = None):
        parts = parts or {}
        text = super().__new__(cls, template.format(**parts) if parts else template)
        text.template, text.parts = template, parts
        return text

    def translated(self) -> str:
        """The message in the current request's language (English outside a request)."""
        text = gettext(self.template)
        if self.parts:
            text = text.format(**{key: str(value) for key, value in self.parts.items()})
        return text

    def __str__(self) -> str:
        return self.translated()

    def format(self, *args, **kwargs) -> str:
        if any(isinstance(value, Message) for value in kwargs.values()):
            # A template built from templates, as Range builds "Must be {min_op} {{min}}."
            # from "greater than": it stays a template, translated when finally used.
            return Message(self.template, kwargs)
        return self.translated().format(*args, **kwargs)

    def __getnewargs__(self):
        return self.template, self.parts

    def __deepcopy__(self, _memo):
        return self


def _l(text: str) -> Message:
    """Mark ``text`` for the catalogue (the extractor looks for ``_l``)."""
    return Message(text)


FIELD_MESSAGES = {
    fields.Field: {"required": _l("Missing data for required field."),
                   "null": _l("Field may not be null."),
                   "validator_failed": _l("Invalid value.")},
    fields.Boolean: {"invalid": _l("Not a valid boolean.")},
    fields.Date: {"invalid": _l("Not a valid date."),
                  "format": _l('"{input}" cannot be formatted as a date.')},
    # The base of Date, DateTime and Time; named here so nothing of it is left in English.
    fields._TemporalField: {"invalid": _l("Not a valid date and time."),
                            "invalid_awareness": _l("Not a valid date and time."),
                            "format": _l('"{input}" cannot be formatted as a date and time.')},
    fields.DateTime: {"invalid": _l("Not a valid date and time."),
                      "invalid_awareness": _l("Not a valid date and time."),
                      "format": _l('"{input}" cannot be formatted as a date and time.')},
    fields.Time: {"invalid": _l("Not a valid time."),
                  "invalid_awareness": _l("Not a valid time."),
                  "format": _l('"{input}" cannot be formatted as a time.')},
    fields.Decimal: {"special": _l("Special numeric values (nan or infinity) are not "
                                   "permitted.")},
    fields.Float: {"special": _l("Special numeric values (nan or infinity) are not "
                                 "permitted.")},
    fields.Email: {"invalid": _l("Not a valid email address.")},
    fields.Enum: {"unknown": _l("Must be one of: {choices}.")},
    fields.IP: {"invalid_ip": _l("Not a valid IP address.")},
    fields.IPv4: {"invalid_ip": _l("Not a valid IPv4 address.")},
    fields.IPv6: {"invalid_ip": _l("Not a valid IPv6 address.")},
    fields.IPInterface: {"invalid_ip_interface": _l("Not a valid IP interface.")},
    fields.IPv4Interface: {"invalid_ip_interface": _l("Not a valid IPv4 interface.")},
    fields.IPv6Interface: {"invalid_ip_interface": _l("Not a valid IPv6 interface.")},
    fields.Integer: {"invalid": _l("Not a valid integer.")},
    fields.List: {"invalid": _l("Not a valid list.")},
    fields.Mapping: {"invalid": _l("Not a valid mapping type.")},
    fields.Nested: {"type": _l("Invalid type.")},
    fields.Number: {"invalid": _l("Not a valid number."),
                    "too_large": _l("Number too large.")},
    fields.String: {"invalid": _l("Not a valid string."),
                    "invalid_utf8": _l("Not a valid utf-8 string.")},
    fields.TimeDelta: {"invalid": _l("Not a valid period of time."),
                       "format": _l("{input!r} cannot be formatted as a period of time.")},
    fields.Tuple: {"invalid": _l("Not a valid tuple.")},
    fields.URL: {"invalid": _l("Not a valid URL.")},
    fields.UUID: {"invalid_uuid": _l("Not a valid UUID.")},
}

VALIDATOR_MESSAGES = {
    validate.ContainsNoneOf: {"default_message": _l(
        "One or more of the choices you made was in: {values}.")},
    validate.ContainsOnly: {"default_message": _l(
        "One or more of the choices you made was not in: {choices}.")},
    validate.Email: {"default_message": _l("Not a valid email address.")},
    validate.Equal: {"default_message": _l("Must be equal to {other}.")},
    validate.Length: {"message_min": _l("Shorter than minimum length {min}."),
                      "message_max": _l("Longer than maximum length {max}."),
                      "message_all": _l("Length must be between {min} and {max}."),
                      "message_equal": _l("Length must be {equal}.")},
    validate.NoneOf: {"default_message": _l("Invalid input.")},
    validate.OneOf: {"default_message": _l("Must be one of: {choices}.")},
    validate.Predicate: {"default_message": _l("Invalid input.")},
    validate.Range: {"message_min": _l("Must be {min_op} {{min}}."),
                     "message_max": _l("Must be {max_op} {{max}}."),
                     "message_all": _l("Must be {min_op} {{min}} and {max_op} {{max}}."),
                     "message_gte": _l("greater than or equal to"),
                     "message_gt": _l("greater than"),
                     "message_lte": _l("less than or equal to"),
                     "message_lt": _l("less than")},
    validate.Regexp: {"default_message": _l("String does not match expected pattern.")},
    validate.URL: {"default_message": _l("Not a valid URL.")},
}

SCHEMA_MESSAGES = {"type": _l("Invalid input type."), "unknown": _l("Unknown field.")}


# What a page says beside a field when its answer was refused, for fields that several
# forms share (``core.forms.page_errors``); a page passes its own wording for the rest.
CHECK_THIS_ANSWER = _l("Check this answer")
FORM_WORDING = {
    "la_code": _l("Choose a local authority"),
    "base_la_code": _l("Choose a local authority"),
    "postcode_district": _l("Enter the first half of a postcode, like LL55 or CF10"),
    "base_postcode_district": _l("Enter the first half of a postcode, like LL55 or CF10"),
    "skills": _l("Choose skills from the list"),
    "welsh_level": _l("Choose a Welsh level"),
}


def install() -> None:
    """Replace marshmallow's English defaults with translatable ones (idempotent)."""
    for cls, messages in FIELD_MESSAGES.items():
        cls.default_error_messages = {**cls.__dict__.get("default_error_messages", {}),
                                      **messages}
    for cls, attributes in VALIDATOR_MESSAGES.items():
        for name, message in attributes.items():
            setattr(cls, name, message)
    schema.Schema._default_error_messages = {**schema.Schema._default_error_messages,
                                             **SCHEMA_MESSAGES}
