"""The register of officers, officer elections and the co-op's tasks, as pages at
``/c/<slug>/officers`` and as the API at ``/api/v1/c/<slug>/officers``.

Everyone in the co-op may read the register of officers (members may inspect it);
admins and coordinators change it, propose and carry elections, and see the tasks.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from core import forms
from core.errors import ValidationError
from tenants.context import tenant_session
from tenants.members.service import members_query
from tenants.officers import schemas, service
from tenants.officers.labels import OFFICE_NAMES
from tenants.officers.schemas import (
    ElectionInSchema,
    ElectionSchema,
    OfficerInSchema,
    OfficerPatchSchema,
    OfficerSchema,
    TaskSchema,
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

pages = coop_pages("officers", __name__, "/officers")
api = coop_api("officers_api", __name__, "/officers",
               description="The register of officers (s.30), officer elections, and the "
                           "co-op's tasks such as CIW notifications.")
register_nav("officers.index", _l("Officers"))

# Page messages by field, in the reader's language (the API keeps marshmallow's own).
FIELD_MESSAGES = {
    "office": _l("Choose an office from the list."),
    "name": _l("Enter the officer's name, or choose a member."),
    "candidate_name": _l("Enter the candidate's name, or choose a member."),
    "member_id": _l("Choose a member from the list."),
    "appointed_on": _l("Enter the date of appointment as year-month-day."),
    "ended_on": _l("Enter the end of the term as year-month-day, on or after the appointment."),
    "opens_at": _l("Enter when the ballot opens."),
    "closes_at": _l("Enter when the ballot closes: in the future, after it opens."),
    "quorum": _l("Enter the quorum as a whole number, like 3."),
}


def _page_errors(exc: ValidationError, names: dict[str, str] | None = None) -> dict:
    """The refusal's messages by the form's field names (``names``: schema to form)."""
    errors = forms.page_errors(exc, FIELD_MESSAGES, service_words=True)
    return {(names or {}).get(key, key): messages for key, messages in errors.items()}


def _index(errors: dict | None = None, values: dict | None = None, status: int = 200):
    manager = g.coop_role in MANAGERS
    return render_template(
        "officers/index.html", officers=service.list_officers(), offices=OFFICE_NAMES,
        elections=service.list_elections(), manager=manager, today=service.today(),
        member_items=[(m.id, m.display_name) for m in tenant_session().scalars(
            members_query(current_only=True))] if manager else [],
        errors=errors or {}, values=values or {}), status


@pages.app_template_global()
def officer_election_for(proposal_id: int):
    """For governance's ballot page: the officer election this proposal is, if any."""
    return service.election_for_proposal(proposal_id)


# -- pages -----------------------------------------------------------------------------
@pages.get("/")
@require_role(*ALL_ROLES)
def index():
    """The register of officers, and officer elections."""
    return _index()


@pages.post("/new")
@require_role(*MANAGERS)
def appoint():
    """Enter an appointment in the register."""
    try:
        data = forms.load(OfficerInSchema(), schemas.officer_from_form(request.form))
        service.appoint_officer(data, current_account_id())
    except ValidationError as exc:
        return _index(_page_errors(exc), forms.answers(request.form), 422)
    flash(_l("The appointment is in the register."))
    return redirect(url_for(".index"))


@pages.post("/<int:officer_id>/end")
@require_role(*MANAGERS)
def end(officer_id: int):
    """End an officer's term on a date."""
    try:
        data = forms.load(OfficerPatchSchema(), forms.form_input(
            request.form, ("ended_on",), keep_empty=("ended_on",)))
        if data.get("ended_on") is None:
            raise ValidationError({"ended_on": [str(FIELD_MESSAGES["ended_on"])]})
        service.update_officer(officer_id, data, current_account_id())
    except ValidationError as exc:
        return _index(_page_errors(exc), forms.answers(request.form), 422)
    flash(_l("The term has ended in the register."))
    return redirect(url_for(".index"))


@pages.post("/elections")
@require_role(*MANAGERS)
def propose():
    """Put an officer election to the members."""
    try:
        data = forms.load(ElectionInSchema(), schemas.election_from_form(request.form))
        service.propose_election(data, current_account_id())
    except ValidationError as exc:
        return _index(_page_errors(exc, schemas.ELECTION_FORM_NAMES),
                      forms.answers(request.form), 422)
    flash(_l("The election has been put to the members."))
    return redirect(url_for(".index"))


@pages.post("/elections/<int:election_id>/carry")
@require_role(*MANAGERS)
def carry(election_id: int):
    """Carry out a passed election: the candidate is appointed."""
    service.carry_election(election_id, current_account_id())
    flash(_l("The election was carried and the officer appointed."))
    return redirect(url_for(".index"))


@pages.get("/tasks")
@require_role(*MANAGERS)
def tasks():
    """The co-op's tasks: CIW notifications and the start-up checklist."""
    return render_template("officers/tasks.html", tasks=service.list_tasks(),
                           text=service.task_text, source=service.task_source,
                           rule=service.CIW_OFFICER_NOTICE)


@pages.post("/tasks/<int:task_id>/done")
@require_role(*MANAGERS)
def task_done(task_id: int):
    """Mark a task done."""
    service.complete_task(task_id, current_account_id())
    flash(_l("Task marked as done."))
    return redirect(url_for(".tasks"))


# -- API -------------------------------------------------------------------------------
@api.get("")
@require_role(*ALL_ROLES)
@api.response(200, OfficerSchema(many=True))
@api.paginate(SelectPage)
def api_list():
    """The register of officers, by office, latest appointed first."""
    return service.officers_query()


@api.post("")
@require_role(*MANAGERS)
@api.arguments(OfficerInSchema)
@api.response(201, OfficerSchema)
def api_appoint(data):
    """Enter an appointment; raises a CIW notification task if the co-op has a registered
    service."""
    return service.appoint_officer(data, current_account_id())


@api.patch("/<int:officer_id>")
@require_role(*MANAGERS)
@api.arguments(OfficerPatchSchema)
@api.response(200, OfficerSchema)
def api_update(data, officer_id):
    """Change an entry, for example end a term with ``ended_on``."""
    return service.update_officer(officer_id, data, current_account_id())


@api.get("/elections")
@require_role(*ALL_ROLES)
@api.response(200, ElectionSchema(many=True))
@api.paginate(SelectPage)
def api_elections():
    """Officer elections, newest first."""
    return service.elections_query()


@api.post("/elections")
@require_role(*MANAGERS)
@api.arguments(ElectionInSchema)
@api.response(201, ElectionSchema)
def api_propose(data):
    """Put an officer election to the members (a proposal with its ballot)."""
    return service.propose_election(data, current_account_id())


@api.post("/elections/<int:election_id>/carry")
@require_role(*MANAGERS)
@api.response(200, ElectionSchema)
def api_carry(election_id):
    """Carry out a passed election: appoint the candidate (409 if not passed or not closed)."""
    return service.carry_election(election_id, current_account_id())


@api.get("/tasks")
@require_role(*MANAGERS)
@api.response(200, TaskSchema(many=True))
@api.paginate(SelectPage)
def api_tasks():
    """The co-op's tasks, soonest due first."""
    return service.tasks_query()


@api.post("/tasks/<int:task_id>/done")
@require_role(*MANAGERS)
@api.response(200, TaskSchema)
def api_task_done(task_id):
    """Mark a task done."""
    return service.complete_task(task_id, current_account_id())
