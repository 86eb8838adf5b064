"""Workforce pages at ``/c/<slug>/workforce`` and API routes at ``/api/v1/c/<slug>/``.

Admins and coordinators manage workers; a care worker sees only their own record; a
member sees neither.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import forms
from core.areas import local_authorities
from core.errors import ValidationError
from tenants.context import tenant_session
from tenants.members.models import Member
from tenants.registry.models import Role
from tenants.rules.explain import ENGAGEMENT_NAMES, EXPIRY_NAMES, finding_text
from tenants.vocabulary import SKILLS, WELSH_LEVELS
from tenants.web import (
    MANAGERS,
    SelectPage,
    coop_api,
    coop_pages,
    current_account_id,
    register_nav,
    require_role,
)
from tenants.workforce import schemas, service

pages = coop_pages("workforce", __name__, "/workforce")
api = coop_api("workforce_api", __name__, description="Care workers and their checks.")
SELF_AND_MANAGERS = (*MANAGERS, Role.WORKER)

register_nav("workforce.index", _l("Workforce"), MANAGERS)
register_nav("workforce.mine", _l("My worker record"), (Role.WORKER,))

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
            _l("Saturday"), _l("Sunday"))
REASONS = {
    "dbs_missing": _l("No DBS certificate"),
    "dbs_expired": _l("DBS check out of date"),
    "scw_missing": _l("Not registered with Social Care Wales"),
    "scw_expired": _l("Social Care Wales registration expired"),
    "dbs_not_ours": _l("DBS certificate applied for by another provider"),
    "dbs_status_check_due": _l("DBS Update Service status check needed"),
    "dbs_new_information": _l("DBS Update Service shows new information"),
    "scw_suspended": _l("Social Care Wales registration suspended"),
    **EXPIRY_NAMES,
}
STATUS_CHECK_RESULTS = {"no_change": _l("No new information: the certificate is current"),
                        "new_information": _l("New information: a new certificate is needed")}
FIELD_MESSAGES = {
    "display_name": _l("Enter the worker's name"),
    "started_on": _l("Enter the date they started, in the past, like 2024-03-27"),
    "scw_registration_number": _l("Enter the Social Care Wales registration number"),
    "scw_expires_on": _l("Enter the date the registration expires, like 2026-03-27"),
    "dbs_certificate_date": _l("Enter the DBS certificate date, in the past, like 2024-03-27"),
    "contracted_hours": _l("Enter contracted hours a week as a number from 0 to 168"),
    "wt_opt_out_signed_on": _l(
        "An opt-out must be in writing: enter the date it was signed, in the past"),
    "travel_radius_km": _l("Enter a travel radius in whole kilometres from 0 to 300"),
    "engagement": _l("Choose how the worker is engaged"),
    "dp_employer_member_id": _l(
        "A Personal Assistant's employer must be a member of the co-op: choose one, and only "
        "for a Personal Assistant"),
    "scw_conditions": _l("Conditions must be 2000 characters or fewer"),
    "scw_suspended_from": _l("Enter the date the suspension began, like 2026-03-27"),
    "scw_suspended_until": _l("Enter the date the suspension ends, on or after it began"),
    "checked_on": _l("Enter the date of the status check: not in the future, not before the "
                     "certificate, and only for a certificate on the Update Service"),
    "checked_by": _l("Enter who checked the status"),
    "result": _l("Choose what the status check found"),
    "left_on": _l("Enter the day they left, like 2026-03-27: not in the future, and not "
                  "before the day they started"),
    "availability": _l(
        "Enter each window's start and end time, like 09:00, with the end after the start "
        "and no windows overlapping"),
}


def _page_errors(errors) -> dict[str, list[str]]:
    return forms.page_errors(errors, FIELD_MESSAGES)


def _form_page(template: str, answers: dict, errors: dict | None = None, **context):
    status = 422 if errors else 200
    members = tenant_session().execute(select(Member.id, Member.display_name)
                                       .order_by(Member.display_name)).all()
    return render_template(
        template, answers=answers, errors=errors or {}, skills=SKILLS,
        engagements=ENGAGEMENT_NAMES, members=members,
        welsh_levels=WELSH_LEVELS, las=local_authorities().values(), weekdays=WEEKDAYS,
        slots=schemas.slot_counts(answers), **context), status


def _load_form(schema) -> dict:
    return forms.load(schema, schemas.worker_from_form(request.form))


# Pages


@pages.get("/")
@require_role(*MANAGERS)
def index():
    """Workers, filtered by skill and Welsh level, with flags on checks that need action."""
    filters = forms.load(schemas.WorkerFilter(),
                         forms.form_input(request.args, ("skill", "welsh_level")))
    workers = service.list_workers(**filters)
    today = service.today()
    context = service.checks_context()
    return render_template("workforce/index.html", workers=workers, filters=filters,
                           statuses={w.id: service.status_of(w, today, context)
                                     for w in workers},
                           skills=SKILLS, welsh_levels=WELSH_LEVELS, reasons=REASONS)


@pages.get("/checks")
@require_role(*MANAGERS)
def checks():
    """Workers whose checks fail now or lapse within 30 days, most urgent first."""
    return render_template("workforce/checks.html", due=service.checks_due(),
                           reasons=REASONS, today=service.today())


@pages.get("/me")
@require_role(*SELF_AND_MANAGERS)
def mine():
    """A care worker's own record."""
    worker = service.worker_for_account(current_account_id())
    if worker is None:
        return render_template("workforce/not_linked.html")
    return redirect(url_for(".detail", worker_id=worker.id))


