"""The pair agreements, the co-op's lending terms, a loan's rate parts and its timesheet:
API at ``/api/v1/c/<slug>/lending`` and pages at ``/c/<slug>/lending``.

Admins accept agreements, propose a new arrangement and set the terms; coordinators and
admins read them. The lending co-op (or the worker) submits hours; the borrowing co-op
approves or disputes them. Anything of another pair of co-ops answers 404.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import forms
from core.db import db
from core.errors import DomainError, NotFound, ValidationError
from services.lending import agreement_schemas as schemas
from services.lending import ledger, pair_agreements, rates, timesheets
from services.lending import service as lending
from services.lending.models import ARRANGEMENTS, LedgerEntry
from services.lending.views import _month
from tenants.registry.models import Role
from tenants.web import (
    MANAGERS,
    coop_api,
    coop_pages,
    current_account_id,
    require_role,
)

api = coop_api("lending_sharing_api", __name__, "/lending",
               description="Agreements between pairs of co-ops, lending terms, rate parts "
                           "and timesheets.")
pages = coop_pages("lending_sharing", __name__, "/lending")
ALL = (*MANAGERS, Role.WORKER)
PART_NAMES = {
    "wage": _l("Wage"), "employer_ni": _l("Employer's National Insurance"),
    "pension": _l("Pension"), "holiday_pay": _l("Holiday pay"), "travel": _l("Travel"),
    "overheads": _l("Overheads"),
}
TERM_FIELDS = {
    "wage": _l("Hourly wage a request starts from (£)"),
    "employer_ni_percent": _l("Employer's National Insurance (% of the wage)"),
    "pension_percent": _l("Employer's pension (% of the wage)"),
    "holiday_percent": _l("Holiday pay (% of the wage)"),
    "overheads_percent": _l("Overheads (% of the wage)"),
    "travel_per_hour": _l("Travel (£ per hour)"),
}


@pages.context_processor
def _names():
    return {"part_names": PART_NAMES, "arrangement_names": pair_agreements.ARRANGEMENT_NAMES,
            "employer_text": pair_agreements.EMPLOYER_TEXT, "vat_note": pair_agreements.VAT_NOTE,
            "reason_names_sharing": pair_agreements.REASONS,
            "timesheet_states": timesheets.STATE_NAMES}


# -- API -------------------------------------------------------------------------------------


@api.get("/sharing-agreements")
@require_role(*MANAGERS)
@api.response(200, schemas.SharingAgreementOut(many=True))
def api_sharing_agreements():
    """The current version of each of the co-op's pair agreements."""
    return pair_agreements.agreements_of(g.coop.id)


@api.get("/sharing-agreements/<int:sharing_id>")
@require_role(*MANAGERS)
@api.response(200, schemas.SharingAgreementOut)
def api_sharing_agreement(sharing_id: int):
    """One version of one of the co-op's pair agreements."""
    return pair_agreements.access(sharing_id, g.coop.id)


@api.post("/sharing-agreements/<int:sharing_id>/accept")
@require_role(Role.ADMIN)
@api.response(200, schemas.SharingAgreementOut)
def api_accept_sharing(sharing_id: int):
    """The co-op's admin accepts the current version (its insurance must be stated)."""
    return pair_agreements.do_accept(sharing_id, g.coop.id, actor=current_account_id())


@api.post("/sharing-agreements/<int:sharing_id>/revise")
@require_role(Role.ADMIN)
@api.arguments(schemas.ReviseIn)
@api.response(201, schemas.SharingAgreementOut)
def api_revise_sharing(data, sharing_id: int):
    """Propose another arrangement (secondment or supply_of_staff): a new version that
    both co-ops' admins must accept before the pair's next loan is confirmed."""
    return pair_agreements.check_revise(sharing_id, g.coop.id, data["arrangement"],
                                        actor=current_account_id())


@api.get("/terms")
@require_role(*MANAGERS)
@api.response(200, schemas.TermsOut)
def api_terms():
    """The co-op's lending terms (the defaults, until it sets its own)."""
    return rates.terms_of(g.coop.id)


@api.put("/terms")
@require_role(Role.ADMIN)
@api.arguments(schemas.TermsIn)
@api.response(200, schemas.TermsOut)
def api_set_terms(data):
    """Set the co-op's lending terms: a pair agreement whose terms change gets a new
    version for both co-ops to accept."""
    return pair_agreements.check_set_terms(g.coop.id, data, actor=current_account_id())


@api.get("/offers/<int:agreement_id>/rate")
@require_role(*MANAGERS)
@api.response(200, schemas.RatePartsOut)
def api_rate(agreement_id: int):
    """An hour of the loan, part by part: fixed at confirmation, quoted before."""
    return rates.quote(lending.access_agreement(agreement_id, coop_id=g.coop.id)).as_dict()


def _timesheet(agreement_id: int):
    lending.access_agreement(agreement_id, coop_id=g.coop.id)
    sheet = timesheets.of(agreement_id)
    if sheet is None:
        raise NotFound(str(_l("No hours have been submitted for this loan yet.")))
    return sheet


