"""Rota pages at ``/c/<slug>/rota/`` and the rota API at ``/api/v1/c/<slug>/``.

Coordinators and admins manage the rota; a worker sees and records their own shifts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select

from core import forms
from core.errors import Forbidden, ValidationError
from core.timeutil import local_now
from tenants.clients.models import Client
from tenants.context import tenant_session
from tenants.registry.models import Role
from tenants.rota import contracts, schedule, schemas, service
from tenants.rota.models import VISIT_STATUSES
from tenants.rota.rules import RULES
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
from tenants.workforce.models import Worker

pages = coop_pages("rota", __name__, "/rota")
api = coop_api("rota_api", __name__, description="Rota: visit patterns, visits and workers")
register_nav("rota.week", _l("Rota"), MANAGERS)
register_nav("rota.mine", _l("My shifts"), (Role.WORKER,))

WORKERS = (Role.WORKER,)
#: Visits per page of one day's table: a busy co-op has 800 a day, too many to scan or send.
DAY_PAGE_SIZE = 200
MANAGE_OR_WORK = (*MANAGERS, Role.WORKER)
STATUS_NAMES = {"scheduled": _l("Scheduled"), "completed": _l("Completed"),
                "missed": _l("Missed"), "cancelled": _l("Cancelled")}
WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
            _l("Saturday"), _l("Sunday"))
FIELD_MESSAGES = {
    "client_id": _l("Choose a client"),
    "worker_id": _l("Choose a worker"),
    "starts_at": _l("Enter a start date and time, like 2026-11-23T09:00"),
    "ends_at": _l("Enter an end date and time after the start"),
    "actual_start": _l("Enter the actual start date and time, like 2026-11-23T09:00"),
    "actual_end": _l("Enter an actual end after the actual start"),
    "travel_minutes": _l("Enter travel time in minutes, from 0 to 600"),
    "status": _l("Choose a status"),
    "weekday": _l("Choose a day of the week"),
    "starts": _l("Enter a start time, like 09:30"),
    "duration_minutes": _l("Enter a length in minutes, from 1 to 1440"),
    "skills": _l("Choose skills from the list"),
    "valid_from": _l("Enter a start date, like 2026-11-23"),
    "valid_until": _l("Enter an end date on or after the start date"),
    "note": _l("Notes must be 2000 characters or fewer"),
    "week": _l("Enter a date in the week, like 2026-11-23"),
    "short_visit_reason": _l("Reasons must be 2000 characters or fewer"),
    "offered_hours": _l("Enter the contract's hours a week, more than 0 and up to 168"),
    "choice": _l("Choose whether the worker accepted or declined"),
    "from": _l("Enter the day the pattern stops, like 2026-11-23"),
    "q": _l("Enter a name of 100 characters or fewer"),
}



def _own_worker() -> Worker | None:
    """The signed-in person's worker record when their role is worker; None for managers."""
    if g.coop_role != Role.WORKER:
        return None
    worker = service.worker_for_account(current_account_id())
    if worker is None:
        raise Forbidden(_("You have no worker record in this co-op."))
    return worker


# -- API -------------------------------------------------------------------------------------


@api.route("/visits", methods=["GET"])
@api.arguments(schemas.WeekQuerySchema, location="query", as_kwargs=True)
@api.response(200, schemas.VisitSchema(many=True))
@api.paginate(SelectPage, page_size=50, max_page_size=500)
@require_role(*MANAGE_OR_WORK)
def api_visits(week: date | None = None):
    """Visits in time order, of one week with ``week``; a worker sees only their own."""
    if g.coop_role == Role.WORKER:
        worker = service.worker_for_account(current_account_id())
        stmt = service.visits_stmt(week, worker.id if worker else None)
        return stmt if worker else stmt.where(false())
    return service.visits_stmt(week)


@api.route("/visits", methods=["POST"])
@api.arguments(schemas.VisitCreateSchema)
@api.response(201, schemas.VisitSchema)
@require_role(*MANAGERS)
def api_create_visit(data):
    """A one-off visit; a worker given here must pass every rule."""
    return service.check_create_visit(data, actor_account_id=current_account_id())


@api.route("/visits/<int:visit_id>", methods=["GET"])
@api.response(200, schemas.VisitSchema)
@require_role(*MANAGE_OR_WORK)
def api_visit(visit_id: int):
    """One visit (a worker's own only)."""
    return service.access_visit(visit_id, own_worker=_own_worker())


