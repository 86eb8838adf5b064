"""Governance: proposals, ballots, secret voting and results, as pages and as the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.errors import ValidationError
from core.timeutil import LOCAL, as_utc
from tenants.context import tenant_session
from tenants.governance import meetings, service
from tenants.governance.schemas import (
    AttendanceSchema,
    BallotCreateSchema,
    BallotSchema,
    BallotTimesSchema,
    CommentCreateSchema,
    CommentSchema,
    MeetingCreateSchema,
    MeetingSchema,
    MinutesSchema,
    ProposalCreateSchema,
    ProposalSchema,
    ProxyAppointmentCreateSchema,
    ProxyAppointmentSchema,
    ProxyVoteSchema,
    QuorumSchema,
    RecordedVoteCreateSchema,
    RecordedVoteSchema,
    ResultSchema,
    VoteReceiptSchema,
    VoteSchema,
    WitnessSchema,
)
from tenants.web import (
    ALL_ROLES,
    MANAGERS,
    SelectPage,
    coop_api,
    coop_pages,
    current_account_id,
    register_nav,
    require_role,
)

pages = coop_pages("governance", __name__, url_prefix="/governance")
api = coop_api("governance_api", __name__,
               description="Proposals and secret ballots: one member, one vote.")
register_nav("governance.index", _l("Governance"))



# -- API -------------------------------------------------------------------------------
@api.get("/proposals")
@require_role(*ALL_ROLES)
@api.response(200, ProposalSchema(many=True))
@api.paginate(SelectPage)
def api_list_proposals():
    """Proposals put to the members, newest first."""
    return service.proposals_query()


@api.post("/proposals")
@require_role(*MANAGERS)
@api.arguments(ProposalCreateSchema)
@api.response(201, ProposalSchema)
def api_create_proposal(data):
    """Put a resolution to the members (ordinary or special)."""
    return service.create_proposal(tenant_session(), data, actor_account_id=current_account_id())


@api.get("/ballots")
@require_role(*ALL_ROLES)
@api.response(200, BallotSchema(many=True))
@api.paginate(SelectPage)
def api_list_ballots():
    """Ballots, the latest to open first."""
    return service.ballots_query()


@api.post("/ballots")
@require_role(*MANAGERS)
@api.arguments(BallotCreateSchema)
@api.response(201, BallotSchema)
def api_create_ballot(data):
    """Schedule the ballot on a proposal: when it opens and closes, and its quorum."""
    return service.create_ballot(tenant_session(), data, actor_account_id=current_account_id())


@api.get("/ballots/<int:ballot_id>")
@require_role(*ALL_ROLES)
@api.response(200, BallotSchema)
def api_get_ballot(ballot_id):
    """One ballot."""
    return service.get_ballot(tenant_session(), ballot_id)


@api.get("/ballots/<int:ballot_id>/results")
@require_role(*ALL_ROLES)
@api.response(200, ResultSchema)
def api_results(ballot_id):
    """Turnout while the ballot is open; the counts and the outcome once it has closed."""
    return service.tally(tenant_session(), ballot_id)


@api.post("/ballots/<int:ballot_id>/votes")
@require_role(*ALL_ROLES)
@api.arguments(VoteSchema)
@api.response(201, VoteReceiptSchema)
def api_vote(data, ballot_id):
    """Vote, as the member linked to your account. One vote each; the ballot is secret."""
    service.cast_vote(tenant_session(), ballot_id, current_account_id(), data["choice"])
    return {"ballot_id": ballot_id, "voted": True}


@api.post("/ballots/<int:ballot_id>/recorded-votes")
@require_role(*MANAGERS)
@api.arguments(RecordedVoteCreateSchema)
@api.response(201, RecordedVoteSchema)
def api_record_vote(data, ballot_id):
    """Record that a member voted on paper, by post, with assistance or in the room.

    It counts once another admin or coordinator witnesses it and enters the choice.
    """
    return service.record_offline_vote(tenant_session(), ballot_id, data["member_id"],
                                       data["method"], actor_account_id=current_account_id())


@api.get("/ballots/<int:ballot_id>/recorded-votes")
@require_role(*MANAGERS)
@api.response(200, RecordedVoteSchema(many=True))
def api_pending_votes(ballot_id):
    """Recorded votes waiting for a witness."""
    session = tenant_session()
    service.get_ballot(session, ballot_id)
    return [p for p, _member in service.pending_votes(session, ballot_id)]


@api.post("/recorded-votes/<int:participation_id>/witness")
@require_role(*MANAGERS)
@api.arguments(WitnessSchema)
@api.response(200, RecordedVoteSchema)
def api_witness_vote(data, participation_id):
    """Witness a recorded vote (not the person who recorded it) and enter its choice."""
    return service.witness_vote(tenant_session(), participation_id, data["choice"],
                                actor_account_id=current_account_id())


@api.post("/ballots/<int:ballot_id>/proxy-votes")
@require_role(*ALL_ROLES)
@api.arguments(ProxyVoteSchema)
@api.response(201, VoteReceiptSchema)
def api_proxy_vote(data, ballot_id):
    """Vote as the proxy of a member who appointed you for the proposal's meeting."""
    service.cast_proxy_vote(tenant_session(), ballot_id, current_account_id(),
                            data["member_id"], data["choice"])
    return {"ballot_id": ballot_id, "voted": True}