@pages.route("/new", methods=["GET", "POST"])
@require_role(*MANAGERS)
def create():
    """Add a worker."""
    if request.method == "GET":
        return _form_page("workforce/form.html", {"welsh_level": "none", "active": True,
                                                  "engagement": "employee",
                                                  "dbs_applied_by_coop": "yes"})
    try:
        worker = service.do_create_worker(_load_form(schemas.WorkerIn()),
                                          actor_account_id=current_account_id())
    except ValidationError as exc:
        return _form_page("workforce/form.html", schemas.form_answers(request.form),
                          _page_errors(exc.errors))
    flash(_l("Worker added"))
    return redirect(url_for(".detail", worker_id=worker.id))


@pages.get("/<int:worker_id>")
@require_role(*SELF_AND_MANAGERS)
def detail(worker_id: int):
    """One worker: their details, skills, availability and checks."""
    worker = service.access_worker(worker_id, current_account_id(), g.coop_role)
    return _detail_page(worker)


def _detail_page(worker, errors: dict | None = None, answers=None):
    return render_template("workforce/detail.html", worker=worker,
                           status=service.status_of(worker, service.today()), reasons=REASONS,
                           finding_text=finding_text, engagements=ENGAGEMENT_NAMES,
                           results=STATUS_CHECK_RESULTS, errors=errors or {},
                           answers=answers or {}, weekdays=WEEKDAYS, skills=SKILLS,
                           welsh_levels=WELSH_LEVELS,
                           la=local_authorities().get(worker.base_la_code),
                           can_edit=g.coop_role in MANAGERS), 422 if errors else 200


@pages.post("/<int:worker_id>/leaving")
@require_role(*MANAGERS)
def record_leaving(worker_id: int):
    """Record the day a worker left, or clear a leaving date recorded by mistake."""
    worker = service.get_worker(worker_id)
    clearing = request.form.get("clear") == "1"
    raw = {} if clearing else {"left_on": request.form.get("left_on", "").strip() or None}
    try:
        data = forms.load(schemas.LeavingIn(), {"left_on": None} if clearing else raw)
        service.do_record_leaving(worker, data["left_on"], actor_account_id=current_account_id())
    except ValidationError as exc:
        tenant_session().rollback()
        messages = exc.errors
        if not clearing and raw["left_on"] is None:
            messages = {"left_on": ["required"]}
        return _detail_page(service.get_worker(worker_id), _page_errors(messages),
                            request.form)
    flash(_l("Leaving date cleared") if clearing else _l("Leaving date recorded"))
    return redirect(url_for(".detail", worker_id=worker.id))


