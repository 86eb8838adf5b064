"""Direct Payment pool pages at ``/c/<slug>/pool/`` and its API under ``/api/v1/c/<slug>/pool``.

Coordinators and admins manage the pool; a member sees only their own statement. The pool
works in any co-op, but only Direct Payment pooling co-ops show it in the navigation.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import forms
from core.errors import NotFound, ValidationError
from core.timeutil import local_now
from tenants.clients.models import Client
from tenants.context import tenant_session
from tenants.members.models import Member
from tenants.payments import schemas, service
from tenants.payments.models import DpPoolMember
from tenants.registry.models import CoopType, Role
from tenants.web import (
    MANAGERS,
    SelectPage,
    coop_api,
    coop_pages,
    current_account_id,
    register_nav,
    require_role,
)

pages = coop_pages("payments", __name__, "/pool")
api = coop_api("payments_api", __name__, "/pool", description="Direct Payment pool ledger")

MEMBERS = (Role.MEMBER,)
MANAGE_OR_MEMBER = (*MANAGERS, Role.MEMBER)
FIELD_MESSAGES = {
    "member_id": _l("Choose a member"),
    "client_id": _l("Choose a client"),
    "weekly_budget": _l("Enter a weekly budget in pounds, like 350.00"),
    "hourly_rate": _l("Enter an hourly rate in pounds, more than 0, like 21.50"),
    "starts_on": _l("Enter a start date, like 2026-11-23"),
    "amount": _l("Enter an amount in pounds, like -12.50 or 20.00"),
    "entry_date": _l("Enter a date, like 2026-11-23"),
    "description": _l("Enter a reason of up to 200 characters"),
    "week": _l("Enter a date in the week, like 2026-11-23"),
}


register_nav("payments.index", _l("Direct Payment pool"), MANAGE_OR_MEMBER,
             coop_types=(CoopType.DP_POOL,))



def _viewer_account() -> int | None:
    """The account a member is limited to; None for managers, who see every member."""
    return current_account_id() if g.coop_role == Role.MEMBER else None


def _period(args) -> tuple[date, date]:
    return service.statement_period(args.get("month"), args.get("from_"), args.get("to"))


# -- API ------------------------------------------------------------------------------------


@api.route("/members", methods=["GET"])
@api.response(200, schemas.PoolMemberSchema(many=True))
@api.paginate(SelectPage, page_size=50, max_page_size=500)
@require_role(*MANAGERS)
def api_members():
    """Pool members."""
    return service.pool_members_stmt()


@api.route("/members", methods=["POST"])
@api.arguments(schemas.PoolMemberCreateSchema)
@api.response(201, schemas.PoolMemberSchema)
@require_role(*MANAGERS)
def api_create_member(data):
    """Add a member to the pool."""
    return service.check_create_pool_member(data, actor_account_id=current_account_id())


@api.route("/members/<int:pool_member_id>/adjustments", methods=["POST"])
@api.arguments(schemas.AdjustmentSchema)
@api.response(201, schemas.EntrySchema)
@require_role(*MANAGERS)
def api_adjust(data, pool_member_id: int):
    """Add an adjustment to a member's account."""
    return service.check_add_adjustment(pool_member_id, data, actor_account_id=current_account_id())


@api.route("/post", methods=["POST"])
@api.arguments(schemas.PostSchema)
@api.response(200, schemas.PostedSchema)
@require_role(*MANAGERS)
def api_post(data):
    """Post a week's budget credits and the care of completed visits up to its Sunday."""
    return _post(data["week"])


def _post(week: date) -> dict:
    sunday = service.week_start(week).toordinal() + 6
    return {"budget_credits": service.do_post_budgets(week, actor_account_id=current_account_id()),
            "care_debits": service.do_post_care(actor_account_id=current_account_id(),
                                                until=date.fromordinal(sunday))}


@api.route("/members/<int:pool_member_id>/statement", methods=["GET"])
@api.arguments(schemas.StatementQuerySchema, location="query")
@api.response(200, schemas.StatementSchema)
@require_role(*MANAGE_OR_MEMBER)
def api_statement(args, pool_member_id: int):
    """A member's statement for a month (``month``) or whole weeks (``from``, ``to``)."""
    pool_member = service.access_pool_member(pool_member_id, account_id=_viewer_account())
    start, end = _period(args)
    return service.statement(pool_member, start, end)


# -- pages ------------------------------------------------------------------------------------


def _form(schema, keep) -> dict:
    return forms.load(schema, forms.form_input(request.form, keep))