@api.route("/visits/<int:visit_id>", methods=["PATCH"])
@api.arguments(schemas.VisitUpdateSchema)
@api.response(200, schemas.VisitSchema)
@require_role(*MANAGE_OR_WORK)
def api_update_visit(changes, visit_id: int):
    """Record status and actual times; a worker may record actual times on their own visits."""
    return service.check_update_visit(visit_id, changes, actor_account_id=current_account_id(),
                                      own_worker=_own_worker())


@api.route("/visits/<int:visit_id>/assign", methods=["POST"])
@api.arguments(schemas.AssignSchema)
@api.response(200, schemas.AssignedSchema)
@require_role(*MANAGERS)
def api_assign(data, visit_id: int):
    """Assign a worker; a refusal (422) explains each rule that failed under ``worker_id``
    and lists their codes in ``rules``; success says why each rule about the worker
    applies or not (``rule_notes``)."""
    return service.check_assign_worker(visit_id, data["worker_id"],
                                       actor_account_id=current_account_id())


@api.route("/patterns", methods=["GET"])
@api.response(200, schemas.PatternSchema(many=True))
@api.paginate(SelectPage, page_size=50, max_page_size=500)
@require_role(*MANAGERS)
def api_patterns():
    """Weekly patterns, by weekday and time."""
    return service.patterns_stmt()


@api.route("/patterns", methods=["POST"])
@api.arguments(schemas.PatternCreateSchema)
@api.response(201, schemas.PatternSchema)
@require_role(*MANAGERS)
def api_create_pattern(data):
    """A weekly pattern."""
    return service.check_create_pattern(data, actor_account_id=current_account_id())


@api.route("/patterns/<int:pattern_id>", methods=["GET"])
@api.response(200, schemas.PatternSchema)
@require_role(*MANAGERS)
def api_pattern(pattern_id: int):
    """One weekly pattern."""
    return service.access_pattern(pattern_id)


@api.route("/patterns/<int:pattern_id>", methods=["PUT"])
@api.arguments(schemas.PatternCreateSchema)
@api.response(200, schemas.PatternSchema)
@require_role(*MANAGERS)
def api_update_pattern(data, pattern_id: int):
    """Change a weekly pattern; weeks generated from now on follow it."""
    return service.check_update_pattern(pattern_id, data, actor_account_id=current_account_id())


@api.route("/patterns/<int:pattern_id>", methods=["DELETE"])
@api.arguments(schemas.PatternRemoveSchema, location="query")
@api.response(200, schemas.RemovedPatternSchema)
@require_role(*MANAGERS)
def api_remove_pattern(query, pattern_id: int):
    """Stop a pattern from a day (default today): its planned visits from then leave the rota."""
    return service.do_remove_pattern(pattern_id, query["from_day"],
                                     actor_account_id=current_account_id())


@api.route("/rota/generate", methods=["POST"])
@api.arguments(schemas.GenerateSchema)
@api.response(200, schemas.GeneratedSchema)
@require_role(*MANAGERS)
def api_generate(data):
    """Create a week's visits from the patterns; running it again creates nothing more."""
    return service.do_generate_week(data["week"], actor_account_id=current_account_id())


def _schedule_worker(worker_id: int) -> Worker:
    """A worker whose schedule the signed-in person may see: managers any, a worker theirs."""
    own = _own_worker()
    if own is not None and own.id != worker_id:
        abort(404)
    return own or tenant_session().get(Worker, worker_id) or abort(404)


@api.route("/workers/<int:worker_id>/schedule", methods=["GET"])
@api.arguments(schemas.ScheduleQuerySchema, location="query")
@api.response(200, schemas.ScheduleDaySchema(many=True))
@require_role(*MANAGE_OR_WORK)
def api_schedule(query, worker_id: int):
    """A worker's week (reg 41): each day's travel, visits and breaks."""
    return schedule.week_schedule(_schedule_worker(worker_id), query["week"])


@api.route("/workers/<int:worker_id>/schedule/email", methods=["POST"])
@api.arguments(schemas.GenerateSchema)
@api.response(202)
@require_role(*MANAGE_OR_WORK)
def api_email_schedule(data, worker_id: int):
    """Email a worker their week's schedule, after this request commits."""
    schedule.do_email_schedule(_schedule_worker(worker_id), data["week"],
                               actor_account_id=current_account_id())
    return ""