@api.get("/meetings")
@require_role(*ALL_ROLES)
@api.response(200, MeetingSchema(many=True))
@api.paginate(SelectPage)
def api_list_meetings():
    """General meetings, the latest first."""
    return meetings.meetings_query()


@api.post("/meetings")
@require_role(*MANAGERS)
@api.arguments(MeetingCreateSchema)
@api.response(201, MeetingSchema)
def api_create_meeting(data):
    """Call a general meeting, with the notice the co-op's rules need."""
    return meetings.create_meeting(tenant_session(), data, actor_account_id=current_account_id())


@api.get("/meetings/<int:meeting_id>")
@require_role(*ALL_ROLES)
@api.response(200, MeetingSchema)
def api_get_meeting(meeting_id):
    """One general meeting."""
    return meetings.get_meeting(tenant_session(), meeting_id)


@api.post("/meetings/<int:meeting_id>/notice")
@require_role(*MANAGERS)
@api.response(200)
def api_send_notice(meeting_id):
    """Give every current member notice: by email, or a letter for those without one."""
    return meetings.send_notice(tenant_session(), meeting_id,
                                actor_account_id=current_account_id())


@api.post("/meetings/<int:meeting_id>/attendance")
@require_role(*MANAGERS)
@api.arguments(AttendanceSchema)
@api.response(201, QuorumSchema)
def api_attend(data, meeting_id):
    """Add a member to the attendance register; returns the quorum as it now stands."""
    session = tenant_session()
    meetings.record_attendance(session, meeting_id, data["member_id"],
                               actor_account_id=current_account_id())
    return meetings.quorum(session, meeting_id)


@api.get("/meetings/<int:meeting_id>/quorum")
@require_role(*ALL_ROLES)
@api.response(200, QuorumSchema)
def api_quorum(meeting_id):
    """The quorum from the attendance register (and proxies, where allowed)."""
    return meetings.quorum(tenant_session(), meeting_id)


@api.post("/meetings/<int:meeting_id>/proxies")
@require_role(*MANAGERS)
@api.arguments(ProxyAppointmentCreateSchema)
@api.response(201, ProxyAppointmentSchema)
def api_appoint_proxy(data, meeting_id):
    """Record a member's appointment of a proxy, within the co-op's limit per proxy."""
    return meetings.appoint_proxy(tenant_session(), meeting_id, data["member_id"],
                                  data["proxy_member_id"], actor_account_id=current_account_id())


@api.put("/meetings/<int:meeting_id>/minutes")
@require_role(*MANAGERS)
@api.arguments(MinutesSchema)
@api.response(200, MeetingSchema)
def api_minutes(data, meeting_id):
    """Record the meeting's minutes."""
    return meetings.set_minutes(tenant_session(), meeting_id, data["minutes"],
                                actor_account_id=current_account_id())


@api.get("/proposals/<int:proposal_id>/comments")
@require_role(*ALL_ROLES)
@api.response(200, CommentSchema(many=True))
def api_comments(proposal_id):
    """A proposal's discussion thread."""
    session = tenant_session()
    service.get_proposal(session, proposal_id)
    return meetings.comments(session, proposal_id)


