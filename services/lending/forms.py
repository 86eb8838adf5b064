"""The request form: read the posted fields into what the schema loads, and errors by field."""

from __future__ import annotations

import marshmallow as ma
from flask import render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.areas import local_authorities
from services.lending import schemas
from tenants.clients.models import Client
from tenants.context import tenant_session
from tenants.vocabulary import SKILLS

SLOT_ROWS = 3
FIELD_MESSAGES = {
    "slots": _l("Enter at least one slot, in the future, with the end after the start"),
    "la_code": _l("Choose a local authority"),
    "skills": _l("Choose skills from the list"),
    "rate": _l("Enter an hourly rate in pounds, zero or more, like 12.60"),
    "client_id": _l("Choose one of your clients, or none"),
}


def _slot_rows(form) -> list[dict]:
    rows = []
    for i in range(SLOT_ROWS):
        start, end = form.get(f"slot{i}_starts_at", ""), form.get(f"slot{i}_ends_at", "")
        if start or end:
            rows.append({"starts_at": start, "ends_at": end})
    return rows


def parse_request_form(form) -> tuple[dict, dict]:
    """(data, errors): errors map a form field to its translated message."""
    raw = {"slots": _slot_rows(form), "la_code": form.get("la_code", ""),
           "skills": form.getlist("skills"), "welsh_required": form.get("welsh_required") == "y",
           "rate": form.get("rate", "").strip(), "on_board": form.get("on_board") == "y",
           "client_id": form.get("client_id") or None}
    try:
        return schemas.RequestIn().load(raw), {}
    except ma.ValidationError as exc:
        return {}, page_errors(exc.normalized_messages())


def page_errors(errors: dict) -> dict:
    """One translated message per form field from schema or service errors."""
    fields = {key.split(".")[0] for key in errors}
    return {field: [FIELD_MESSAGES.get(field, _l("Check this answer"))] for field in fields}


def _client_items() -> list[tuple[int, str]]:
    """The co-op's active clients, for the optional continuity question (stays here)."""
    rows = tenant_session().execute(select(Client.id, Client.display_name).where(
        Client.active.is_(True)).order_by(Client.display_name)).all()
    return [(row.id, row.display_name) for row in rows]


def render_request_form(answers, errors: dict):
    """The request form page, 422 when it shows errors."""
    return render_template("lending/request_form.html", answers=answers, errors=errors,
                           clients=_client_items(),
                           skills=SKILLS,
                           la_items=[(la.code, la.name(str(get_locale())))
                                     for la in local_authorities().values()],
                           slot_rows=range(SLOT_ROWS)), (422 if errors else 200)
