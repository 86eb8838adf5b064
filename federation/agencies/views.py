"""The agency portal at ``/agency/`` (advisors only; anyone else gets 404), the co-op
admin's page at ``/c/<slug>/agencies`` that grants and withdraws agency access and hands
the co-op over, and the public page behind a hand-over link at ``/handovers/<token>``.
"""

from __future__ import annotations

import functools

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import forms
from core.areas import local_authority
from core.errors import Conflict, NotFound, ValidationError
from federation.agencies import access, handover, schemas, service, verification
from federation.agencies.models import CHECKLIST_KEYS, Stage
from tenants.registry.models import Role
from tenants.web import (
    coop_api,
    coop_pages,
    current_account_id,
    register_nav,
    require_role,
)

bp = Blueprint("agencies", __name__, template_folder="templates")
pages = coop_pages("coop_agencies", __name__, "/agencies")
api = coop_api("agencies_api", __name__,
               description="Which development agencies may see the co-op's summary.")

register_nav("coop_agencies.index", _l("Agencies"), (Role.ADMIN,))

STAGES = {
    Stage.ENQUIRY: _l("Enquiry"),
    Stage.FORMING: _l("Forming"),
    Stage.REGISTERING: _l("Registering"),
    Stage.TRADING: _l("Trading"),
}
CHECKLIST = {
    "legal_form": _l("Legal form and model rules"),
    "fca_registration": _l("Registration with the FCA as a co-operative society"),
    "ciw_registration": _l("CIW registration, if the co-op gives personal care"),
    "dbs_umbrella": _l("A DBS umbrella body"),
    "employers_liability": _l("Employer's liability insurance"),
    "bank_account": _l("A bank account"),
    "first_agm": _l("The first AGM"),
    "funding": _l("Funding applications"),
}
FIELD_MESSAGES = {
    "name": _l("Enter the group's name, up to 200 characters"),
    "name_cy": _l("Enter the Welsh name in up to 200 characters, or leave it empty"),
    "agency_id": _l("Choose one of your agencies"),
    "next_contact_on": _l("Enter the next contact date, today or later, like 2027-01-15"),
    "stage": _l("Choose a stage"),
    "sort": _l("Choose an order from the list"),
    "body": _l("Enter a note of up to 4,000 characters"),
    "done": _l("Choose items from the list"),
    "to_name": _l("Enter the founding member's name"),
    "to_email": _l("Enter the founding member's email address, like name@example.org"),
}
_PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _page_errors(exc: ValidationError) -> dict[str, list]:
    """One message per form field in the reader's language: the page's wording for a
    schema's refusal, the service's own (``schemas``' messages) for its refusal."""
    return forms.page_errors(exc, FIELD_MESSAGES, service_words=True)


def _load_form(schema) -> dict:
    return forms.load(schema, forms.form_input(request.form))


def _locale() -> str:
    return str(get_locale())


def advisor_only(view):
    """Let in advisors of at least one agency; anyone else gets 404, exactly as for a page
    that does not exist (signed-in refusals are audited)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            raise NotFound()
        g.agency_ids = service.check_advisor(current_user.account.id, ip=request.remote_addr)
        return view(*args, **kwargs)

    return wrapper


# -- the portfolio ---------------------------------------------------------------------


@bp.get("/agency/")
@advisor_only
def portfolio():
    """The groups and co-ops the advisor's agencies support, by stage and next contact."""
    errors, status = {}, 200
    try:
        filters = forms.load(schemas.PortfolioFilter(),
                             schemas.portfolio_filter_input(request.args))
    except ValidationError as exc:  # read, but a filter is wrong: 422 naming it
        errors, status = _page_errors(exc), 422
        filters = schemas.PortfolioFilter().load({})
    account_id = current_user.account.id
    return render_template(
        "agencies/portfolio.html", rows=service.portfolio(account_id, **filters),
        granted=service.granted_coops(account_id), counts=service.stage_counts(account_id),
        filters=filters, stages=STAGES, total=len(CHECKLIST_KEYS),
        agencies=service.advisor_agencies(account_id), today=service.today(),
        errors=errors), status


def _new_group_page(answers: dict, errors: dict | None = None):
    return render_template(
        "agencies/group_new.html", answers=answers, errors=errors or {},
        agencies=service.advisor_agencies(current_user.account.id)), 422 if errors else 200


@bp.route("/agency/groups/new", methods=["GET", "POST"])
@advisor_only
def new_group():
    """Add a group that has made an enquiry."""
    if request.method == "GET":
        return _new_group_page({})
    try:
        group = service.do_create_group(_load_form(schemas.GroupIn()),
                                        actor_account_id=current_user.account.id)
    except ValidationError as exc:
        return _new_group_page(request.form, _page_errors(exc))
    flash(_l("Group added"))
    return redirect(url_for(".group", group_id=group.id))


