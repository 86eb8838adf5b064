"""The register of officers, officer elections and tasks in the API: strict input, plain output."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import fields, validate

from core import forms
from core.timeutil import LOCAL, as_utc
from tenants.governance.schemas import BallotTimesSchema
from tenants.officers.models import OFFICES
from tenants.officers.service import task_source, task_text
from tenants.web import StrictSchema


class OfficerInSchema(StrictSchema):
    """An appointment: the office, who (a name, or a member), and when."""

    office = fields.String(required=True, validate=validate.OneOf(OFFICES))
    name = fields.String(load_default="", validate=validate.Length(max=200))
    member_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    appointed_on = fields.Date(required=True)
    ended_on = fields.Date(load_default=None, allow_none=True)


class OfficerPatchSchema(StrictSchema):
    """A change to an entry: any of its fields, most often ``ended_on``."""

    office = fields.String(validate=validate.OneOf(OFFICES))
    name = fields.String(validate=validate.Length(max=200))
    member_id = fields.Integer(allow_none=True, strict=True)
    appointed_on = fields.Date()
    ended_on = fields.Date(allow_none=True)


class OfficerSchema(ma.Schema):
    """An entry in the register of officers."""

    id = fields.Integer()
    office = fields.String()
    name = fields.String()
    member_id = fields.Integer(allow_none=True)
    appointed_on = fields.Date()
    ended_on = fields.Date(allow_none=True)


class ElectionInSchema(BallotTimesSchema):
    """An officer election: the office, the candidate, and its ballot's times and quorum."""

    office = fields.String(required=True, validate=validate.OneOf(OFFICES))
    candidate_name = fields.String(load_default="", validate=validate.Length(max=200))
    member_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class ElectionSchema(ma.Schema):
    """An officer election and, once carried, the officer it appointed."""

    id = fields.Integer()
    proposal_id = fields.Integer()
    office = fields.String()
    candidate_name = fields.String()
    member_id = fields.Integer(allow_none=True)
    officer_id = fields.Integer(allow_none=True)
    carried_at = fields.Function(lambda e: as_utc(e.carried_at).astimezone(UTC).isoformat()
                                 if e.carried_at else None)


class TaskSchema(ma.Schema):
    """A task: what to do (code and text), by when, where it came from, and if done."""

    id = fields.Integer()
    kind = fields.String()
    code = fields.String()
    text = fields.Method("_text")
    source = fields.String()
    source_text = fields.Method("_source")
    due_on = fields.Date(allow_none=True)
    done_on = fields.Date(allow_none=True)
    detail = fields.Dict()

    def _text(self, task) -> str:
        return task_text(task)

    def _source(self, task) -> str:
        return task_source(task)


# -- the pages' forms ------------------------------------------------------------------
# The election form's fields that share a name with the appointment form's, by the
# schema's name: the page names them apart because both forms are on one page.
ELECTION_FORM_NAMES = {"office": "election_office", "member_id": "candidate_member_id"}


def officer_from_form(form) -> dict:
    """The raw input of the appointment form, shaped for ``OfficerInSchema``."""
    return forms.form_input(form, ("office", "name", "appointed_on"),
                            numbers=("member_id",))


def election_from_form(form) -> dict:
    """The raw input of the election form, shaped for ``ElectionInSchema``: its fields by
    the schema's names, and the ballot's times (wall-clock time in Wales) as instants."""
    raw = forms.form_input(form, ("election_office", "candidate_name", "opens_at",
                                  "closes_at"),
                           numbers=("candidate_member_id", "quorum"))
    raw = {key: raw[name] for key in ("office", "candidate_name", "member_id", "opens_at",
                                      "closes_at", "quorum")
           if (name := ELECTION_FORM_NAMES.get(key, key)) in raw}
    for key in ("opens_at", "closes_at"):
        if key in raw:
            raw[key] = _aware(raw[key])
    return raw


def _aware(value: str) -> str:
    """A datetime-local answer (wall-clock time in Wales) as an ISO instant, or as it is
    when it is not a date and time (the schema names the field)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL)
    return parsed.astimezone(UTC).isoformat()