@api.route("/contract-offers-due", methods=["GET"])
@api.response(200, schemas.OfferDueSchema(many=True))
@require_role(*MANAGERS)
def api_offers_due():
    """Workers on non-guaranteed hours due a contract offer (reg 42), with their average."""
    return contracts.contract_offers_due(local_now().date())


@api.route("/contract-offers", methods=["POST"])
@api.arguments(schemas.OfferCreateSchema)
@api.response(201, schemas.OfferSchema)
@require_role(*MANAGERS)
def api_record_offer(data):
    """Record the contract offered to a worker who is due one."""
    return contracts.do_record_offer(data["worker_id"], data["offered_hours"],
                                     local_now().date(), actor_account_id=current_account_id())


@api.route("/contract-offers/<int:offer_id>/choice", methods=["POST"])
@api.arguments(schemas.OfferChoiceSchema)
@api.response(200, schemas.OfferSchema)
@require_role(*MANAGERS)
def api_record_choice(data, offer_id: int):
    """Record the worker's choice: ``accepted`` or ``declined``."""
    return contracts.do_record_choice(offer_id, data["choice"], local_now().date(),
                                      actor_account_id=current_account_id())


# -- pages -------------------------------------------------------------------------------------


CHOICE_NAMES = {"pending": _l("Waiting for their choice"), "accepted": _l("Accepted"),
                "declined": _l("Declined")}


def _offers_page(errors=None, form=None):
    workers = dict(_workers())
    return render_template(
        "rota/contract_offers.html", due=contracts.contract_offers_due(local_now().date()),
        offers=contracts.list_offers(), worker_names=workers, choice_names=CHOICE_NAMES,
        errors=errors or {}, form=form or {}), 422 if errors else 200


@pages.get("/contract-offers")
@require_role(*MANAGERS)
def contract_offers():
    """Workers due a contract offer (reg 42), and the offers made with each worker's choice."""
    return _offers_page()


@pages.post("/contract-offers")
@require_role(*MANAGERS)
def record_offer():
    """Record a contract offer."""
    try:
        data = _load(schemas.OfferCreateSchema(), ("worker_id", "offered_hours"))
        contracts.do_record_offer(data["worker_id"], data["offered_hours"], local_now().date(),
                                  actor_account_id=current_account_id())
    except ValidationError as exc:
        tenant_session().rollback()
        return _offers_page(_page_errors(exc), request.form)
    flash(_("Contract offer recorded"))
    return redirect(url_for("rota.contract_offers"))


@pages.post("/contract-offers/<int:offer_id>/choice")
@require_role(*MANAGERS)
def record_choice(offer_id: int):
    """Record the worker's choice on an offer."""
    try:
        data = _load(schemas.OfferChoiceSchema(), ("choice",))
        contracts.do_record_choice(offer_id, data["choice"], local_now().date(),
                                   actor_account_id=current_account_id())
    except ValidationError as exc:
        tenant_session().rollback()
        return _offers_page(_page_errors(exc), request.form)
    flash(_("Choice recorded"))
    return redirect(url_for("rota.contract_offers"))


def _week_arg() -> date:
    try:
        return service.monday_of(date.fromisoformat(request.args.get("week", "")))
    except ValueError:
        return service.monday_of(local_now().date())


def _page_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Field errors for a page: the page's wording for a schema's refusal, a rule's refusal
    in the service's own words."""
    return forms.page_errors(exc, FIELD_MESSAGES, service_words=True)


def _load(schema, names: tuple[str, ...] | None = None, **shape) -> dict:
    """The posted form loaded by ``schema``: only ``names`` when given, else every posted
    answer (a visit's or a pattern's form, with its skills and Welsh box)."""
    if names is None:
        shape = {"lists": ("skills",), "ticks": ("welsh_required",), **shape}
    return forms.load(schema, forms.form_input(request.form, names, **shape))


def _nav_context(monday: date) -> dict:
    # Translated once per page, not once per row: a lazy string looks up the locale each time.
    return {"monday": monday, "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7), "weekdays": [str(d) for d in WEEKDAYS],
            "status_names": {k: str(v) for k, v in STATUS_NAMES.items()},
            "conflict_names": {k: str(v) for k, v in service.CONFLICT_MESSAGES.items()},
            "no_worker": _("None")}


