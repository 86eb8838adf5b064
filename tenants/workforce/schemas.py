"""What the workforce API and pages accept and return.

Input schemas subclass ``StrictSchema``: unknown fields and NUL characters are refused by
name. Rules that need the stored record as well as the input (an opt-out needs its signed
date; a registration number needs its expiry) live in ``service.check_worker_rules``.
"""

from __future__ import annotations

import re

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core import forms
from core.areas import local_authorities
from core.timeutil import local_now
from tenants.rules import explain
from tenants.vocabulary import SKILLS, WELSH_LEVELS
from tenants.web import StrictSchema
from tenants.workforce.models import ENGAGEMENTS, STATUS_CHECK_RESULTS

POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=max_length),
                                   validate.Regexp(r"\s*\S", error=_l("Must not be blank."))],
                         **kwargs)


class PostcodeDistrict(fields.String):
    """An outward postcode such as ``LL55`` or ``CF10``, stored in capitals."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not POSTCODE_DISTRICT.match(text):
            raise ma.ValidationError("Enter the first half of a postcode, like LL55 or CF10.")
        return text


class AvailabilityIn(StrictSchema):
    """A weekly window: weekday 0 (Monday) to 6, and start and end times on that day."""

    weekday = fields.Integer(required=True, strict=True, validate=validate.Range(0, 6))
    starts = fields.Time(required=True)
    ends = fields.Time(required=True)

    @ma.validates_schema
    def _ends_after_starts(self, data, **_kwargs):
        if "starts" in data and "ends" in data and data["ends"] <= data["starts"]:
            raise ma.ValidationError("Must be after the start time.", "ends")


class WorkerIn(StrictSchema):
    """A worker as created; ``WorkerChange`` is the same, every field optional."""

    display_name = _text(200, required=True)
    account_id = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1))
    welsh_level = fields.String(load_default="none", validate=validate.OneOf(list(WELSH_LEVELS)))
    started_on = fields.Date(required=True)
    scw_registration_number = _text(32, allow_none=True, load_default=None)
    scw_expires_on = fields.Date(allow_none=True, load_default=None)
    dbs_certificate_date = fields.Date(allow_none=True, load_default=None)
    dbs_update_service = fields.Boolean(load_default=False)
    contracted_hours = fields.Decimal(load_default=0, places=2, allow_nan=False,
                                      validate=validate.Range(0, 168))
    wt_opt_out = fields.Boolean(load_default=False)
    wt_opt_out_signed_on = fields.Date(allow_none=True, load_default=None)
    base_la_code = fields.String(allow_none=True, load_default=None,
                                 validate=validate.OneOf(list(local_authorities())))
    base_postcode_district = PostcodeDistrict(allow_none=True, load_default=None)
    travel_radius_km = fields.Integer(strict=True, allow_none=True, load_default=None,
                                      validate=validate.Range(0, 300))
    skills = fields.List(fields.String(validate=validate.OneOf(list(SKILLS))),
                         load_default=list)
    availability = fields.List(fields.Nested(AvailabilityIn), load_default=list)
    active = fields.Boolean(load_default=True)
    engagement = fields.String(load_default="employee", validate=validate.OneOf(ENGAGEMENTS))
    dp_employer_member_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                                           validate=validate.Range(min=1))
    dbs_applied_by_coop = fields.Boolean(load_default=True)
    scw_conditions = fields.String(allow_none=True, load_default=None,
                                   validate=validate.Length(max=2000))
    scw_suspended_from = fields.Date(allow_none=True, load_default=None)
    scw_suspended_until = fields.Date(allow_none=True, load_default=None)
    non_guaranteed_hours = fields.Boolean(load_default=False)


class StatusCheckIn(StrictSchema):
    """A DBS Update Service status check: when, by whom, and what it found."""

    checked_on = fields.Date(required=True)
    checked_by = _text(200, required=True)
    result = fields.String(required=True, validate=validate.OneOf(STATUS_CHECK_RESULTS))


class LeavingIn(StrictSchema):
    """The day a worker left, or null to clear a leaving date recorded by mistake."""

    left_on = fields.Date(required=True, allow_none=True)


class StatusCheckOut(ma.Schema):
    """A recorded DBS Update Service status check."""

    id = fields.Integer()
    checked_on = fields.Date()
    checked_by = fields.String()
    result = fields.String()


class WorkerChange(WorkerIn):
    """A change to a worker: only the fields given change.

    Partial by top-level field name, not ``partial=True``, which would also make each
    availability window's own fields optional.
    """

    def __init__(self, **kwargs):
        super().__init__(partial=tuple(WorkerIn._declared_fields), **kwargs)


class WorkerFilter(StrictSchema):
    """Filters on the list of workers."""

    skill = fields.String(validate=validate.OneOf(list(SKILLS)))
    welsh_level = fields.String(validate=validate.OneOf(list(WELSH_LEVELS)))


class ChecksDueQuery(StrictSchema):
    """How far ahead to look for checks that lapse."""

    days = fields.Integer(load_default=30, validate=validate.Range(0, 365))


class AvailabilityOut(ma.Schema):
    """A weekly availability window."""

    weekday = fields.Integer()
    starts = fields.Time()
    ends = fields.Time()


class ExpiryOut(ma.Schema):
    """A check that lapses soon."""

    reason = fields.String()
    rule = fields.String()
    last_valid_on = fields.Date()
    days_left = fields.Integer()


class FindingOut(ma.Schema):
    """A check that fails: the rule, the reason code, and the message people read."""

    rule = fields.String()
    reason = fields.String()
    on = fields.Date(allow_none=True)
    message = fields.Function(lambda finding: explain.finding_text(finding))


class CheckStatusOut(ma.Schema):
    """A worker's checks today."""

    on = fields.Date()
    valid = fields.Boolean()
    problems = fields.List(fields.String())
    findings = fields.List(fields.Nested(FindingOut))
    expiring = fields.List(fields.Nested(ExpiryOut))


