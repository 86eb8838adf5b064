"""What the rota API and forms accept and return.

Times are naive Europe/London wall-clock datetimes (``2026-11-23T09:00``); a time with an
offset is refused, because the rota is planned in the time the worker lives by.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.timeutil import local_now
from tenants.rota.models import VISIT_STATUSES
from tenants.vocabulary import SKILLS
from tenants.web import StrictSchema

_skill = fields.String(validate=validate.OneOf(list(SKILLS)))
_id = {"validate": validate.Range(min=1, max=2**31 - 1)}


def _after(data: dict, start: str, end: str) -> None:
    if data.get(start) is not None and data.get(end) is not None and data[end] <= data[start]:
        raise ma.ValidationError({end: [f"Must be after {start}."]})


class VisitCreateSchema(StrictSchema):
    """A one-off visit."""

    client_id = fields.Integer(required=True, **_id)
    starts_at = fields.NaiveDateTime(required=True)
    ends_at = fields.NaiveDateTime(required=True)
    worker_id = fields.Integer(allow_none=True, **_id)
    skills = fields.List(_skill, load_default=list, validate=validate.Length(max=len(SKILLS)))
    welsh_required = fields.Boolean(load_default=False)
    travel_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=600))
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))
    short_visit_reason = fields.String(allow_none=True, validate=validate.Length(max=2000),
                                       metadata={"description": "Why a visit is shorter than "
                                                                "30 minutes (reg 41)"})

    @ma.validates_schema
    def _ends_after_starts(self, data, **_kwargs):
        _after(data, "starts_at", "ends_at")


class VisitUpdateSchema(StrictSchema):
    """Status and what actually happened; send only what changes."""

    status = fields.String(validate=validate.OneOf(VISIT_STATUSES))
    actual_start = fields.NaiveDateTime(allow_none=True)
    actual_end = fields.NaiveDateTime(allow_none=True)
    travel_minutes = fields.Integer(validate=validate.Range(min=0, max=600))
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @ma.validates_schema
    def _ends_after_starts(self, data, **_kwargs):
        _after(data, "actual_start", "actual_end")


class AssignSchema(StrictSchema):
    """The worker to assign, or null to leave the visit unassigned."""

    worker_id = fields.Integer(required=True, allow_none=True, **_id)


class PatternCreateSchema(StrictSchema):
    """A visit that recurs every week."""

    client_id = fields.Integer(required=True, **_id)
    weekday = fields.Integer(required=True, validate=validate.Range(min=0, max=6),
                             metadata={"description": "0 is Monday"})
    starts = fields.Time(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    worker_id = fields.Integer(allow_none=True, **_id)
    skills = fields.List(_skill, load_default=list, validate=validate.Length(max=len(SKILLS)))
    welsh_required = fields.Boolean(load_default=False)
    valid_from = fields.Date(load_default=lambda: local_now().date())
    valid_until = fields.Date(allow_none=True)
    short_visit_reason = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @ma.validates_schema
    def _until_after_from(self, data, **_kwargs):
        if data.get("valid_until") is not None and data["valid_until"] < data["valid_from"]:
            raise ma.ValidationError({"valid_until": ["Must not be before valid_from."]})


class GenerateSchema(StrictSchema):
    """The week to generate (any day in it)."""

    week = fields.Date(required=True)


class WeekQuerySchema(ma.Schema):
    """Filter a list to one week (any day in it)."""

    class Meta:
        unknown = ma.EXCLUDE

    week = fields.Date()


def _skill_codes(obj) -> list[str]:
    return sorted(s.skill for s in obj.skills)


class VisitSchema(ma.Schema):
    """A visit."""

    id = fields.Integer()
    client_id = fields.Integer()
    pattern_id = fields.Integer(allow_none=True)
    worker_id = fields.Integer(allow_none=True)
    starts_at = fields.NaiveDateTime()
    ends_at = fields.NaiveDateTime()
    status = fields.String()
    actual_start = fields.NaiveDateTime(allow_none=True)
    actual_end = fields.NaiveDateTime(allow_none=True)
    travel_minutes = fields.Integer()
    welsh_required = fields.Boolean()
    note = fields.String(allow_none=True)
    short_visit_reason = fields.String(allow_none=True)
    skills = fields.Function(_skill_codes)


class RuleNoteSchema(ma.Schema):
    """Whether a rule applies to an assignment, and why (in the reader's language)."""

    code = fields.String()
    applies = fields.Boolean()
    why = fields.String()


class AssignedSchema(VisitSchema):
    """A visit after an assignment, with why each rule about the worker applies or not."""

    rule_notes = fields.List(fields.Nested(RuleNoteSchema))


class PatternSchema(ma.Schema):
    """A weekly pattern."""

    id = fields.Integer()
    client_id = fields.Integer()
    worker_id = fields.Integer(allow_none=True)
    weekday = fields.Integer()
    starts = fields.Time()
    duration_minutes = fields.Integer()
    welsh_required = fields.Boolean()
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    short_visit_reason = fields.String(allow_none=True)
    skills = fields.Function(_skill_codes)


class GeneratedSchema(ma.Schema):
    """What generating a week did."""

    week = fields.Date()
    created = fields.Integer()
    unassigned_by_rules = fields.List(fields.Integer(),
                                      metadata={"description": "Patterns whose worker broke "
                                                               "a rule that week"})
    held_back = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "Visits left without their pattern's "
                                                     "worker, by the worker's name"})


