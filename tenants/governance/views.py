"""Governance: proposals, ballots, secret voting and results, as pages and as the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import formatting, forms
from core.errors import DomainError, ValidationError
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
    SocietyRulesSchema,
    VoteReceiptSchema,
    VoteSchema,
    WitnessSchema,
)
from tenants.registry.models import Role
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
register_nav("governance.meetings_index", _l("General meetings"))



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


@api.get("/society-rules")
@require_role(*ALL_ROLES)
@api.response(200, SocietyRulesSchema)
def api_rules():
    """The co-op's rules on meetings, proxies, its year end and its shares."""
    return meetings.society_rules(tenant_session())


@api.patch("/society-rules")
@require_role(Role.ADMIN)
@api.arguments(SocietyRulesSchema)
@api.response(200, SocietyRulesSchema)
def api_update_rules(changes):
    """Change the co-op's rules (admins), as its registered rules say."""
    return meetings.update_rules(tenant_session(), changes,
                                 actor_account_id=current_account_id())


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
    """An instant as wall-clock time in Wales, written for the reader ("6 Rhagfyr 2026, 18:00")."""
    return formatting.when(as_utc(value)) if value else ""


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


def _refusal_status(exc: DomainError) -> int:
    """422 for a refused field; the refusal's own status when it says who may not (403)
    or what is missing (404); else 409, a step the current state does not allow."""
    if isinstance(exc, ValidationError):
        return 422
    return exc.status if exc.status in (403, 404) else 409


@pages.get("/")
@require_role(*ALL_ROLES)
def index():
    """Proposals and their ballots."""
    return render_template("governance/index.html", rows=service.overview(tenant_session()),
                           status=service.ballot_status, local_time=local_time,
                           manager=g.coop_role in MANAGERS)


_PROPOSAL = ("title", "body", "kind", "easy_read")
_TIMES = ("opens_at", "closes_at", "quorum")


@pages.route("/new", methods=["GET", "POST"])
@require_role(*MANAGERS)
def new():
    """Put a proposal to the members, with its ballot."""
    values = {"kind": "ordinary", "quorum": "0", "meeting_id": request.args.get("meeting_id", "")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in _PROPOSAL + _TIMES}
        proposal = times = None
        try:
            meeting = values["meeting_id"] = request.form.get("meeting_id", "")
            proposal = forms.load(ProposalCreateSchema(), {
                k: values[k] for k in _PROPOSAL if values[k] or k != "kind"})
            meeting_id = forms.whole_number(meeting)
            valid = isinstance(meeting_id, int) and meeting_id > 0
            proposal["meeting_id"] = meeting_id if valid else None
        except ValidationError as exc:
            errors.update(forms.page_errors(exc))
        try:
            times = forms.load(BallotTimesSchema(), {
                "opens_at": _aware(values["opens_at"]), "closes_at": _aware(values["closes_at"]),
                "quorum": forms.whole_number(values["quorum"])})
        except ValidationError as exc:
            errors.update(forms.page_errors(exc))
        if not errors:
            try:
                created = service.create_proposal(
                    tenant_session(), proposal, actor_account_id=current_account_id(),
                    ballot=times)
            except ValidationError as exc:
                errors.update(forms.page_errors(exc))
            else:
                flash(_("The proposal has been put to the members."))
                ballot = service.ballot_for_proposal(tenant_session(), created.id)
                return redirect(url_for("governance.ballot", ballot_id=ballot.id))
    choices = [(str(m.id), f"{m.title} ({local_time(m.held_at)})")
               for m in tenant_session().scalars(meetings.meetings_query())]
    return render_template("governance/new.html", values=values, errors=errors,
                           meeting_choices=choices), (422 if errors else 200)