@pages.route("/<int:worker_id>/edit", methods=["GET", "POST"])
@require_role(*MANAGERS)
def edit(worker_id: int):
    """Change a worker."""
    worker = service.get_worker(worker_id)
    if request.method == "GET":
        return _form_page("workforce/form.html", schemas.worker_to_form(worker), worker=worker)
    try:
        service.do_update_worker(worker, _load_form(schemas.WorkerIn()),
                                 actor_account_id=current_account_id())
    except ValidationError as exc:
        return _form_page("workforce/form.html", schemas.form_answers(request.form),
                          _page_errors(exc.errors), worker=worker)
    flash(_l("Changes saved"))
    return redirect(url_for(".detail", worker_id=worker.id))


@pages.post("/<int:worker_id>/status-checks")
@require_role(*MANAGERS)
def record_status_check(worker_id: int):
    """Record a DBS Update Service status check."""
    worker = service.get_worker(worker_id)
    raw = forms.form_input(request.form, ("checked_on", "checked_by", "result"))
    try:
        data = forms.load(schemas.StatusCheckIn(), raw)
        service.do_record_status_check(worker, data, actor_account_id=current_account_id())
    except ValidationError as exc:
        tenant_session().rollback()
        return _detail_page(service.get_worker(worker_id), _page_errors(exc), request.form)
    flash(_l("Status check recorded"))
    return redirect(url_for(".detail", worker_id=worker.id))


# API


@api.get("/workers")
@require_role(*MANAGERS)
@api.arguments(schemas.WorkerFilter, location="query")
@api.response(200, schemas.WorkerOut(many=True))
@api.paginate(SelectPage)
def api_list_workers(filters):
    """Workers, optionally filtered by ``skill`` and ``welsh_level``; paged."""
    return service.workers_query(**filters)


@api.post("/workers")
@require_role(*MANAGERS)
@api.arguments(schemas.WorkerIn)
@api.response(201, schemas.WorkerOut)
def api_create_worker(data):
    """Add a worker, with skills and availability windows."""
    return service.do_create_worker(data, actor_account_id=current_account_id())


@api.get("/workers/<int:worker_id>")
@require_role(*SELF_AND_MANAGERS)
@api.response(200, schemas.WorkerOut)
def api_get_worker(worker_id: int):
    """One worker; a care worker may read only their own record."""
    return service.access_worker(worker_id, current_account_id(), g.coop_role)


@api.patch("/workers/<int:worker_id>")
@require_role(*MANAGERS)
@api.arguments(schemas.WorkerChange())
@api.response(200, schemas.WorkerOut)
def api_update_worker(data, worker_id: int):
    """Change the fields given; ``skills`` and ``availability`` replace the stored lists."""
    return service.do_update_worker(service.get_worker(worker_id), data,
                                    actor_account_id=current_account_id())


@api.get("/checks-due")
@require_role(*MANAGERS)
@api.arguments(schemas.ChecksDueQuery, location="query")
@api.response(200, schemas.CheckDueOut(many=True))
def api_checks_due(query):
    """Active workers whose checks fail today or lapse within ``days`` (default 30)."""
    return service.checks_due(days=query["days"])


@api.put("/workers/<int:worker_id>/leaving")
@require_role(*MANAGERS)
@api.arguments(schemas.LeavingIn)
@api.response(200, schemas.WorkerOut)
def api_record_leaving(data, worker_id: int):
    """Record the day a worker left (``left_on``), or clear it with ``null``; audited."""
    return service.do_record_leaving(service.get_worker(worker_id), data["left_on"],
                                     actor_account_id=current_account_id())


@api.post("/workers/<int:worker_id>/dbs-status-checks")
@require_role(*MANAGERS)
@api.arguments(schemas.StatusCheckIn)
@api.response(201, schemas.StatusCheckOut)
def api_record_status_check(data, worker_id: int):
    """Record a DBS Update Service status check (date, by whom, result)."""
    return service.do_record_status_check(service.get_worker(worker_id), data,
                                          actor_account_id=current_account_id())