class PatternRemoveSchema(StrictSchema):
    """From which day a pattern stops (its planned visits from then leave the rota)."""

    from_day = fields.Date(load_default=lambda: local_now().date(), data_key="from")


class RemovedPatternSchema(ma.Schema):
    """What removing a pattern did."""

    pattern_id = fields.Integer()
    visits_removed = fields.Integer()
    deleted = fields.Boolean(metadata={"description": "True when the pattern itself is gone; "
                                                      "false when it ends on ended_on"})
    ended_on = fields.Date(allow_none=True)


class PersonSearchSchema(ma.Schema):
    """Find a worker or a client by name."""

    class Meta:
        unknown = ma.EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=100))


class OfferDueSchema(ma.Schema):
    """A worker due a contract offer (reg 42), with their average weekly hours."""

    worker_id = fields.Integer(attribute="worker.id")
    display_name = fields.String(attribute="worker.display_name")
    weeks = fields.Integer()
    first_week = fields.Date()
    average_hours = fields.Float()


class OfferCreateSchema(StrictSchema):
    """The contract offered: to whom, and its weekly hours."""

    worker_id = fields.Integer(required=True, **_id)
    offered_hours = fields.Decimal(required=True, places=2, allow_nan=False,
                                   validate=validate.Range(min=0, min_inclusive=False, max=168))


class OfferChoiceSchema(StrictSchema):
    """The worker's choice on an offer."""

    choice = fields.String(required=True, validate=validate.OneOf(("accepted", "declined")))


class OfferSchema(ma.Schema):
    """A recorded contract offer and the worker's choice."""

    id = fields.Integer()
    worker_id = fields.Integer()
    offered_on = fields.Date()
    weeks_counted = fields.Integer()
    average_hours = fields.Float()
    offered_hours = fields.Float()
    choice = fields.String()
    chosen_on = fields.Date(allow_none=True)


class ScheduleItemSchema(ma.Schema):
    """A stretch of a worker's day: travel, visit or break."""

    kind = fields.String()
    start = fields.NaiveDateTime()
    end = fields.NaiveDateTime()
    minutes = fields.Integer()
    client_name = fields.String()


class ScheduleDaySchema(ma.Schema):
    """A day of a worker's schedule, with its travel, visit and break minutes."""

    day = fields.Date()
    items = fields.List(fields.Nested(ScheduleItemSchema))
    travel_minutes = fields.Function(lambda d: d.total("travel"))
    visit_minutes = fields.Function(lambda d: d.total("visit"))
    break_minutes = fields.Function(lambda d: d.total("break"))


class ScheduleQuerySchema(StrictSchema):
    """The week of a schedule (any day in it)."""

    week = fields.Date(required=True)
