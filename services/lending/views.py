"""Lending API at ``/api/v1/c/<slug>/lending`` and pages at ``/c/<slug>/lending``.

Coordinators and admins post requests, offer them, approve or decline offers to their
co-op, confirm, complete and cancel; a care worker answers their own offers. Anything
belonging to another co-op answers 404.
"""

from __future__ import annotations

from datetime import date

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_smorest.pagination import Page
from sqlalchemy import func, select

from core.db import db
from core.errors import DomainError, ValidationError
from core.timeutil import local_now
from services.lending import ledger, notices, rates, schemas, service
from tenants.registry.models import Role
from tenants.web import (
    MANAGERS,
    coop_api,
    coop_pages,
    current_account_id,
    register_nav,
    require_role,
)

api = coop_api("lending_api", __name__, "/lending",
               description="Lending staff between co-ops: requests, offers, ledger.")
pages = coop_pages("lending", __name__, "/lending")
ALL = (*MANAGERS, Role.WORKER)

register_nav("lending.index", _l("Lending"), MANAGERS)

STATE_NAMES = {
    "open": _l("Open"), "filled": _l("Filled"), "cancelled": _l("Cancelled"),
    "expired": _l("Expired"), "offered": _l("Waiting for the lending co-op"),
    "approved": _l("Waiting for the worker"), "accepted": _l("Accepted by the worker"),
    "confirmed": _l("Confirmed"), "completed": _l("Completed"), "declined": _l("Declined"),
}
REASON_NAMES = {
    "continuity": _l("Has worked for this client before"),
    "distance_km": _l("Distance (km)"),
    "reciprocity_hours": _l("Hours their co-op owes us"),
    "recent_lends": _l("Loans in the last 90 days"),
    "asked_not": _l("The person asked not to have this worker"),
}


@pages.context_processor
def _names():
    return {"state_names_lending": STATE_NAMES, "reason_names": REASON_NAMES}


class FederationPage(Page):
    """Pages through a Select on the federation's session."""

    @property
    def items(self):
        params = self.page_params
        return list(db.session.scalars(self.collection.offset(params.first_item)
                                       .limit(params.page_size)))

    @property
    def item_count(self):
        return db.session.scalar(select(func.count()).select_from(
            self.collection.order_by(None).subquery()))


def _month(text: str | None) -> date:
    if not text:
        today = local_now().date()
        return today.replace(day=1)
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValidationError({"month": [_l("Enter a month like 2026-11.")]}) from None


# -- API -------------------------------------------------------------------------------------


@api.post("/requests")
@require_role(*MANAGERS)
@api.arguments(schemas.RequestIn)
@api.response(201, schemas.RequestOut)
def api_create_request(data):
    """Post a request for cover (slots, area, skills, Welsh, rate; never a client).

    ``client_id`` names one of the co-op's own clients: it stays in the co-op's store,
    and only the refs of lent workers who served that client before go out as a hint.
    """
    return service.check_create_request_here(g.coop.id, data, actor=current_account_id())


@api.get("/requests")
@require_role(*MANAGERS)
@api.response(200, schemas.RequestOut(many=True))
@api.paginate(FederationPage)
def api_list_requests():
    """The co-op's requests, newest first; paged."""
    return service.requests_stmt(g.coop.id)


@api.get("/requests/<int:request_id>")
@require_role(*MANAGERS)
@api.response(200, schemas.RequestOut)
def api_get_request(request_id: int):
    """One of the co-op's requests."""
    return service.access_request(request_id, g.coop.id)


@api.get("/requests/<int:request_id>/candidates")
@require_role(*MANAGERS)
@api.response(200, schemas.CandidateOut(many=True))
def api_candidates(request_id: int):
    """The top five eligible workers, best first, with the reasons for each rank."""
    return service.candidates(request_id, g.coop.id)


@api.post("/requests/<int:request_id>/offers")
@require_role(*MANAGERS)
@api.arguments(schemas.OfferIn)
@api.response(201, schemas.AgreementOut)
def api_offer(data, request_id: int):
    """Offer the request to an eligible worker's co-op."""
    return service.check_offer(request_id, g.coop.id, data["worker_ref"],
                               actor=current_account_id())


@api.post("/requests/<int:request_id>/cancel")
@require_role(*MANAGERS)
@api.response(200, schemas.RequestOut)
def api_cancel_request(request_id: int):
    """Cancel a request and its live offers."""
    return service.do_cancel_request(request_id, g.coop.id, actor=current_account_id())


@api.get("/offers")
@require_role(*MANAGERS)
@api.response(200, schemas.AgreementOut(many=True))
@api.paginate(FederationPage)
def api_incoming():
    """Offers to lend this co-op's workers, live ones first; paged."""
    return service.incoming_stmt(g.coop.id)


_MANAGER_ACTIONS = {
    "approve": lambda a: service.do_lender_decide_here(a, g.coop.id, True,
                                                       actor=current_account_id()),
    "decline": lambda a: service.do_lender_decide_here(a, g.coop.id, False,
                                                       actor=current_account_id()),
    "confirm": lambda a: service.do_confirm(a, g.coop.id, actor=current_account_id()),
    "complete": lambda a: service.do_complete(a, g.coop.id, actor=current_account_id()),
    "cancel": lambda a: service.do_cancel(a, g.coop.id, actor=current_account_id()),
}
_WORKER_ACTIONS = {
    "accept": lambda a: service.do_worker_respond(a, current_account_id(), True),
    "refuse": lambda a: service.do_worker_respond(a, current_account_id(), False),
}