@pages.get("/")
@require_role(*MANAGERS)
def week():
    """The co-op's week: counts for every day and the visits of one day, with conflicts."""
    monday = _week_arg()
    day = request.args.get("day", type=int)
    if day is None or not 0 <= day <= 6:
        today = local_now().date()
        day = today.weekday() if service.monday_of(today) == monday else 0
    view = service.week_view(monday, rows_for_day=day)
    rows = view.days[day].rows
    pages_count = max(1, -(-len(rows) // DAY_PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages_count)
    shown = rows[(page - 1) * DAY_PAGE_SIZE:page * DAY_PAGE_SIZE]
    day_start = datetime.combine(monday + timedelta(days=day), time())
    guests = service.guests_between(day_start, day_start + timedelta(days=1))
    return render_template("rota/week.html", view=view, day=day, rows=shown, page=page,
                           pages_count=pages_count, guests=guests, welsh_levels=WELSH_LEVELS,
                           **_nav_context(monday))


@pages.get("/mine")
@require_role(*WORKERS)
def mine():
    """The signed-in worker's own shifts for a week."""
    worker = _own_worker()
    monday = _week_arg()
    view = service.week_view(monday, worker_id=worker.id, full_rules=True)
    start = datetime.combine(monday, time())
    end = start + timedelta(days=7)
    lent = service.lent_shifts(worker, current_account_id(), g.coop.id, start, end)
    return render_template("rota/person_week.html", view=view, heading=_("My shifts"),
                           subject=worker.display_name, show="client", lent=lent,
                           schedule=schedule.week_schedule(worker, monday),
                           email_url=url_for("rota.email_my_schedule"), **_nav_context(monday))


@pages.get("/workers/<int:worker_id>")
@require_role(*MANAGERS)
def worker_week(worker_id: int):
    """One worker's week, with every rule checked against their other shifts."""
    worker = tenant_session().get(Worker, worker_id) or abort(404)
    monday = _week_arg()
    view = service.week_view(monday, worker_id=worker.id, full_rules=True)
    return render_template("rota/person_week.html", view=view, heading=_("Worker's week"),
                           subject=worker.display_name, show="client",
                           schedule=schedule.week_schedule(worker, monday),
                           email_url=url_for("rota.email_schedule", worker_id=worker.id),
                           **_nav_context(monday))


def _email(worker: Worker, back: str):
    try:
        data = _load(schemas.GenerateSchema(), ("week",))
    except ValidationError:
        flash(_("Enter a date in the week, like 2026-11-23"))
        return redirect(back)
    try:
        schedule.do_email_schedule(worker, data["week"], actor_account_id=current_account_id())
    except ValidationError:
        tenant_session().rollback()
        flash(_("This worker has no sign-in account, so there is no email address to send "
                "to: print the schedule instead."))
        return redirect(back)
    flash(_("The schedule will be emailed shortly"))
    return redirect(f"{back}?week={data['week'].isoformat()}")


@pages.post("/workers/<int:worker_id>/email")
@require_role(*MANAGERS)
def email_schedule(worker_id: int):
    """Email a worker their week's schedule (reg 41)."""
    worker = tenant_session().get(Worker, worker_id) or abort(404)
    return _email(worker, url_for("rota.worker_week", worker_id=worker.id))


@pages.post("/mine/email")
@require_role(*WORKERS)
def email_my_schedule():
    """Email the signed-in worker their own week's schedule."""
    return _email(_own_worker(), url_for("rota.mine"))


@pages.get("/clients/<int:client_id>")
@require_role(*MANAGERS)
def client_week(client_id: int):
    """One client's week of visits."""
    client = tenant_session().get(Client, client_id) or abort(404)
    monday = _week_arg()
    view = service.week_view(monday, client_id=client.id)
    return render_template("rota/person_week.html", view=view, heading=_("Client's week"),
                           subject=client.display_name, show="worker", **_nav_context(monday))


def _workers():
    return tenant_session().execute(select(Worker.id, Worker.display_name)
                                    .where(Worker.active).order_by(Worker.display_name)).all()


def _clients():
    return tenant_session().execute(select(Client.id, Client.display_name)
                                    .where(Client.active).order_by(Client.display_name)).all()


def _visit_page(visit, errors=None, status=200, form=None):
    own = g.coop_role == Role.WORKER
    worker = tenant_session().get(Worker, visit.worker_id) if visit.worker_id else None
    notes = service.rule_notes(worker, visit.starts_at.date()) if worker and not own else []
    held_back = (service.hold_backs([visit.id]).get(visit.id)
                 if visit.worker_id is None and not own else None)
    return render_template(
        "rota/visit.html", visit=visit, own=own, errors=errors or {}, form=form or {},
        held_back=held_back,
        workers=[] if own else _workers(), client=tenant_session().get(Client, visit.client_id),
        worker=worker, notes=notes, statuses=VISIT_STATUSES, status_names=STATUS_NAMES,
        skill_names=SKILLS,
        rules=RULES), status


@pages.get("/visits/<int:visit_id>")
@require_role(*MANAGE_OR_WORK)
def visit(visit_id: int):
    """One visit: who, when, what it needs; assign a worker and record what happened."""
    return _visit_page(service.access_visit(visit_id, own_worker=_own_worker()))


@pages.post("/visits/<int:visit_id>/assign")
@require_role(*MANAGERS)
def assign(visit_id: int):
    """Assign a worker; a refusal is shown beside the field, naming the rule."""
    try:
        data = _load(schemas.AssignSchema(), ("worker_id",), keep_empty=("worker_id",))
        visit = service.check_assign_worker(visit_id, data["worker_id"],
                                            actor_account_id=current_account_id())
    except ValidationError as exc:
        tenant_session().rollback()
        return _visit_page(service.access_visit(visit_id), _page_errors(exc), 422, request.form)
    flash(_("Worker assigned") if data["worker_id"] else _("Visit left unassigned"))
    if (visit.client_id, visit.worker_id) in service.unwanted_pairs([visit.client_id]):
        flash(service.CONFLICT_MESSAGES["not_wanted"])  # a warning: it does not refuse
    return redirect(url_for("rota.visit", visit_id=visit_id))


@pages.post("/visits/<int:visit_id>/record")
@require_role(*MANAGE_OR_WORK)
def record(visit_id: int):
    """Record the status and the actual times of a visit."""
    own = _own_worker()
    fields = service.WORKER_FIELDS if own else service.MANAGER_FIELDS
    try:
        changes = _load(schemas.VisitUpdateSchema(), fields)
        service.check_update_visit(visit_id, changes, actor_account_id=current_account_id(),
                                   own_worker=own)
    except ValidationError as exc:
        tenant_session().rollback()
        return _visit_page(service.access_visit(visit_id, own_worker=own), _page_errors(exc),
                           422, request.form)
    flash(_("Visit updated"))
    return redirect(url_for("rota.visit", visit_id=visit_id))


@pages.route("/visits/new", methods=["GET", "POST"])
@require_role(*MANAGERS)
def new_visit():
    """Add a one-off visit."""
    errors = {}
    if request.method == "POST":
        try:
            data = _load(schemas.VisitCreateSchema())
            created = service.check_create_visit(data, actor_account_id=current_account_id())
        except ValidationError as exc:
            tenant_session().rollback()
            errors = _page_errors(exc)
        else:
            flash(_("Visit added"))
            return redirect(url_for("rota.visit", visit_id=created.id))
    return render_template("rota/new_visit.html", errors=errors, form=request.form,
                           clients=_clients(), workers=_workers(),
                           skill_names=SKILLS), 422 if errors else 200


@pages.route("/patterns", methods=["GET", "POST"])
@require_role(*MANAGERS)
def patterns():
    """Weekly patterns, a form to add one, and a button to generate a week's visits."""
    errors = {}
    if request.method == "POST":
        try:
            service.check_create_pattern(_load(schemas.PatternCreateSchema()),
                                         actor_account_id=current_account_id())
        except ValidationError as exc:
            tenant_session().rollback()
            errors = _page_errors(exc)
        else:
            flash(_("Pattern added"))
            return redirect(url_for("rota.patterns"))
    session = tenant_session()
    return render_template(
        "rota/patterns.html", errors=errors, form=request.form,
        patterns=session.scalars(service.patterns_stmt()).all(), clients=_clients(),
        workers=_workers(), skill_names=SKILLS, weekdays=WEEKDAYS,
        this_week=service.monday_of(local_now().date())), 422 if errors else 200


@pages.post("/generate")
@require_role(*MANAGERS)
def generate():
    """Generate a week's visits from the patterns."""
    try:
        data = _load(schemas.GenerateSchema(), ("week",))
    except ValidationError:
        flash(_("Enter a date in the week, like 2026-11-23"))
        return redirect(url_for("rota.patterns"))
    result = service.do_generate_week(data["week"], actor_account_id=current_account_id())
    flash(_("%(count)s visits added for the week starting %(week)s", count=result.created,
            week=format_date(result.week)))
    for name, count in sorted(result.held_back.items()):
        flash(ngettext("%(num)s visit was left without %(name)s, because a rule does not allow "
                       "them on it: the rota says which.",
                       "%(num)s visits were left without %(name)s, because a rule does not "
                       "allow them on them: the rota says which.", count, name=name))
    return redirect(url_for("rota.week", week=result.week.isoformat()))


def _pattern_form(pattern) -> dict:
    """A pattern as the values of its form."""
    return {"client_id": pattern.client_id, "weekday": pattern.weekday,
            "starts": pattern.starts.strftime("%H:%M"),
            "duration_minutes": pattern.duration_minutes,
            "short_visit_reason": pattern.short_visit_reason or "",
            "skills": [s.skill for s in pattern.skills],
            "welsh_required": "y" if pattern.welsh_required else "",
            "worker_id": pattern.worker_id or "", "valid_from": pattern.valid_from.isoformat(),
            "valid_until": pattern.valid_until.isoformat() if pattern.valid_until else ""}


def _pattern_page(pattern, form, errors=None, remove_form=None):
    return render_template(
        "rota/pattern.html", pattern=pattern, form=form, errors=errors or {},
        remove_form=remove_form or {"from": local_now().date().isoformat()},
        clients=_clients(), workers=_workers(), skill_names=SKILLS,
        weekdays=WEEKDAYS), 422 if errors else 200


@pages.route("/patterns/<int:pattern_id>", methods=["GET", "POST"])
@require_role(*MANAGERS)
def pattern(pattern_id: int):
    """Change a weekly pattern, or remove it from a day."""
    found = service.access_pattern(pattern_id)
    if request.method == "GET":
        return _pattern_page(found, _pattern_form(found))
    try:
        service.check_update_pattern(pattern_id, _load(schemas.PatternCreateSchema()),
                                     actor_account_id=current_account_id())
    except ValidationError as exc:
        tenant_session().rollback()
        return _pattern_page(service.access_pattern(pattern_id), request.form, _page_errors(exc))
    flash(_("Pattern saved"))
    return redirect(url_for("rota.patterns"))


@pages.post("/patterns/<int:pattern_id>/remove")
@require_role(*MANAGERS)
def remove_pattern(pattern_id: int):
    """Stop a pattern from the chosen day."""
    found = service.access_pattern(pattern_id)
    try:
        query = _load(schemas.PatternRemoveSchema(), ("from",))
    except ValidationError as exc:
        return _pattern_page(found, _pattern_form(found), _page_errors(exc), request.form)
    result = service.do_remove_pattern(pattern_id, query["from_day"],
                                       actor_account_id=current_account_id())
    flash(ngettext("Pattern removed; %(num)s planned visit was taken off the rota.",
                   "Pattern removed; %(num)s planned visits were taken off the rota.",
                   result.visits_removed))
    return redirect(url_for("rota.patterns"))


@pages.get("/print")
@require_role(*MANAGERS)
def print_week():
    """The whole week's visits on one page, laid out for printing (no menus or buttons)."""
    monday = _week_arg()
    return render_template("rota/print.html", view=service.week_view(monday),
                           **_nav_context(monday))


@pages.get("/week.csv")
@require_role(*MANAGERS)
def week_csv():
    """The week's visits as CSV, one row a visit, safe to open in a spreadsheet."""
    monday = _week_arg()
    body = service.week_csv(monday, actor_account_id=current_account_id())
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="rota-{monday.isoformat()}.csv"'})


@pages.get("/search")
@require_role(*MANAGERS)
def search():
    """Find a worker or a client by name, to open their week."""
    monday = _week_arg()
    try:
        text = forms.load(schemas.PersonSearchSchema(),
                          forms.form_input(request.args, ("q",)))["q"]
    except ValidationError as exc:
        return render_template("rota/search.html", q="", workers=[], clients=[], monday=monday,
                               errors=_page_errors(exc)), 422
    workers, clients = service.people_matching(text) if text else ([], [])
    return render_template("rota/search.html", q=text, workers=workers, clients=clients,
                           monday=monday, errors={})