def _ballot_page(ballot_id: int, errors: dict | None = None, status: int = 200):
    session = tenant_session()
    ballot = service.get_ballot(session, ballot_id)
    proposal = service.get_proposal(session, ballot.proposal_id)
    manager = g.coop_role in MANAGERS
    return render_template(
        "governance/ballot.html", ballot=ballot, proposal=proposal,
        result=service.tally(session, ballot_id),
        voted=service.has_voted(session, ballot_id, current_account_id()), local_time=local_time,
        errors=errors or {}, values=request.form, manager=manager,
        comments=meetings.comments(session, proposal.id),
        meeting=(meetings.get_meeting(session, proposal.meeting_id)
                 if proposal.meeting_id else None),
        pending=service.pending_votes(session, ballot_id) if manager else [],
        member_choices=_member_choices() if manager else [],
        method_label=service.method_label), status


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
        data = forms.load(VoteSchema(), {"choice": request.form.get("choice", "")})
    except ValidationError:
        return _ballot_page(ballot_id, {"choice": [_("Choose for, against or abstain.")]}, 422)
    service.cast_vote(tenant_session(), ballot_id, current_account_id(), data["choice"])
    flash(_("Thank you. Your vote has been counted."))
    return redirect(url_for("governance.ballot", ballot_id=ballot_id))


def _member_choices() -> list[tuple[str, str]]:
    from tenants.members.service import members_query

    return [(str(m.id), m.display_name)
            for m in tenant_session().scalars(members_query(current_only=True))]


def _page_errors(exc: DomainError, field: str) -> dict[str, list[str]]:
    """A refused field's messages, or a refused step's message shown at ``field``."""
    if isinstance(exc, ValidationError):
        return forms.page_errors(exc)
    return {field: [exc.message]}


def _int(name: str):
    return forms.whole_number(request.form.get(name, ""))


@pages.post("/ballots/<int:ballot_id>/recorded-votes")
@require_role(*MANAGERS)
def record_vote(ballot_id):
    """Record that a member voted on paper, by post, with assistance or in the room."""
    try:
        data = forms.load(RecordedVoteCreateSchema(), {
            "member_id": _int("member_id"), "method": request.form.get("method", "")})
        service.record_offline_vote(tenant_session(), ballot_id, data["member_id"],
                                    data["method"], actor_account_id=current_account_id())
    except DomainError as exc:
        return _ballot_page(ballot_id, _page_errors(exc, "member_id"), _refusal_status(exc))
    flash(_("The vote is recorded. Another admin or coordinator must now witness it and "
            "enter the choice."))
    return redirect(url_for("governance.ballot", ballot_id=ballot_id))


@pages.post("/ballots/<int:ballot_id>/recorded-votes/<int:participation_id>/witness")
@require_role(*MANAGERS)
def witness_vote(ballot_id, participation_id):
    """Witness a recorded vote and enter the choice from the paper."""
    field = f"choice-{participation_id}"
    try:
        data = forms.load(WitnessSchema(), {"choice": request.form.get(field, "")})
    except ValidationError:
        return _ballot_page(ballot_id, {field: [_("Choose for, against or abstain.")]}, 422)
    try:
        service.witness_vote(tenant_session(), participation_id, data["choice"],
                             actor_account_id=current_account_id())
    except DomainError as exc:
        return _ballot_page(ballot_id, {field: [exc.message]}, _refusal_status(exc))
    flash(_("Witnessed. The vote has been counted."))
    return redirect(url_for("governance.ballot", ballot_id=ballot_id))


@pages.post("/ballots/<int:ballot_id>/comments")
@require_role(*ALL_ROLES)
def comment(ballot_id):
    """Add to the proposal's discussion."""
    session = tenant_session()
    ballot = service.get_ballot(session, ballot_id)
    try:
        meetings.add_comment(session, ballot.proposal_id, request.form.get("body", ""),
                             account_id=current_account_id(),
                             author_name=current_user.account.display_name)
    except ValidationError as exc:
        return _ballot_page(ballot_id, forms.page_errors(exc), 422)
    return redirect(url_for("governance.ballot", ballot_id=ballot_id, _anchor="discussion"))


