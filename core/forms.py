"""One way for a page to turn its posted form into schema input, and errors back into it.

A page's view does three things with a form, always with these functions:

- ``form_input(form, names, ...)``: the raw input for the schema. Text answers are
  stripped and empty ones left out (so the schema says "required" or uses its default);
  lists come from every value of a name; ticked boxes become booleans; whole numbers
  become ints (anything else stays text, so the schema names the field).
- ``load(schema, raw)``: the schema's result, or ``core.errors.ValidationError`` with each
  field's messages (nested fields as ``"availability.0.ends"``), exactly as a service
  refuses; so one ``except ValidationError`` handles both.
- ``page_errors(errors, wording)``: one message list per form field, in the reader's
  language, for the page's error summary and fields.

The API does not use this module: flask-smorest parses its JSON with the same schemas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import marshmallow as ma

from core.errors import ValidationError
from core.messages import CHECK_THIS_ANSWER, FORM_WORDING

SKIP = frozenset({"csrf_token"})


def form_input(form, names: Iterable[str] | None = None, *, lists: Iterable[str] = (),
               ticks: Iterable[str] = (), numbers: Iterable[str] = (),
               keep_empty: Iterable[str] = ()) -> dict:
    """The raw input of a posted ``form`` (a werkzeug ``MultiDict``), shaped for a schema.

    ``names`` are text answers (all the form's names but the CSRF token when None);
    ``lists`` are read with every value; ``ticks`` are checkboxes, True when "yes" or "y";
    ``numbers`` (also text answers) are sent as ints when they are whole numbers;
    ``keep_empty`` are text answers sent even when empty (as None), for a schema that
    distinguishes "cleared" from "not sent".
    """
    lists, ticks, numbers, keep_empty = set(lists), set(ticks), set(numbers), set(keep_empty)
    if names is None:
        names = [name for name in form if name not in SKIP | lists | ticks]
    raw: dict = {}
    for name in (*names, *(numbers - set(names))):
        value = (form.get(name) or "").strip()
        if value:
            raw[name] = whole_number(value) if name in numbers else value
        elif name in keep_empty:
            raw[name] = None
    for name in lists:
        raw[name] = [whole_number(v) if name in numbers else v for v in form.getlist(name)]
    for name in ticks:
        raw[name] = form.get(name) in ("yes", "y")
    return raw


def whole_number(value: str) -> int | str:
    """``value`` as an int when it is a whole number written in ASCII digits, else as it is."""
    text = value.strip()
    digits = text[1:] if text[:1] == "-" else text
    if digits.isascii() and digits.isdigit() and len(digits) <= 18:
        return int(text)
    return value


def answers(form, *, lists: Iterable[str] = (), ticks: Iterable[str] = ()) -> dict:
    """The posted answers, to show again beside the errors."""
    shown = {key: form.get(key, "") for key in form if key not in SKIP}
    shown.update({name: form.getlist(name) for name in lists})
    shown.update({name: form.get(name) in ("yes", "y") for name in ticks})
    return shown


def load(schema: ma.Schema, raw: Mapping) -> dict:
    """Run ``schema`` on ``raw``; a refusal becomes ``core.errors.ValidationError``."""
    try:
        return schema.load(raw)
    except ma.ValidationError as exc:
        refusal = ValidationError(flat_messages(exc.normalized_messages()))
        refusal.from_schema = True
        raise refusal from exc


def flat_messages(messages, prefix: str = "") -> dict[str, list]:
    """marshmallow's nested messages as one list per dotted field name."""
    if isinstance(messages, Mapping):
        flat: dict[str, list] = {}
        for key, value in messages.items():
            flat.update(flat_messages(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    values = messages if isinstance(messages, list) else [messages]
    if any(isinstance(value, Mapping) for value in values):
        flat = {}
        for value in values:
            flat.update(flat_messages(value, prefix))
        return flat
    return {prefix or "_schema": list(values)}


def page_errors(errors: Mapping | ValidationError | None, wording: Mapping | None = None,
                *, service_words: bool = False) -> dict[str, list[str]]:
    """One list of messages per form field, in the reader's language.

    ``errors`` maps field names (dotted for nested fields) to messages, or is the
    ``ValidationError`` itself. A field's message is the page's own ``wording`` for it,
    else the shared ``core.messages.FORM_WORDING``, else the message the schema or the
    service gave (marshmallow's are translated, see ``core.messages``), else "Check this
    answer". With ``service_words``, a refusal the service raised (not the schema's, from
    ``load``) keeps the service's own, translated, words: it knows why it refused.
    """
    own_words = False
    if isinstance(errors, ValidationError):
        own_words = service_words and not getattr(errors, "from_schema", False)
        errors = errors.errors
    page: dict[str, list[str]] = {}
    for key, messages in (errors or {}).items():
        field = str(key).split(".")[0]
        if field in page:
            continue
        message = None if own_words else (wording or {}).get(field) or FORM_WORDING.get(field)
        if message is not None:
            page[field] = [str(message)]
            continue
        given = [str(m) for m in (messages if isinstance(messages, list) else [messages])
                 if isinstance(m, str)]
        page[field] = given or [str(CHECK_THIS_ANSWER)]
    return page