@api.get("/offers/<int:agreement_id>/timesheet")
@require_role(*MANAGERS)
@api.response(200, schemas.TimesheetOut)
def api_get_timesheet(agreement_id: int):
    """The loan's timesheet."""
    return _timesheet(agreement_id)


@api.post("/offers/<int:agreement_id>/timesheet")
@require_role(*MANAGERS)
@api.arguments(schemas.TimesheetIn)
@api.response(200, schemas.TimesheetOut)
def api_submit_timesheet(data, agreement_id: int):
    """The lending co-op submits the minutes worked (after the last slot)."""
    return timesheets.check_submit(agreement_id, data["minutes"], note=data.get("note"),
                                   lender_coop_id=g.coop.id, actor=current_account_id())


@api.post("/my-offers/<int:agreement_id>/timesheet")
@require_role(*ALL)
@api.arguments(schemas.TimesheetIn)
@api.response(200, schemas.TimesheetOut)
def api_worker_timesheet(data, agreement_id: int):
    """The worker submits the minutes they worked on their loan."""
    return timesheets.check_submit(agreement_id, data["minutes"], note=data.get("note"),
                                   worker_account_id=current_account_id(),
                                   actor=current_account_id())


@api.post("/offers/<int:agreement_id>/timesheet/approve")
@require_role(*MANAGERS)
@api.response(200, schemas.TimesheetOut)
def api_approve_timesheet(agreement_id: int):
    """The borrowing co-op approves the hours: they are posted to the ledger."""
    return timesheets.do_approve(agreement_id, g.coop.id, actor=current_account_id())


@api.post("/offers/<int:agreement_id>/timesheet/dispute")
@require_role(*MANAGERS)
@api.arguments(schemas.DisputeIn)
@api.response(200, schemas.TimesheetOut)
def api_dispute_timesheet(data, agreement_id: int):
    """The borrowing co-op disputes the hours, saying why; nothing is posted."""
    return timesheets.check_dispute(agreement_id, g.coop.id, data["reason"],
                                    actor=current_account_id())


@api.post("/offers/<int:agreement_id>/timesheet/resolve")
@require_role(*MANAGERS)
@api.arguments(schemas.ResolveIn)
@api.response(200, schemas.TimesheetOut)
def api_resolve_timesheet(data, agreement_id: int):
    """The borrowing co-op records how a dispute was settled; the agreed minutes post."""
    return timesheets.check_resolve(agreement_id, g.coop.id, data["minutes"],
                                    data["resolution"], actor=current_account_id())


@api.get("/ledger/entries")
@require_role(*MANAGERS)
@api.arguments(schemas.EntryQuery, location="query")
@api.response(200, schemas.LedgerEntryOut(many=True))
def api_ledger_entries(query):
    """The month's posted loans, each with its approved minutes and its rate's parts."""
    return ledger.entries(g.coop.id, _month(query["month"]))


# -- pages -----------------------------------------------------------------------------------


def _refused(exc: DomainError) -> dict:
    if exc.status == 404:
        raise exc
    return getattr(exc, "errors", None) or {"form": [str(exc.message)]}


@pages.get("/sharing/")
@require_role(*MANAGERS)
def sharing_index():
    """The co-op's agreements with other co-ops, and whether each side has accepted."""
    rows = pair_agreements.agreements_of(g.coop.id)
    names = {}
    for row in rows:
        names.update(pair_agreements.coop_names(row))
    return render_template("lending/sharing_index.html", rows=rows, names=names,
                           accepted_by=pair_agreements.accepted_by)


def _render_agreement(row, errors=None, status=200):
    return render_template(
        "lending/sharing_agreement.html", row=row, names=pair_agreements.coop_names(row),
        versions=pair_agreements.versions(row), accepted_by=pair_agreements.accepted_by,
        errors=errors or {}, arrangements=ARRANGEMENTS, is_admin=g.coop_role == Role.ADMIN,
    ), status


@pages.get("/sharing/<int:sharing_id>")
@require_role(*MANAGERS)
def sharing_agreement(sharing_id: int):
    """One version of an agreement, to read and (for an admin) accept."""
    return _render_agreement(pair_agreements.access(sharing_id, g.coop.id))


@pages.post("/sharing/<int:sharing_id>/accept")
@require_role(Role.ADMIN)
def accept_sharing(sharing_id: int):
    """Accept the agreement for this co-op."""
    try:
        pair_agreements.do_accept(sharing_id, g.coop.id, actor=current_account_id())
    except DomainError as exc:
        return _render_agreement(pair_agreements.access(sharing_id, g.coop.id),
                                 _refused(exc), 422 if exc.status == 422 else 409)
    flash(_l("Agreement accepted"))
    return redirect(url_for(".sharing_agreement", sharing_id=sharing_id))