# -- general meetings (pages) -----------------------------------------------------------
@pages.get("/meetings")
@require_role(*ALL_ROLES)
def meetings_index():
    """General meetings, the latest first."""
    return render_template("governance/meetings.html",
                           meetings=list(tenant_session().scalars(meetings.meetings_query())),
                           local_time=local_time, kind_label=meetings.kind_label,
                           manager=g.coop_role in MANAGERS)


_MEETING = ("kind", "title", "held_at", "place", "quorum")


@pages.route("/meetings/new", methods=["GET", "POST"])
@require_role(*MANAGERS)
def new_meeting():
    """Call a general meeting."""
    session = tenant_session()
    values = {"kind": "annual", "quorum": "", "held_at": "", "place": "", "title": ""}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in _MEETING}
        try:
            data = forms.load(MeetingCreateSchema(), {
                "kind": values["kind"], "title": values["title"], "place": values["place"],
                "held_at": _aware(values["held_at"]), "quorum": _int("quorum")})
            meeting = meetings.create_meeting(session, data,
                                              actor_account_id=current_account_id())
        except DomainError as exc:
            errors, status = _page_errors(exc, "held_at"), _refusal_status(exc)
        else:
            flash(_("The meeting has been called. Give notice to the members next."))
            return redirect(url_for("governance.meeting", meeting_id=meeting.id))
    return render_template("governance/meeting_new.html", values=values, errors=errors,
                           notice_days=meetings.rule(session, "meeting_notice_clear_days")), (
        status if errors else 200)


def _meeting_page(meeting_id: int, errors: dict | None = None, status: int = 200):
    session = tenant_session()
    meeting = meetings.get_meeting(session, meeting_id)
    manager = g.coop_role in MANAGERS
    resolutions = [(p, service.ballot_for_proposal(session, p.id))
                   for p in meetings.meeting_proposals(session, meeting.id)]
    return render_template(
        "governance/meeting.html", meeting=meeting, manager=manager, errors=errors or {},
        values=request.form, quorum=meetings.quorum(session, meeting.id),
        attendance=meetings.attendance(session, meeting.id),
        proxies=meetings.proxies(session, meeting.id), resolutions=resolutions,
        member_choices=_member_choices() if manager else [], local_time=local_time,
        kind_label=meetings.kind_label,
        last_notice_day=meetings.last_notice_day(meeting.held_at, meeting.notice_days),
        letters=len(meetings.letters(session, meeting.id)) if manager else 0), status


@pages.get("/meetings/<int:meeting_id>")
@require_role(*ALL_ROLES)
def meeting(meeting_id):
    """A general meeting: notice, resolutions, attendance, quorum, proxies and minutes."""
    return _meeting_page(meeting_id)


@pages.post("/meetings/<int:meeting_id>/notice")
@require_role(*MANAGERS)
def give_notice(meeting_id):
    """Give every current member notice: by email, or a printed letter."""
    try:
        counts = meetings.send_notice(tenant_session(), meeting_id,
                                      actor_account_id=current_account_id())
    except DomainError as exc:
        return _meeting_page(meeting_id, {"notice": [exc.message]}, 409)
    flash(_("Notice given: %(email)s by email, %(letter)s by letter to print and post.",
            email=counts["email"], letter=counts["letter"]))
    return redirect(url_for("governance.meeting", meeting_id=meeting_id))


@pages.get("/meetings/<int:meeting_id>/letters")
@require_role(*MANAGERS)
def meeting_letters(meeting_id):
    """Printable notice letters for members without an email address."""
    session = tenant_session()
    meeting = meetings.get_meeting(session, meeting_id)
    first = g.coop.default_locale
    texts = [meetings.notice_text(session, meeting, g.coop.display_name(loc), loc)
             for loc in (first, "en" if first == "cy" else "cy")]
    return render_template("governance/letters.html", meeting=meeting,
                           members=meetings.letters(session, meeting.id), texts=texts,
                           locales=(first, "en" if first == "cy" else "cy"))