@api.post("/proposals/<int:proposal_id>/comments")
@require_role(*ALL_ROLES)
@api.arguments(CommentCreateSchema)
@api.response(201, CommentSchema)
def api_add_comment(data, proposal_id):
    """Add to a proposal's discussion thread."""
    return meetings.add_comment(tenant_session(), proposal_id, data["body"],
                                account_id=current_account_id(),
                                author_name=current_user.account.display_name)


# -- pages -----------------------------------------------------------------------------
def local_time(value: datetime | None) -> str:
    """An instant as wall-clock time in Wales."""
    return as_utc(value).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if value else ""


def _aware(value: str) -> str:
    """A datetime-local field (Welsh wall-clock time) as an ISO instant for the schema."""
    if not value:
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value  # the schema names the field
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL)
    return parsed.astimezone(UTC).isoformat()


def _messages(exc: ma.ValidationError) -> dict[str, list[str]]:
    return {k: (v if isinstance(v, list) else [str(v)]) for k, v in exc.messages.items()}


@pages.get("/")
@require_role(*ALL_ROLES)
def index():
    """Proposals and their ballots."""
    return render_template("governance/index.html", rows=service.overview(tenant_session()),
                           status=service.ballot_status, local_time=local_time,
                           manager=g.coop_role in MANAGERS)


_PROPOSAL = ("title", "body", "kind")
_TIMES = ("opens_at", "closes_at", "quorum")


@pages.route("/new", methods=["GET", "POST"])
@require_role(*MANAGERS)
def new():
    """Put a proposal to the members, with its ballot."""
    values = {"kind": "ordinary", "quorum": "0"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in _PROPOSAL + _TIMES}
        proposal = times = None
        try:
            proposal = ProposalCreateSchema().load(
                {k: values[k] for k in _PROPOSAL if values[k] or k != "kind"})
        except ma.ValidationError as exc:
            errors.update(_messages(exc))
        try:
            quorum = values["quorum"].strip()
            times = BallotTimesSchema().load({
                "opens_at": _aware(values["opens_at"]), "closes_at": _aware(values["closes_at"]),
                "quorum": int(quorum) if quorum.isdigit() else quorum})
        except ma.ValidationError as exc:
            errors.update(_messages(exc))
        if not errors:
            try:
                created = service.create_proposal(
                    tenant_session(), proposal, actor_account_id=current_account_id(),
                    ballot=times)
            except ValidationError as exc:
                errors.update(exc.errors)
            else:
                flash(_("The proposal has been put to the members."))
                ballot = service.ballot_for_proposal(tenant_session(), created.id)
                return redirect(url_for("governance.ballot", ballot_id=ballot.id))
    return render_template("governance/new.html", values=values, errors=errors), (
        400 if errors else 200)


def _ballot_page(ballot_id: int, errors: dict | None = None, status: int = 200):
    session = tenant_session()
    ballot = service.get_ballot(session, ballot_id)
    proposal = service.get_proposal(session, ballot.proposal_id)
    return render_template(
        "governance/ballot.html", ballot=ballot, proposal=proposal,
        result=service.tally(session, ballot_id),
        voted=service.has_voted(session, ballot_id, current_account_id()), local_time=local_time,
        errors=errors or {}, values=request.form), status


@pages.get("/ballots/<int:ballot_id>")
@require_role(*ALL_ROLES)
def ballot(ballot_id):
    """A ballot: how to vote while it is open, its results once it has closed."""
    return _ballot_page(ballot_id)


@pages.post("/ballots/<int:ballot_id>/vote")
@require_role(*ALL_ROLES)
def vote(ballot_id):
    """Cast your vote."""
    try:
        data = VoteSchema().load({"choice": request.form.get("choice", "")})
        service.cast_vote(tenant_session(), ballot_id, current_account_id(), data["choice"])
    except ma.ValidationError:
        return _ballot_page(ballot_id, {"choice": [_("Choose for, against or abstain.")]}, 400)
    flash(_("Thank you. Your vote has been counted."))
    return redirect(url_for("governance.ballot", ballot_id=ballot_id))
