"""Proposals, ballots, votes and results in the API: strict input, plain output."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.timeutil import as_utc, utcnow
from tenants.governance.meetings import MEETING_KINDS
from tenants.governance.service import CHOICES, KINDS, OFFLINE_METHODS, ballot_status
from tenants.web import StrictSchema


def _when():
    return fields.AwareDateTime(required=True, default_timezone=UTC)


class ProposalCreateSchema(StrictSchema):
    """A resolution: ordinary (simple majority of votes cast) or special (at least 75%)."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"example": "Offer every visit in Welsh to those who ask"})
    body = fields.String(load_default="", validate=validate.Length(max=20000),
                         metadata={"example": "That the co-op match Welsh speakers to members "
                                              "who ask for care in Welsh."})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"example": "ordinary"})
    meeting_id = fields.Integer(strict=True, allow_none=True)
    easy_read = fields.String(load_default="", validate=validate.Length(max=5000),
                              metadata={"example": "Care in Welsh for those who want it."})


class BallotTimesSchema(StrictSchema):
    """When a ballot opens and closes, and how many votes it needs to be valid."""

    opens_at = _when()
    closes_at = _when()
    quorum = fields.Integer(required=True, strict=True,
                            validate=validate.Range(min=0, max=1_000_000))

    @ma.validates_schema
    def _closes_after_opens(self, data, **_kwargs):
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes:
            if closes <= opens:
                raise ma.ValidationError(str(_l("The ballot must close after it opens.")),
                                         "closes_at")
            if closes <= utcnow():
                raise ma.ValidationError(str(_l("The ballot must close in the future.")),
                                         "closes_at")


class BallotCreateSchema(BallotTimesSchema):
    """A ballot on an existing proposal."""

    proposal_id = fields.Integer(required=True, strict=True)


class VoteSchema(StrictSchema):
    """One member's vote: for, against or abstain."""

    choice = fields.String(required=True, validate=validate.OneOf(CHOICES))


def _utc(value):
    return as_utc(value).isoformat() if value else None


class ProposalSchema(ma.Schema):
    """A proposal as the API shows it."""

    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    kind = fields.String()
    meeting_id = fields.Integer(allow_none=True)
    easy_read = fields.String()
    created_at = fields.Function(lambda p: _utc(p.created_at))


class BallotSchema(ma.Schema):
    """A ballot, its times, quorum and whether it is scheduled, open or closed."""

    id = fields.Integer()
    proposal_id = fields.Integer()
    opens_at = fields.Function(lambda b: _utc(b.opens_at))
    closes_at = fields.Function(lambda b: _utc(b.closes_at))
    quorum = fields.Integer()
    status = fields.Function(lambda b: ballot_status(b))


def _number(value):
    return None if value is None else round(float(value), 4)


class CountsSchema(ma.Schema):
    """Votes for, against and abstaining."""

    for_ = fields.Function(lambda c: _number(c["for"]), data_key="for")
    against = fields.Function(lambda c: _number(c["against"]))
    abstain = fields.Function(lambda c: _number(c["abstain"]))


class ClassTallySchema(ma.Schema):
    """How one member class voted, and what its votes were worth after its cap."""

    code = fields.String()
    vote_cap_pct = fields.Function(lambda t: _number(t.cap_pct))
    raw = fields.Nested(CountsSchema)
    weight = fields.Function(lambda t: _number(t.weight))
    weighted_share_pct = fields.Function(lambda t: _number(t.weighted_share * 100))


class ResultSchema(ma.Schema):
    """A ballot's turnout; once it has closed, its counts and outcome as well."""

    ballot_id = fields.Integer()
    status = fields.String()
    turnout = fields.Integer()
    quorum = fields.Integer()
    quorum_met = fields.Boolean()
    raw = fields.Nested(CountsSchema, allow_none=True)
    weighted = fields.Nested(CountsSchema, allow_none=True)
    classes = fields.List(fields.Nested(ClassTallySchema), allow_none=True)
    passed = fields.Boolean(allow_none=True)
    reason = fields.String(allow_none=True)
    explanation = fields.String(allow_none=True)