@pages.post("/meetings/<int:meeting_id>/attendance")
@require_role(*MANAGERS)
def attend(meeting_id):
    """Add a member to the attendance register."""
    try:
        data = forms.load(AttendanceSchema(), {"member_id": _int("member_id")})
        meetings.record_attendance(tenant_session(), meeting_id, data["member_id"],
                                   actor_account_id=current_account_id())
    except DomainError as exc:
        return _meeting_page(meeting_id, _page_errors(exc, "member_id"), _refusal_status(exc))
    return redirect(url_for("governance.meeting", meeting_id=meeting_id, _anchor="attendance"))


@pages.post("/meetings/<int:meeting_id>/proxies")
@require_role(*MANAGERS)
def appoint_proxy(meeting_id):
    """Record a member's appointment of a proxy."""
    try:
        data = forms.load(ProxyAppointmentCreateSchema(), {
            "member_id": _int("proxy_for"), "proxy_member_id": _int("proxy_member_id")})
        meetings.appoint_proxy(tenant_session(), meeting_id, data["member_id"],
                               data["proxy_member_id"], actor_account_id=current_account_id())
    except DomainError as exc:
        errors = _page_errors(exc, "proxy_member_id")
        if "member_id" in errors:
            errors["proxy_for"] = errors.pop("member_id")
        return _meeting_page(meeting_id, errors, _refusal_status(exc))
    return redirect(url_for("governance.meeting", meeting_id=meeting_id, _anchor="proxies"))


@pages.post("/meetings/<int:meeting_id>/minutes")
@require_role(*MANAGERS)
def minutes(meeting_id):
    """Record the meeting's minutes."""
    try:
        data = forms.load(MinutesSchema(), {"minutes": request.form.get("minutes", "")})
    except ValidationError as exc:
        return _meeting_page(meeting_id, forms.page_errors(exc), 422)
    meetings.set_minutes(tenant_session(), meeting_id, data["minutes"],
                         actor_account_id=current_account_id())
    flash(_("The minutes have been saved."))
    return redirect(url_for("governance.meeting", meeting_id=meeting_id))


_RULES = ("meeting_notice_clear_days", "proxies_allowed", "proxy_limit", "financial_year_end",
          "agm_within_months", "share_value_pence")


@pages.get("/rules")
@require_role(*ALL_ROLES)
def rules():
    """The co-op's rules on meetings, proxies, its year end and shares (admins change them)."""
    current = meetings.society_rules(tenant_session())
    values = {k: ("yes" if v is True else "no" if v is False else str(v))
              for k, v in current.items()}
    return _rules_page(values)


def _rules_page(values: dict, errors: dict | None = None, status: int = 200):
    return render_template("governance/rules.html", values=values, errors=errors or {},
                           admin=g.coop_role == Role.ADMIN), status


@pages.post("/rules")
@require_role(Role.ADMIN)
def save_rules():
    """Change the co-op's rules (admins only)."""
    values = {name: request.form.get(name, "").strip() for name in _RULES}
    data = {name: forms.whole_number(values[name]) for name in _RULES
            if name not in ("proxies_allowed", "financial_year_end")}
    data["proxies_allowed"] = values["proxies_allowed"] == "yes"
    data["financial_year_end"] = values["financial_year_end"]
    try:
        meetings.update_rules(tenant_session(), forms.load(SocietyRulesSchema(), data),
                              actor_account_id=current_account_id())
    except DomainError as exc:
        return _rules_page(values, _page_errors(exc, "financial_year_end"),
                           _refusal_status(exc))
    flash(_("The co-op's rules have been saved."))
    return redirect(url_for("governance.rules"))
