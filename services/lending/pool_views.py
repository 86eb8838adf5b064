"""The worker pool in a co-op's workspace: ``/c/<slug>/worker-pool`` and its API.

A care worker opts in or withdraws, answers offers, sees "my shifts" (home visits and
lent slots together) and the open shifts board. Coordinators approve consents; admins
choose whether the co-op joins the pool at all.

The page puts the pool and staff lending side by side, so it lives here, in the package
that builds on the pool (``services.pool`` keeps the profiles and never imports lending).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import marshmallow as ma
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from core.db import db
from core.errors import NotFound
from core.timeutil import local_now
from services.lending import notices
from services.lending import service as lending
from services.lending.views import STATE_NAMES, act
from services.pool.service import do_leave_pool
from tenants.context import tenant_session
from tenants.lending import awaiting
from tenants.lending import service as consent
from tenants.registry.models import Role
from tenants.registry.service import set_sharing
from tenants.web import (
    MANAGERS,
    StrictSchema,
    coop_api,
    coop_pages,
    current_account_id,
    register_nav,
    require_role,
)
from tenants.workforce.service import worker_for_account

pages = coop_pages("pool", __name__, "/worker-pool")
api = coop_api("pool_api", __name__, "/worker-pool", description="The worker pool: consent.")
ALL = (*MANAGERS, Role.WORKER)

register_nav("pool.index", _l("Worker pool"), ALL)


class ConsentIn(StrictSchema):
    """The worker's explicit statement of consent."""

    i_consent = ma.fields.Boolean(required=True, validate=validate.Equal(True),
                                  metadata={"description": "Must be true: consent is explicit"})


class ConsentOut(ma.Schema):
    """A worker's pool consent."""

    id = ma.fields.Integer()
    worker_id = ma.fields.Integer()
    state = ma.fields.String()


@pages.context_processor
def _names():
    return {"state_names_lending": STATE_NAMES, "worker_states": notices.WORKER_STATES}


def _own_worker():
    worker = worker_for_account(current_account_id())
    if worker is None:
        raise NotFound(gettext("You have no worker record in this co-op."))
    return worker


# -- API -------------------------------------------------------------------------------------


@api.post("/consent")
@require_role(*ALL)
@api.arguments(ConsentIn)
@api.response(201, ConsentOut)
def api_opt_in(_data):
    """The signed-in worker opts into the pool (a coordinator then approves)."""
    return consent.do_opt_in(tenant_session(), _own_worker(), actor=current_account_id())


@api.delete("/consent/<int:consent_id>")
@require_role(*ALL)
@api.response(200, ConsentOut)
def api_withdraw(consent_id: int):
    """The signed-in worker withdraws their consent; they leave the pool within one relay
    cycle. Another person's consent answers 404."""
    worker = _own_worker()
    live = consent.live_consent(tenant_session(), worker.id)
    if live is None or live.id != consent_id:
        raise NotFound()
    return consent.do_withdraw(tenant_session(), worker, actor=current_account_id())


@api.get("/consents")
@require_role(*MANAGERS)
@api.response(200, ConsentOut(many=True))
@api.paginate()
def api_consents(pagination_parameters):
    """Consents not withdrawn, those awaiting approval first."""
    found = [c for c, _w in consent.consents(tenant_session())]
    pagination_parameters.item_count = len(found)
    first = pagination_parameters.first_item
    return found[first:first + pagination_parameters.page_size]


@api.post("/consents/<int:consent_id>/approve")
@require_role(*MANAGERS)
@api.response(200, ConsentOut)
def api_approve(consent_id: int):
    """Approve a worker's consent; their minimal profile is then published."""
    return consent.do_approve_consent(tenant_session(), consent_id, actor=current_account_id())


# -- pages -----------------------------------------------------------------------------------


def _my_shifts(session, worker, start, end):
    """Home visits and lent slots from the rota, with loans still awaiting confirmation."""
    if worker is None:
        return []
    shifts = consent.my_shifts(session, worker, start, end,
                               g.coop.display_name(str(get_locale())))
    projected = {s.agreement_id for s in shifts if s.agreement_id is not None}
    shifts += awaiting.unprojected(current_account_id(), g.coop.id, start, end, projected)
    return sorted(shifts, key=lambda s: s.starts_at)


