"""The request form: read the posted fields into what the schema loads, and errors by field."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import forms as corefs
from core.areas import local_authorities
from core.errors import ValidationError
from services.lending import schemas
from tenants.clients.models import Client
from tenants.context import tenant_session
from tenants.vocabulary import SKILLS

SLOT_ROWS = 3
FIELD_MESSAGES = {
    "slots": _l("Enter at least one slot, in the future, with the end after the start"),
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
    """(data, errors): errors map a form field to its translated messages."""
    raw = {"slots": _slot_rows(form), "la_code": form.get("la_code", ""),
           "rate": form.get("rate", "").strip(), "client_id": form.get("client_id") or None,
           **corefs.form_input(form, (), lists=("skills",), ticks=("welsh_required", "on_board"))}
    try:
        return corefs.load(schemas.RequestIn(), raw), {}
    except ValidationError as exc:
        return {}, page_errors(exc)


def page_errors(errors) -> dict[str, list[str]]:
    """One translated message per form field from schema or service errors."""
    return corefs.page_errors(errors, FIELD_MESSAGES)


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