def _group_page(group, *, errors: dict | None = None, stage_answers=None,
                checklist_answers=None, note_answers=None, status: int = 200):
    account_id = current_user.account.id
    became_coop, coop = service.group_coop(group, account_id)
    done = service.checklist(group)
    if checklist_answers is None:
        checklist_answers = {f"on-{k}": v.isoformat() for k, v in done.items() if v}
        checklist_answers["done"] = [k for k, v in done.items() if v]
    return render_template(
        "agencies/group.html", group=group, became_coop=became_coop, coop=coop,
        done=done, notes=service.notes(group), stages=STAGES, checklist=CHECKLIST,
        errors=errors or {},
        stage_answers=stage_answers or {
            "stage": group.stage,
            "next_contact_on": group.next_contact_on.isoformat()
            if group.next_contact_on else ""},
        checklist_answers=checklist_answers, note_answers=note_answers or {},
        can_hand_over=coop is not None and handover.may_hand_over(
            coop, account_id, handover.role_in(coop.id, account_id))), status


def _group(group_id: int):
    return service.access_group(group_id, current_user.account.id, ip=request.remote_addr)


@bp.get("/agency/groups/<int:group_id>")
@advisor_only
def group(group_id: int):
    """One group: stage, next contact, checklist, notes, and its wizard or co-op."""
    return _group_page(_group(group_id))


@bp.post("/agency/groups/<int:group_id>/stage")
@advisor_only
def update_group(group_id: int):
    """Move the group to another stage, or change its next contact date."""
    group = _group(group_id)
    try:
        service.do_update_group(group, _load_form(schemas.GroupChange()),
                                actor_account_id=current_user.account.id)
    except ValidationError as exc:
        return _group_page(group, errors=_page_errors(exc), stage_answers=request.form,
                           status=422)
    flash(_l("Stage and next contact saved"))
    return redirect(url_for(".group", group_id=group.id))


@bp.post("/agency/groups/<int:group_id>/checklist")
@advisor_only
def update_checklist(group_id: int):
    """Tick checklist items with the day each was done."""
    group = _group(group_id)
    items, errors = schemas.checklist_from_form(request.form)
    try:
        if errors:
            raise ValidationError(errors)
        service.do_update_checklist(group, items, actor_account_id=current_user.account.id)
    except ValidationError as exc:
        answers = dict(request.form)
        answers["done"] = request.form.getlist("done")
        return _group_page(group, errors=_page_errors(exc), checklist_answers=answers,
                           status=422)
    flash(_l("Checklist saved"))
    return redirect(url_for(".group", group_id=group.id))


@bp.post("/agency/groups/<int:group_id>/notes")
@advisor_only
def add_note(group_id: int):
    """Add a note to the group."""
    group = _group(group_id)
    try:
        service.do_add_note(group, _load_form(schemas.NoteIn())["body"],
                            actor_account_id=current_user.account.id)
    except ValidationError as exc:
        return _group_page(group, errors=_page_errors(exc), note_answers=request.form,
                           status=422)
    flash(_l("Note added"))
    return redirect(url_for(".group", group_id=group.id) + "#notes")


@bp.post("/agency/groups/<int:group_id>/wizard")
@advisor_only
def start_wizard(group_id: int):
    """Start the onboarding wizard on the group's behalf and go straight into it."""
    group = _group(group_id)
    try:
        path = service.do_start_wizard(group, actor_account_id=current_user.account.id,
                                       locale=_locale())
    except Conflict:
        flash(_l("This group's wizard has already been submitted."))
        return redirect(url_for(".group", group_id=group.id))
    return redirect(path)


# -- an advisor's view of a co-op ------------------------------------------------------


@bp.get("/agency/coops/<slug>")
@advisor_only
def coop(slug: str):
    """A co-op that granted the advisor's agency access: its state and counts only."""
    found = access.advisor_coop(slug, current_user.account.id, ip=request.remote_addr)
    summary = service.coop_summary(found, account_id=current_user.account.id,
                                   ip=request.remote_addr)
    return render_template("agencies/coop.html", summary=summary,
                           la=local_authority(found.la_code))


@bp.post("/agency/coops/<slug>/verify-statistics")
@advisor_only
def verify_statistics(slug: str):
    """Verify a co-op that granted the advisor's agency access, so its figures count in
    pooled statistics (issue 18)."""
    try:
        found = verification.do_verify_for_statistics(slug, current_user.account.id,
                                                      ip=request.remote_addr)
    except Conflict:
        flash(_l("Only an active co-op can be verified; nothing was done."))
    else:
        flash(_("%(coop)s is verified: its figures count in the next statistics release",
                coop=found.display_name(_locale())))
    return redirect(url_for(".coop", slug=slug))


# -- the co-op admin's page ------------------------------------------------------------


@pages.get("/")
@require_role(Role.ADMIN)
def index():
    """Every agency, which of them this co-op lets in, and the hand-over, if any."""
    return _agencies_page({}, {})