@api.post("/offers/<int:agreement_id>/<any(approve, decline, confirm, complete, cancel):action>")
@require_role(*MANAGERS)
@api.response(200, schemas.AgreementOut)
def api_manage_offer(agreement_id: int, action: str):
    """Lender: approve or decline. Borrower: confirm, complete. Either: cancel."""
    return _MANAGER_ACTIONS[action](agreement_id)


@api.post("/my-offers/<int:agreement_id>/<any(accept, refuse):action>")
@require_role(*ALL)
@api.response(200, schemas.AgreementOut)
def api_worker_offer(agreement_id: int, action: str):
    """A worker accepts or refuses an offer made to them."""
    return _WORKER_ACTIONS[action](agreement_id)


@api.get("/ledger")
@require_role(*MANAGERS)
@api.arguments(schemas.LedgerQuery, location="query")
@api.response(200, schemas.StatementOut(many=True))
def api_ledger(query):
    """The month's statements, netted per pair of co-ops."""
    return ledger.statements(g.coop.id, _month(query["month"]))


# -- pages -----------------------------------------------------------------------------------


@pages.get("/")
@require_role(*MANAGERS)
def index():
    """The co-op's requests, offers to lend its staff, and notifications."""
    requests = db.session.scalars(service.requests_stmt(g.coop.id).limit(50)).all()
    locale = str(get_locale())
    return render_template("lending/index.html", requests=requests,
                           to_confirm=[(a, notices.describe(a, locale))
                                       for a in service.awaiting_confirmation(g.coop.id)],
                           incoming=service.incoming(g.coop.id),
                           notifications=service.notifications_for(
                               current_account_id(), g.coop.id))


@pages.route("/requests/new", methods=["GET", "POST"])
@require_role(*MANAGERS)
def new_request():
    """Ask neighbouring co-ops for cover."""
    from services.lending import forms

    if request.method == "GET":
        return forms.render_request_form({"la_code": g.coop.la_code, "rate": "12.60"}, {})
    data, errors = forms.parse_request_form(request.form)
    if not errors:
        try:
            created = service.check_create_request_here(g.coop.id, data,
                                                        actor=current_account_id())
        except DomainError as exc:
            errors = forms.page_errors(getattr(exc, "errors", {"slots": [exc.message]}))
        else:
            flash(_l("Request posted"))
            return redirect(url_for(".request_detail", request_id=created.id))
    return forms.render_request_form(request.form, errors)


@pages.get("/requests/<int:request_id>")
@require_role(*MANAGERS)
def request_detail(request_id: int):
    """A request, its offers, and the best candidates with their reasons."""
    lending_request = service.access_request(request_id, g.coop.id)
    agreements = service.agreements_of(request_id)
    return render_template("lending/request.html", item=lending_request,
                           candidates=service.candidates(request_id, g.coop.id),
                           agreements=agreements, quotes=rates.quotes_for(agreements),
                           rule_messages=service.RULE_MESSAGES)


@pages.post("/requests/<int:request_id>/offer")
@require_role(*MANAGERS)
def offer(request_id: int):
    """Offer the request to one candidate's co-op."""
    try:
        service.check_offer(request_id, g.coop.id, request.form.get("worker_ref", ""),
                            actor=current_account_id())
        flash(_l("Offer sent to the worker's co-op"))
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(_l("The offer could not be made: %(reason)s", reason=str(exc)))
    return redirect(url_for(".request_detail", request_id=request_id))



def act(action, done_message, back: str):
    """Do what a page's button asks: flash ``done_message``, or why it could not be done (a
    404 stays a 404), then go ``back``."""
    try:
        action()
        flash(done_message)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(_l("That could not be done: %(reason)s", reason=str(exc)))
    return redirect(back)

@pages.post("/offers/<int:agreement_id>/<any(approve, decline, confirm, complete, cancel):action>")
@require_role(*MANAGERS)
def manage_offer(agreement_id: int, action: str):
    """Act on an offer from the lending page."""
    return act(lambda: _MANAGER_ACTIONS[action](agreement_id), _l("Offer updated"),
               url_for(".index"))


@pages.get("/ledger")
@require_role(*MANAGERS)
def ledger_page():
    """The month's recharge statements, with the all-time reciprocity balance per co-op."""
    month = _month(request.args.get("month"))
    rows = ledger.statements(g.coop.id, month)
    balances = {s.other_coop_id: ledger.balance_minutes(g.coop.id, s.other_coop_id) / 60
                for s in rows}
    return render_template("lending/ledger.html", month=month, rows=rows, balances=balances,
                           entries=ledger.entries(g.coop.id, month))


@pages.get("/ledger.csv")
@require_role(*MANAGERS)
def ledger_csv():
    """The month's statements as CSV."""
    month = _month(request.args.get("month"))
    return Response(ledger.statements_csv(g.coop.id, month), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f"attachment; filename=ledger-{month:%Y-%m}.csv"})