class VoteReceiptSchema(ma.Schema):
    """That the vote was counted (never what it was)."""

    ballot_id = fields.Integer()
    voted = fields.Boolean()


class RecordedVoteCreateSchema(StrictSchema):
    """A vote a member gave on paper, by post, with assistance or in the room."""

    member_id = fields.Integer(required=True, strict=True)
    method = fields.String(required=True, validate=validate.OneOf(OFFLINE_METHODS))


class WitnessSchema(StrictSchema):
    """The witness enters the choice from the paper."""

    choice = fields.String(required=True, validate=validate.OneOf(CHOICES))


class RecordedVoteSchema(ma.Schema):
    """That a member's vote was recorded, how, and whether it has been witnessed (never
    the choice)."""

    id = fields.Integer()
    ballot_id = fields.Integer()
    member_id = fields.Integer()
    method = fields.String()
    recorded_by_account_id = fields.Integer(allow_none=True)
    witnessed = fields.Function(lambda p: p.witnessed_at is not None)


class ProxyVoteSchema(StrictSchema):
    """A proxy's vote for the member who appointed them."""

    member_id = fields.Integer(required=True, strict=True)
    choice = fields.String(required=True, validate=validate.OneOf(CHOICES))


class MeetingCreateSchema(StrictSchema):
    """A general meeting: annual (the AGM) or general, when, where and its quorum."""

    kind = fields.String(required=True, validate=validate.OneOf(MEETING_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    held_at = _when()
    place = fields.String(load_default="", validate=validate.Length(max=2000))
    quorum = fields.Integer(required=True, strict=True,
                            validate=validate.Range(min=1, max=1_000_000))


class MeetingSchema(ma.Schema):
    """A general meeting as the API shows it."""

    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    held_at = fields.Function(lambda m: _utc(m.held_at))
    place = fields.String()
    quorum = fields.Integer()
    notice_days = fields.Integer()
    proxies_allowed = fields.Boolean()
    notice_sent_at = fields.Function(lambda m: _utc(m.notice_sent_at))
    minutes = fields.String()


class QuorumSchema(ma.Schema):
    """Members present, represented by proxy, needed, and whether the quorum is met."""

    present = fields.Integer()
    by_proxy = fields.Integer()
    counted = fields.Integer()
    needed = fields.Integer()
    met = fields.Boolean()


class AttendanceSchema(StrictSchema):
    """A member present at the meeting."""

    member_id = fields.Integer(required=True, strict=True)


class ProxyAppointmentCreateSchema(StrictSchema):
    """A member appointing another member as their proxy for the meeting."""

    member_id = fields.Integer(required=True, strict=True)
    proxy_member_id = fields.Integer(required=True, strict=True)


class ProxyAppointmentSchema(ma.Schema):
    """A proxy appointment."""

    id = fields.Integer()
    meeting_id = fields.Integer()
    member_id = fields.Integer()
    proxy_member_id = fields.Integer()


class MinutesSchema(StrictSchema):
    """The meeting's minutes."""

    minutes = fields.String(required=True, validate=validate.Length(max=100_000))


class CommentCreateSchema(StrictSchema):
    """A contribution to a proposal's discussion."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class CommentSchema(ma.Schema):
    """One contribution to a proposal's discussion."""

    id = fields.Integer()
    author_name = fields.String()
    body = fields.String()
    created_at = fields.Function(lambda c: _utc(c.created_at))


class SocietyRulesSchema(StrictSchema):
    """The co-op's rules on meetings, proxies, its year end and its shares."""

    meeting_notice_clear_days = fields.Integer(strict=True,
                                               validate=validate.Range(min=0, max=90))
    proxies_allowed = fields.Boolean()
    proxy_limit = fields.Integer(strict=True, validate=validate.Range(min=1, max=100))
    financial_year_end = fields.String(validate=validate.Regexp(
        r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        error=_l("Enter the year end as month and day, like 03-31.")))
    agm_within_months = fields.Integer(strict=True, validate=validate.Range(min=1, max=18))
    share_value_pence = fields.Integer(strict=True,
                                       validate=validate.Range(min=1, max=100_000_000))