def _agencies_page(answers: dict, errors: dict, status: int = 200):
    account_id = current_account_id()
    return render_template(
        "agencies/coop_agencies.html", agencies=access.agencies_for_coop(g.coop.id),
        may_hand_over=handover.may_hand_over(g.coop, account_id, g.coop_role),
        waiting=handover.open_handover(g.coop.id), answers=answers, errors=errors), status


@pages.post("/<int:agency_id>/grant")
@require_role(Role.ADMIN)
def grant(agency_id: int):
    """Let this agency's advisors see the co-op."""
    access.grant_access(g.coop.id, agency_id, actor_account_id=current_account_id())
    flash(_l("Access granted"))
    return redirect(url_for(".index"))


@pages.post("/<int:agency_id>/withdraw")
@require_role(Role.ADMIN)
def withdraw(agency_id: int):
    """Stop this agency's advisors seeing the co-op, at once."""
    access.withdraw_access(g.coop.id, agency_id, actor_account_id=current_account_id())
    flash(_l("Access withdrawn"))
    return redirect(url_for(".index"))


@pages.post("/handover")
@require_role(Role.ADMIN)
def request_handover():
    """Hand the co-op over to a founding member: they are emailed a link to accept."""
    try:
        handover.do_request_handover(
            g.coop, _load_form(schemas.HandoverIn()), actor_account_id=current_account_id(),
            role=g.coop_role, ip=request.remote_addr)
    except ValidationError as exc:
        return _agencies_page(request.form, _page_errors(exc), 422)
    except Conflict:
        return _agencies_page(request.form, {"handover-waiting": [
            _l("A hand-over is already waiting. Cancel it first to send another.")]}, 409)
    flash(_l("Hand-over sent. The founding member has been emailed a link to accept."))
    return redirect(url_for(".index"))


@pages.post("/handover/cancel")
@require_role(Role.ADMIN)
def cancel_handover():
    """Withdraw the waiting hand-over."""
    handover.do_cancel_handover(g.coop, actor_account_id=current_account_id(),
                                role=g.coop_role, ip=request.remote_addr)
    flash(_l("Hand-over cancelled"))
    return redirect(url_for(".index"))


# -- the co-op admin's API ------------------------------------------------------------


@api.get("/agencies")
@require_role(Role.ADMIN)
@api.response(200, schemas.AgencyAccessOut(many=True))
@api.paginate()
def api_list_agencies(pagination_parameters):
    """Every agency, by name, and whether this co-op grants it access; paged."""
    rows = access.agencies_for_coop(g.coop.id, offset=pagination_parameters.first_item,
                                    limit=pagination_parameters.page_size)
    pagination_parameters.item_count = access.count_agencies()
    return [schemas.access_out(agency, grant) for agency, grant in rows]


@api.put("/agencies/<int:agency_id>/access")
@require_role(Role.ADMIN)
@api.response(200, schemas.AgencyAccessOut)
def api_grant(agency_id: int):
    """Grant the agency access (idempotent); audited."""
    grant = access.grant_access(g.coop.id, agency_id, actor_account_id=current_account_id())
    return schemas.access_out(access.agency(agency_id), grant)


@api.delete("/agencies/<int:agency_id>/access")
@require_role(Role.ADMIN)
@api.response(204)
def api_withdraw(agency_id: int):
    """Withdraw the agency's access at once; 404 if it had none. Audited."""
    access.withdraw_access(g.coop.id, agency_id, actor_account_id=current_account_id())


# -- the hand-over link ----------------------------------------------------------------


@bp.route("/handovers/<token>", methods=["GET", "POST"])
def accept_handover(token: str):
    """Show the hand-over; the named member, signed in, accepts it with the button.

    Opening the link changes nothing (mail scanners open links).
    """
    if len(token) > 200:
        raise NotFound()
    if request.method == "POST" and current_user.is_authenticated:
        try:
            coop = handover.do_accept_handover(token, current_user.account.id,
                                               ip=request.remote_addr)
        except Conflict:
            return render_template("agencies/handover_done.html"), 409, _PRIVATE
        except handover.HandoverGone:
            return render_template("agencies/handover_gone.html"), 410, _PRIVATE
        flash(_("You are now the admin of %(coop)s.", coop=coop.display_name(_locale())))
        return redirect(url_for("workspace.home", slug=coop.slug))
    if request.method == "POST":
        return redirect(url_for("accounts.sign_in", next=request.path))
    found, coop = handover.find_handover(token)
    if current_user.is_authenticated:  # a link for someone else is as if it did not exist
        handover.check_recipient(found, current_user.account.id, ip=request.remote_addr)
    try:
        handover.check_usable(found)
    except Conflict:
        return render_template("agencies/handover_done.html"), 409, _PRIVATE
    except handover.HandoverGone:
        return render_template("agencies/handover_gone.html"), 410, _PRIVATE
    return render_template("agencies/handover_accept.html", coop=coop, handover=found,
                           next_path=request.path), 200, _PRIVATE
