"""The person's own care page at ``/c/<slug>/my-care`` and its API at ``/api/v1/c/<slug>/my-care``.

Plain and large: who is coming this week (first name, time window), and nothing about
anyone else. The person (or their representative) can ask for a carer again or not,
and invite family, choosing what they see. A family member sees only what was granted.
Views parse, make one service call and render; the service audits every view.
"""

from __future__ import annotations

from datetime import date, timedelta

import flask_smorest
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from core import forms
from core.errors import ValidationError
from federation.care.entry import attach, for_the_person
from tenants.care_person import schemas, service
from tenants.care_person.service import Seat
from tenants.web import current_account_id

bp = attach(Blueprint("care", __name__, url_prefix="/c/<slug>/my-care",
                      template_folder="templates"), api=False)
api = attach(flask_smorest.Blueprint(
    "care_api", __name__, url_prefix="/api/v1/c/<slug>/my-care",
    description="The person receiving care: their week, carer wishes and family access."),
    api=True)

FIELD_MESSAGES = {
    "email": _l("Enter their email address, like name@example.org"),
    "sees": _l("Choose at least one thing they may see"),
    "worker": _l("Choose one of the care workers who visit you"),
}


def _week_args() -> dict:
    return forms.load(schemas.WeekQuery(), forms.form_input(
        request.args, ("week",), numbers=("client_id",)))


def _page(seat: Seat, week: date, errors: dict | None = None, answers: dict | None = None):
    account_id = current_account_id()
    shown = service.week_view(seat, week, actor_account_id=account_id, via="page")
    seats = service.seats_for(account_id)
    grants = service.grants_of(seat.client_id) if seat.speaks_for_person else []
    messages = forms.page_errors(errors, FIELD_MESSAGES)
    return render_template(
        "care/week.html", week=shown, seat=seat, seats=seats, grants=grants,
        errors=messages, answers=answers or {},
        previous=shown.monday - timedelta(days=7), following=shown.monday + timedelta(days=7),
        this_week=service.monday_of(date.today())), 422 if errors else 200


# Pages


@bp.get("/")
def week():
    """Who is coming this week (first names and time windows only); audited."""
    try:
        args = _week_args()
    except ValidationError as exc:
        exc.tolerate()  # odd query arguments fall back to this week; the view is still audited
        args = {"week": None, "client_id": None}
    seat = service.access_seat(current_account_id(), args["client_id"])
    return _page(seat, args["week"] or date.today())


@bp.post("/wish")
@for_the_person
def wish():
    """"I'd like ‹name› again", "please not ‹name›", or clear the wish."""
    raw = {"worker": "", "wish": None, "client_id": None, **forms.form_input(
        request.form, ("worker", "wish"), numbers=("client_id",))}
    try:
        data = forms.load(schemas.WishIn(), raw)
    except ValidationError:
        data = None
    seat = service.access_seat(current_account_id(), data["client_id"] if data else None)
    if data is None:
        return _page(seat, date.today(), {"worker": ["invalid"]})
    try:
        service.check_set_wish(seat, data["worker"], data["wish"],
                               actor_account_id=current_account_id())
    except ValidationError as exc:
        return _page(seat, date.today(), exc.errors)
    flash(_l("Thank you. We have told the co-op."))
    return redirect(url_for(".week", client_id=seat.client_id,
                            week=request.form.get("week") or None))


@bp.post("/family")
@for_the_person
def invite_family():
    """The person invites a family member and chooses what they see."""
    raw = forms.form_input(request.form, ("email",), lists=("sees",), numbers=("client_id",))
    sees = raw.pop("sees")
    answers = {"email": raw.get("email", ""), "sees": sees}
    client_id = raw.get("client_id")
    seat = service.access_seat(current_account_id(),
                               client_id if isinstance(client_id, int) else None)
    raw.update(client_id=seat.client_id, sees_times="times" in sees, sees_names="names" in sees)
    try:
        service.check_invite_family(seat, forms.load(schemas.FamilyIn(), raw),
                                    actor_account_id=current_account_id())
    except ValidationError as exc:
        return _page(seat, date.today(), exc.errors, answers)
    flash(_l("We have emailed the invitation. You can stop their access at any time."))
    return redirect(url_for(".week", client_id=seat.client_id))


@bp.post("/family/<int:grant_id>/stop")
@for_the_person
def stop_family(grant_id: int):
    """Stop a family member's access, at once."""
    client_id = forms.whole_number(request.form.get("client_id", ""))
    seat = service.access_seat(current_account_id(),
                               client_id if isinstance(client_id, int) else None)
    service.do_revoke_family(seat, grant_id, actor_account_id=current_account_id())
    flash(_l("Their access has stopped."))
    return redirect(url_for(".week", client_id=seat.client_id))


# API


@api.get("/week")
@api.arguments(schemas.WeekQuery, location="query", as_kwargs=True)
@api.response(200, schemas.WeekOut)
def api_week(week: date | None = None, client_id: int | None = None):
    """The caller's week, cut to what they may see; audited."""
    seat = service.access_seat(current_account_id(), client_id)
    return service.week_view(seat, week or date.today(),
                             actor_account_id=current_account_id(), via="api")


@api.put("/wishes")
@for_the_person
@api.arguments(schemas.WishIn)
@api.response(200, schemas.WishIn)
def api_wish(data):
    """Record "again" or "not" about a carer (``worker`` is a key from the week), or clear it."""
    seat = service.access_seat(current_account_id(), data["client_id"])
    service.check_set_wish(seat, data["worker"], data["wish"],
                           actor_account_id=current_account_id())
    return {**data, "client_id": seat.client_id}


@api.get("/family")
@api.response(200, schemas.GrantOut(many=True))
@api.paginate()
def api_family(pagination_parameters):
    """The family members the person has invited, newest first, paged."""
    seat = service.access_seat(current_account_id())
    grants = service.grants_of(seat.client_id) if seat.speaks_for_person else []
    pagination_parameters.item_count = len(grants)
    first = pagination_parameters.first_item
    return grants[first:first + pagination_parameters.page_size]


@api.post("/family")
@for_the_person
@api.arguments(schemas.FamilyIn)
@api.response(201, schemas.GrantOut)
def api_invite_family(data):
    """Invite a family member by email, choosing what they see."""
    seat = service.access_seat(current_account_id(), data["client_id"])
    return service.check_invite_family(seat, data, actor_account_id=current_account_id())


@api.delete("/family/<int:grant_id>")
@for_the_person
@api.response(200, schemas.GrantOut)
def api_stop_family(grant_id: int):
    """Stop a family member's access, at once."""
    seat = service.access_seat(current_account_id())
    return service.do_revoke_family(seat, grant_id, actor_account_id=current_account_id())
