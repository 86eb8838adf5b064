"""The register of officers, officer elections and the co-op's tasks, as pages at
``/c/<slug>/officers`` and as the API at ``/api/v1/c/<slug>/officers``.

Everyone in the co-op may read the register of officers (members may inspect it);
admins and coordinators change it, propose and carry elections, and see the tasks.
"""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from core.errors import ValidationError
from core.timeutil import LOCAL
from tenants.context import tenant_session
from tenants.members.service import members_query
from tenants.officers import service
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


def _page_errors(messages: dict) -> dict[str, list[str]]:
    return {key: [str(FIELD_MESSAGES.get(key, _l("Check this answer.")))] for key in messages}


def _aware(value: str) -> str:
    """A datetime-local field (wall-clock time in Wales) as an ISO instant for the schema."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value  # the schema names the field
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL)
    return parsed.astimezone(UTC).isoformat()


# The election form's fields that share a name with the appointment form's.
_ELECTION_FIELDS = {"election_office": "office", "candidate_member_id": "member_id"}


def _election_errors(errors: dict) -> dict:
    back = {v: k for k, v in _ELECTION_FIELDS.items()}
    return {back.get(k, k): v for k, v in errors.items()}


def _form(names: tuple[str, ...]) -> dict:
    values = {name: request.form.get(name, "").strip() for name in names}
    for key in ("member_id", "candidate_member_id", "quorum"):
        if key in values:
            raw = values[key]
            # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
            values[key] = (int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9
                           else (None if raw == "" else raw))
    if values.get("quorum") is None and "quorum" in values:
        values["quorum"] = 0
    for key in ("ended_on",):
        if key in values and values[key] == "":
            values[key] = None
    for key in ("opens_at", "closes_at"):
        if values.get(key):
            values[key] = _aware(values[key])
    return values


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
    raw = {k: request.form.get(k, "") for k in ("office", "name", "member_id", "appointed_on")}
    try:
        data = OfficerInSchema().load({k: v for k, v in _form(tuple(raw)).items()
                                       if v not in ("", None)})
        service.appoint_officer(data, current_account_id())
    except ma.ValidationError as exc:
        return _index(_page_errors(exc.messages), raw, 400)
    except ValidationError as exc:
        return _index(exc.errors, raw, 400)
    flash(_l("The appointment is in the register."))
    return redirect(url_for(".index"))


@pages.post("/<int:officer_id>/end")
@require_role(*MANAGERS)
def end(officer_id: int):
    """End an officer's term on a date."""
    raw = {"ended_on": request.form.get("ended_on", "")}
    try:
        data = OfficerPatchSchema().load({"ended_on": raw["ended_on"] or None})
        if data.get("ended_on") is None:
            raise ValidationError({"ended_on": [str(FIELD_MESSAGES["ended_on"])]})
        service.update_officer(officer_id, data, current_account_id())
    except ma.ValidationError as exc:
        return _index(_page_errors(exc.messages), raw, 400)
    except ValidationError as exc:
        return _index(exc.errors, raw, 400)
    flash(_l("The term has ended in the register."))
    return redirect(url_for(".index"))


@pages.post("/elections")
@require_role(*MANAGERS)
def propose():
    """Put an officer election to the members."""
    names = ("election_office", "candidate_name", "candidate_member_id", "opens_at",
             "closes_at", "quorum")
    raw = {k: request.form.get(k, "") for k in names}
    values = {_ELECTION_FIELDS.get(k, k): v for k, v in _form(names).items()}
    try:
        data = ElectionInSchema().load({k: v for k, v in values.items()
                                        if v not in ("", None) or k == "quorum"})
        service.propose_election(data, current_account_id())
    except ma.ValidationError as exc:
        return _index(_election_errors(_page_errors(exc.messages)), raw, 400)
    except ValidationError as exc:
        return _index(_election_errors(exc.errors), raw, 400)
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