@pages.post("/sharing/<int:sharing_id>/revise")
@require_role(Role.ADMIN)
def revise_sharing(sharing_id: int):
    """Propose another arrangement as a new version."""
    try:
        row = pair_agreements.check_revise(sharing_id, g.coop.id,
                                           request.form.get("arrangement", ""),
                                           actor=current_account_id())
    except DomainError as exc:
        return _render_agreement(pair_agreements.access(sharing_id, g.coop.id),
                                 _refused(exc), 422 if exc.status == 422 else 409)
    flash(_l("New version proposed: both co-ops' admins need to accept it"))
    return redirect(url_for(".sharing_agreement", sharing_id=row.id))


def _render_terms(answers, errors=None, status=200):
    return render_template("lending/terms.html", answers=answers, errors=errors or {},
                           fields=TERM_FIELDS, arrangements=ARRANGEMENTS,
                           is_admin=g.coop_role == Role.ADMIN), status


@pages.get("/terms")
@require_role(*MANAGERS)
def terms():
    """The co-op's lending terms: the parts its rate is built from, and its insurance."""
    current = rates.terms_of(g.coop.id)
    return _render_terms({name: getattr(current, name) for name in (
        *TERM_FIELDS, "arrangement", "employers_liability", "public_liability")})


@pages.post("/terms")
@require_role(Role.ADMIN)
def save_terms():
    """Save the co-op's lending terms (an admin only)."""
    names = (*TERM_FIELDS, "arrangement", "employers_liability", "public_liability")
    raw = {name: request.form.get(name, "").strip() for name in names}
    try:
        data = forms.load(schemas.TermsIn(), raw)
        pair_agreements.check_set_terms(g.coop.id, data, actor=current_account_id())
    except ValidationError as exc:
        wording = {name: _field_message(name) for name in names}
        return _render_terms(raw, forms.page_errors(exc, wording, service_words=True), 422)
    flash(_l("Lending terms saved"))
    return redirect(url_for(".terms"))


def _field_message(field: str):
    if field == "arrangement":
        return _l("Choose secondment or supply of staff")
    if field in ("employers_liability", "public_liability"):
        return _l("Use at most 300 characters")
    if field.endswith("_percent"):
        return _l("Enter a percentage from 0 to 100, like 12.07")
    return _l("Enter an amount in pounds, zero or more, like 12.60")


def _render_hours(agreement, errors=None, status=200):
    sheet = timesheets.of(agreement.id)
    return render_template(
        "lending/hours.html", agreement=agreement, sheet=sheet, errors=errors or {},
        parts=rates.quote(agreement), planned=lending.worked_minutes(agreement),
        is_lender=agreement.lender_coop_id == g.coop.id,
        is_borrower=agreement.borrower_coop_id == g.coop.id,
        posted=ledger_entry_for(agreement.id)), status


def ledger_entry_for(agreement_id: int):
    """The loan's ledger entry, if posted."""
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.agreement_id == agreement_id))


def _minutes(form) -> int | None:
    try:
        hours = Decimal(form.get("hours", "0").strip() or "0")
        minutes = int(form.get("mins", "0").strip() or "0")
    except (InvalidOperation, ValueError):
        return None
    if hours < 0 or minutes < 0 or hours != hours.to_integral_value():
        return None
    return int(hours) * 60 + minutes


@pages.route("/offers/<int:agreement_id>/hours", methods=["GET", "POST"])
@require_role(*MANAGERS)
def hours(agreement_id: int):
    """A loan's hours: the lender submits them, the borrower approves or disputes them."""
    agreement = lending.access_agreement(agreement_id, coop_id=g.coop.id)
    if request.method == "GET":
        return _render_hours(agreement)
    action = request.form.get("action", "")
    try:
        if action == "submit":
            minutes = _minutes(request.form)
            if minutes is None:
                raise ValidationError({"minutes": [str(_l(
                    "Enter whole hours and minutes worked, like 3 and 30."))]})
            timesheets.check_submit(agreement.id, minutes, note=request.form.get("note"),
                                    lender_coop_id=g.coop.id, actor=current_account_id())
        elif action == "approve":
            timesheets.do_approve(agreement.id, g.coop.id, actor=current_account_id())
        elif action == "dispute":
            timesheets.check_dispute(agreement.id, g.coop.id, request.form.get("reason", ""),
                                     actor=current_account_id())
        elif action == "resolve":
            minutes = _minutes(request.form)
            if minutes is None:
                raise ValidationError({"minutes": [str(_l(
                    "Enter whole hours and minutes worked, like 3 and 30."))]})
            timesheets.check_resolve(agreement.id, g.coop.id, minutes,
                                     request.form.get("resolution", ""),
                                     actor=current_account_id())
        else:
            raise ValidationError({"action": [str(_l("Choose what to do with the hours."))]})
    except DomainError as exc:
        return _render_hours(agreement, _refused(exc), 422 if exc.status == 422 else 409)
    flash(_l("Hours updated"))
    return redirect(url_for(".hours", agreement_id=agreement.id))


@pages.get("/hours/")
@require_role(*MANAGERS)
def hours_index():
    """Loans whose hours are not yet on the ledger."""
    return render_template("lending/hours_index.html",
                           rows=timesheets.waiting_for(g.coop.id))