class WorkerOut(ma.Schema):
    """A worker, with their skills, availability and today's check status."""

    id = fields.Integer()
    display_name = fields.String()
    account_id = fields.Integer(allow_none=True)
    welsh_level = fields.String()
    started_on = fields.Date()
    left_on = fields.Date(allow_none=True)
    scw_registration_number = fields.String(allow_none=True)
    scw_expires_on = fields.Date(allow_none=True)
    dbs_certificate_date = fields.Date(allow_none=True)
    dbs_update_service = fields.Boolean()
    contracted_hours = fields.Float()
    wt_opt_out = fields.Boolean()
    wt_opt_out_signed_on = fields.Date(allow_none=True)
    base_la_code = fields.String(allow_none=True)
    base_postcode_district = fields.String(allow_none=True)
    travel_radius_km = fields.Integer(allow_none=True)
    active = fields.Boolean()
    engagement = fields.String()
    dp_employer_member_id = fields.Integer(allow_none=True)
    dbs_applied_by_coop = fields.Boolean()
    scw_conditions = fields.String(allow_none=True)
    scw_suspended_from = fields.Date(allow_none=True)
    scw_suspended_until = fields.Date(allow_none=True)
    non_guaranteed_hours = fields.Boolean()
    status_checks = fields.List(fields.Nested(StatusCheckOut))
    skills = fields.Function(lambda worker: [s.skill for s in worker.skills])
    availability = fields.List(fields.Nested(AvailabilityOut))
    checks = fields.Method("_checks")

    def _checks(self, worker):
        from tenants.workforce.service import status_of

        return CheckStatusOut().dump(status_of(worker, local_now().date()))


class CheckDueOut(ma.Schema):
    """A worker whose checks fail now or lapse soon."""

    worker_id = fields.Integer(attribute="worker.id")
    display_name = fields.String(attribute="worker.display_name")
    status = fields.Nested(CheckStatusOut)


WEEKDAY_SLOTS = 2
MAX_SLOTS = 6


def worker_from_form(form) -> dict:
    """The raw input of the worker form, shaped for ``WorkerIn`` (empty answers left out)."""
    raw = forms.form_input(
        form, ("display_name", "welsh_level", "started_on", "scw_registration_number",
               "scw_expires_on", "dbs_certificate_date", "contracted_hours",
               "wt_opt_out_signed_on", "base_la_code", "base_postcode_district",
               "engagement", "scw_conditions", "scw_suspended_from", "scw_suspended_until"),
        numbers=("dp_employer_member_id", "travel_radius_km"), lists=("skills",),
        ticks=("dbs_update_service", "wt_opt_out", "active", "non_guaranteed_hours"))
    raw["dbs_applied_by_coop"] = form.get("dbs_applied_by_coop", "yes") == "yes"
    raw["availability"] = []
    for weekday in range(7):
        for slot in range(MAX_SLOTS):
            starts = form.get(f"avail-{weekday}-{slot}-starts", "").strip()
            ends = form.get(f"avail-{weekday}-{slot}-ends", "").strip()
            if starts or ends:
                raw["availability"].append({"weekday": weekday, "starts": starts, "ends": ends})
    return raw


def worker_to_form(worker) -> dict:
    """A stored worker as the form's answers."""
    answers: dict = {}
    for name in ("display_name", "welsh_level", "started_on", "scw_registration_number",
                 "scw_expires_on", "dbs_certificate_date", "wt_opt_out_signed_on",
                 "base_la_code", "base_postcode_district", "travel_radius_km", "engagement",
                 "dp_employer_member_id", "scw_conditions", "scw_suspended_from",
                 "scw_suspended_until"):
        value = getattr(worker, name)
        answers[name] = "" if value is None else str(value)
    answers["contracted_hours"] = f"{worker.contracted_hours.normalize():f}"
    for name in ("dbs_update_service", "wt_opt_out", "active", "non_guaranteed_hours"):
        answers[name] = bool(getattr(worker, name))
    answers["dbs_applied_by_coop"] = "yes" if worker.dbs_applied_by_coop else "no"
    answers["skills"] = [s.skill for s in worker.skills]
    slots: dict[int, int] = {}
    for window in worker.availability:
        slot = slots.get(window.weekday, 0)
        slots[window.weekday] = slot + 1
        answers[f"avail-{window.weekday}-{slot}-starts"] = window.starts.strftime("%H:%M")
        answers[f"avail-{window.weekday}-{slot}-ends"] = window.ends.strftime("%H:%M")
    return answers


def form_answers(form) -> dict:
    """The posted answers, to show again beside the errors."""
    return forms.answers(form, lists=("skills",), ticks=(
        "dbs_update_service", "wt_opt_out", "active", "non_guaranteed_hours"))


def slot_counts(answers: dict) -> list[int]:
    """How many availability rows the form shows for each weekday."""
    return [max(WEEKDAY_SLOTS, 1 + max((s for s in range(MAX_SLOTS)
                                        if answers.get(f"avail-{d}-{s}-starts")
                                        or answers.get(f"avail-{d}-{s}-ends")), default=-1))
            for d in range(7)]