def _page_errors(exc: ValidationError) -> dict[str, list[str]]:
    return forms.page_errors(exc, FIELD_MESSAGES, service_words=True)


def _index_page(errors=None, status=200):
    session = tenant_session()
    pooled = set(session.scalars(select(DpPoolMember.member_id)))
    members = [(m.id, m.display_name) for m in session.execute(
        select(Member.id, Member.display_name).order_by(Member.display_name)) if m.id not in pooled]
    clients = session.execute(select(Client.id, Client.display_name)
                              .order_by(Client.display_name)).all()
    today = local_now().date()
    return render_template("payments/index.html", rows=service.pool_overview(today),
                           errors=errors or {}, form=request.form, members=members,
                           clients=clients, this_week=service.week_start(today)), status


@pages.get("/")
@require_role(*MANAGE_OR_MEMBER)
def index():
    """Managers: every pool member's budget, rate, hours and balance. Members: their statement."""
    if g.coop_role == Role.MEMBER:
        own = service.pool_member_for_account(current_account_id())
        if own is None:
            raise NotFound()
        return redirect(url_for("payments.statement", pool_member_id=own.id))
    return _index_page()


@pages.post("/members")
@require_role(*MANAGERS)
def add_member():
    """Add a member to the pool."""
    try:
        data = _form(schemas.PoolMemberCreateSchema(),
                     ("member_id", "client_id", "weekly_budget", "hourly_rate", "starts_on"))
        service.check_create_pool_member(data, actor_account_id=current_account_id())
    except ValidationError as exc:
        tenant_session().rollback()
        return _index_page(_page_errors(exc), 422)
    flash(_("Member added to the pool"))
    return redirect(url_for("payments.index"))


@pages.post("/post")
@require_role(*MANAGERS)
def post():
    """Post a week's budgets and care to the ledger."""
    try:
        data = _form(schemas.PostSchema(), ("week",))
    except ValidationError as exc:
        return _index_page(_page_errors(exc), 422)
    done = _post(data["week"])
    flash(_("Posted %(budget)s budget credits and %(care)s care visits",
            budget=done["budget_credits"], care=done["care_debits"]))
    return redirect(url_for("payments.index"))


def _statement_args() -> dict:
    try:
        return forms.load(schemas.StatementQuerySchema(), request.args)
    except ValidationError as exc:
        raise ValidationError({k.rstrip("_"): v for k, v in exc.errors.items()}) from None


def _default_month(args: dict) -> dict:
    if not args.get("month") and not args.get("from_"):
        args["month"] = local_now().date().strftime("%Y-%m")
    return args


def _statement_page(pool_member, args: dict, errors=None, status=200):
    start, end = _period(args)
    query = {k.rstrip("_"): (v.isoformat() if isinstance(v, date) else v)
             for k, v in args.items()}
    return render_template("payments/statement.html",
                           st=service.statement(pool_member, start, end), query=query,
                           is_manager=g.coop_role != Role.MEMBER, errors=errors or {},
                           form=request.form, today=local_now().date()), status


@pages.get("/<int:pool_member_id>/statement")
@require_role(*MANAGE_OR_MEMBER)
def statement(pool_member_id: int):
    """A member's statement for a month or whole weeks, with a CSV for the council."""
    pool_member = service.access_pool_member(pool_member_id, account_id=_viewer_account())
    return _statement_page(pool_member, _default_month(_statement_args()))


@pages.get("/<int:pool_member_id>/statement.csv")
@require_role(*MANAGE_OR_MEMBER)
def statement_csv(pool_member_id: int):
    """The statement as CSV."""
    pool_member = service.access_pool_member(pool_member_id, account_id=_viewer_account())
    start, end = _period(_default_month(_statement_args()))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(service.statement_rows(service.statement(pool_member, start,
                                                                          end)))
    filename = f"pool-statement-{pool_member.id}-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@pages.post("/<int:pool_member_id>/adjustments")
@require_role(*MANAGERS)
def adjust(pool_member_id: int):
    """Add an adjustment, then show the statement."""
    try:
        data = _form(schemas.AdjustmentSchema(), ("amount", "entry_date", "description"))
        service.check_add_adjustment(pool_member_id, data, actor_account_id=current_account_id())
    except ValidationError as exc:
        tenant_session().rollback()
        pool_member = service.access_pool_member(pool_member_id)
        return _statement_page(pool_member, _default_month({}), _page_errors(exc), 422)
    flash(_("Adjustment added"))
    return redirect(url_for("payments.statement", pool_member_id=pool_member_id))