@pages.get("/")
@require_role(*ALL)
def index():
    """The worker's consent, offers, shifts and board; coordinators' approvals."""
    session = tenant_session()
    worker = worker_for_account(current_account_id())
    now = local_now()
    start = datetime.combine(now.date(), time())
    context = {
        "worker": worker,
        "consent": consent.live_consent(session, worker.id) if worker else None,
        "shifts": _my_shifts(session, worker, start, start + timedelta(days=14)),
        "offers": [(a, notices.describe(a, str(get_locale())))
                   for a in lending.offers_for_worker(current_account_id())
                   if a.lender_coop_id == g.coop.id],
        "board": lending.board_for(current_account_id()),
        "consents": consent.consents(session) if g.coop_role in MANAGERS else [],
        "is_admin": g.coop_role == Role.ADMIN,
        "notifications": lending.notifications_for(current_account_id()),
    }
    return render_template("pool/index.html", **context)


def _act(action, done_message):
    return act(action, done_message, url_for(".index"))


@pages.post("/consent")
@require_role(*ALL)
def opt_in():
    """Opt into the pool."""
    return _act(lambda: consent.do_opt_in(tenant_session(), _own_worker(),
                                          actor=current_account_id()),
                _l("You have opted in. A coordinator will approve it."))


@pages.post("/consent/withdraw")
@require_role(*ALL)
def withdraw():
    """Withdraw from the pool."""
    return _act(lambda: consent.do_withdraw(tenant_session(), _own_worker(),
                                            actor=current_account_id()),
                _l("You have left the pool."))


@pages.post("/consents/<int:consent_id>/approve")
@require_role(*MANAGERS)
def approve(consent_id: int):
    """Approve a worker's consent."""
    return _act(lambda: consent.do_approve_consent(tenant_session(), consent_id,
                                                   actor=current_account_id()),
                _l("Consent approved"))


@pages.post("/joins")
@require_role(Role.ADMIN)
def joins():
    """The admin chooses whether the co-op joins the pool."""
    choice = request.form.get("joins") == "y"
    set_sharing(g.coop.id, actor_account_id=current_account_id(), joins_worker_pool=choice)
    if not choice:
        do_leave_pool(g.coop.id)
    else:
        consent.do_request_refresh(tenant_session(), actor=current_account_id())
    db.session.flush()
    flash(_l("Saved"))
    return redirect(url_for(".index"))


def _own_offer(agreement_id: int):
    """An offer made to the signed-in worker through this co-op, once they have heard of it
    (their co-op agreed, or they offered themselves); anything else is 404."""
    agreement = lending.access_agreement(agreement_id, account_id=current_account_id())
    if agreement.lender_coop_id != g.coop.id or not notices.worker_knows(agreement):
        raise NotFound()
    return agreement


@pages.get("/offers/<int:agreement_id>")
@require_role(*ALL)
def offer(agreement_id: int):
    """One offer as the worker reads it: area, times, pay per hour, status, deadline."""
    agreement = _own_offer(agreement_id)
    return render_template("pool/offer.html", offer=agreement,
                           facts=notices.describe(agreement, str(get_locale())))


@pages.post("/offers/<int:agreement_id>/<any(accept, refuse):action>")
@require_role(*ALL)
def answer(agreement_id: int, action: str):
    """The worker accepts or refuses an offer; they return to the offer's page."""
    return act(lambda: lending.do_worker_respond(_own_offer(agreement_id).id,
                                                 current_account_id(), action == "accept"),
               _l("Thank you: your answer was sent"), url_for(".offer", agreement_id=agreement_id))


@pages.post("/board/<int:request_id>")
@require_role(*ALL)
def volunteer(request_id: int):
    """A pooled worker offers to take a shift from the open board."""
    return _act(lambda: lending.check_volunteer(request_id, current_account_id()),
                _l("Your offer was sent to your co-op for approval"))
