"""Members: the register, member classes and invitations, as pages and as the JSON API.

Views are thin: parse with a schema, make one service call, render or dump the result.
"""

from __future__ import annotations

from datetime import date

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import forms
from core.errors import DomainError, Forbidden, NotFound, ValidationError
from tenants.context import tenant_session
from tenants.members import registers, service, shares
from tenants.members.schemas import (
    InvitationCreateSchema,
    InvitationSchema,
    MemberClassSchema,
    MemberClassUpdateSchema,
    MemberCreateSchema,
    MemberSchema,
    MemberUpdateSchema,
    ShareAccountSchema,
    SharePaymentSchema,
    ShareRequestSchema,
    ShareStepSchema,
    ShareTransactionSchema,
    register_viewer,
)
from tenants.registry.models import Role
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

pages = coop_pages("members", __name__, url_prefix="/members")
api = coop_api("members_api", __name__,
               description="The register of members, member classes and invitations.")
register_nav("members.index", _l("Members"))

PAGE_SIZE = 50



# -- API -------------------------------------------------------------------------------
@api.get("/member-classes")
@require_role(*ALL_ROLES)
@api.response(200, MemberClassSchema(many=True))
@api.paginate(SelectPage)
def api_list_classes():
    """The co-op's member classes."""
    return service.classes_query()


@api.patch("/member-classes/<int:class_id>")
@require_role(Role.ADMIN)
@api.arguments(MemberClassUpdateSchema)
@api.response(200, MemberClassSchema)
def api_update_class(changes, class_id):
    """Change a class's vote, vote cap, minimum shareholding or eligibility (admins)."""
    return service.update_class(tenant_session(), class_id, changes,
                                actor_account_id=current_account_id())


@api.get("/members")
@require_role(*ALL_ROLES)
@api.response(200, MemberSchema(many=True))
@api.paginate(SelectPage)
def api_list_members():
    """The register of members (addresses and emails for admins and coordinators only)."""
    return service.members_query()


@api.post("/members")
@require_role(*MANAGERS)
@api.arguments(MemberCreateSchema)
@api.response(201, MemberSchema)
def api_create_member(data):
    """Add a person to the register."""
    return service.create_member(tenant_session(), data, actor_account_id=current_account_id())


@api.get("/members/<int:member_id>")
@require_role(*ALL_ROLES)
@api.response(200, MemberSchema)
def api_get_member(member_id):
    """One entry in the register."""
    return service.get_member(tenant_session(), member_id)


@api.patch("/members/<int:member_id>")
@require_role(*MANAGERS)
@api.arguments(MemberUpdateSchema)
@api.response(200, MemberSchema)
def api_update_member(data, member_id):
    """Change an entry in the register; set ``left_on`` to mark a member as left."""
    return service.update_member(tenant_session(), member_id, data,
                                 actor_account_id=current_account_id())


@api.post("/invitations")
@require_role(*MANAGERS)
@api.arguments(InvitationCreateSchema)
@api.response(201, InvitationSchema)
def api_invite(data):
    """Email a member a link to sign in and join the co-op's workspace."""
    return service.invite_member(tenant_session(), data["member_id"],
                                 actor_account_id=current_account_id())


def _share_account(member_id: int) -> dict:
    session = tenant_session()
    member = service.get_member(session, member_id)
    if not register_viewer().sees_account_of(member.id):
        raise Forbidden(_("Only the member and the register's keepers see a member's "
                          "share account."))
    held = shares.holding(session, member.id)
    return {"member_id": member.id, "shares": held.shares,
            "amount_paid_pence": held.amount_paid_pence,
            "transactions": shares.transactions(session, member.id)}


@api.get("/members/<int:member_id>/shares")
@require_role(*ALL_ROLES)
@api.response(200, ShareAccountSchema)
def api_share_account(member_id):
    """A member's share account: their own, or anyone's for the register's keepers."""
    return _share_account(member_id)


@api.post("/members/<int:member_id>/share-applications")
@require_role(*MANAGERS)
@api.arguments(ShareRequestSchema)
@api.response(201, ShareTransactionSchema)
def api_apply_for_shares(data, member_id):
    """Record a member's application for shares."""
    return shares.apply_for_shares(tenant_session(), member_id, data["shares"],
                                   applied_on=data["applied_on"] or date.today(),
                                   actor_account_id=current_account_id())


@api.post("/members/<int:member_id>/share-withdrawals")
@require_role(*MANAGERS)
@api.arguments(ShareRequestSchema)
@api.response(201, ShareTransactionSchema)
def api_request_withdrawal(data, member_id):
    """Record a member's request to withdraw shares."""
    return shares.request_withdrawal(tenant_session(), member_id, data["shares"],
                                     applied_on=data["applied_on"] or date.today(),
                                     actor_account_id=current_account_id())


@api.post("/share-transactions/<int:transaction_id>/approval")
@require_role(*MANAGERS)
@api.arguments(ShareStepSchema)
@api.response(200, ShareTransactionSchema)
def api_approve_shares(data, transaction_id):
    """The committee approves an application or withdrawal (under the co-op's rules)."""
    return shares.approve(tenant_session(), transaction_id,
                          approved_on=data["on"] or date.today(),
                          actor_account_id=current_account_id())


@api.post("/share-transactions/<int:transaction_id>/refusal")
@require_role(*MANAGERS)
@api.response(200, ShareTransactionSchema)
def api_refuse_shares(transaction_id):
    """The committee refuses an application or withdrawal."""
    return shares.refuse(tenant_session(), transaction_id, actor_account_id=current_account_id())


@api.post("/share-transactions/<int:transaction_id>/payment")
@require_role(*MANAGERS)
@api.arguments(SharePaymentSchema)
@api.response(200, ShareTransactionSchema)
def api_pay_shares(data, transaction_id):
    """Record the amount paid for approved shares."""
    return shares.record_payment(tenant_session(), transaction_id, data["amount_pence"],
                                 paid_on=data["on"] or date.today(),
                                 actor_account_id=current_account_id())


@api.post("/share-transactions/<int:transaction_id>/allotment")
@require_role(*MANAGERS)
@api.arguments(ShareStepSchema)
@api.response(200, ShareTransactionSchema)
def api_allot_shares(data, transaction_id):
    """Allot paid-for shares to the member."""
    return shares.allot(tenant_session(), transaction_id,
                        allotted_on=data["on"] or date.today(),
                        actor_account_id=current_account_id())


@api.post("/share-transactions/<int:transaction_id>/repayment")
@require_role(*MANAGERS)
@api.arguments(SharePaymentSchema)
@api.response(200, ShareTransactionSchema)
def api_complete_withdrawal(data, transaction_id):
    """Repay an approved withdrawal: the shares leave the member's holding."""
    return shares.complete_withdrawal(tenant_session(), transaction_id, data["amount_pence"],
                                      completed_on=data["on"] or date.today(),
                                      actor_account_id=current_account_id())


# -- pages -----------------------------------------------------------------------------
def is_manager() -> bool:
    """Whether the person may see addresses and change the register."""
    return g.coop_role in MANAGERS


def _form_data(fields: tuple[str, ...]) -> dict:
    """The submitted form as schema input: blank optional fields are left out."""
    lists = tuple(name for name in fields if name == "classes")
    return forms.form_input(request.form, tuple(n for n in fields if n not in lists),
                            lists=lists, numbers=("shares_held",) if "shares_held" in fields
                            else ())


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return forms.page_errors(exc)


def _visibility() -> dict:
    """What the page may show of each entry to the person reading it (s.103)."""
    viewer = register_viewer()

    def account_of(member):
        if not viewer.sees_account_of(member.id):
            return None
        session = tenant_session()
        return {"holding": shares.holding(session, member.id),
                "transactions": shares.transactions(session, member.id)}

    return {"classes_of": lambda m: service.visible_classes(m, viewer),
            "holding_of": lambda m: service.visible_holding(m, viewer),
            "account_of": account_of, "pounds": registers.pounds}


@pages.get("/")
@require_role(*ALL_ROLES)
def index():
    """The register of members, a page at a time."""
    page = max(request.args.get("page", 1, type=int), 1)
    members, total = service.page_of_members(tenant_session(), page, PAGE_SIZE)
    return render_template("members/index.html", members=members, page=page, total=total,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
                           manager=is_manager(), today=date.today(), **_visibility())


@pages.get("/register.csv")
@require_role(*MANAGERS)
def register_csv():
    """The register as CSV, in the layout of the statutory register."""
    body = service.register_csv(tenant_session(), actor_account_id=current_account_id())
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{g.coop.slug}-register.csv"',
        "Cache-Control": "no-store"})


def _locale() -> str:
    chosen = request.args.get("lang", "")
    return chosen if chosen in registers.LOCALES else str(get_locale())


@pages.get("/registers")
@require_role(*MANAGERS)
def society_registers():
    """The registers of members and of officers, printable, in Welsh or English."""
    locale = _locale()
    data = registers.read_registers(tenant_session(), locale,
                                    actor_account_id=current_account_id())
    other = "cy" if locale == "en" else "en"
    with force_locale(locale):
        return render_template("members/registers.html", registers=data,
                               pounds=registers.pounds, locale=locale, other=other)


@pages.get("/registers.csv")
@require_role(*MANAGERS)
def society_registers_csv():
    """The registers of members and of officers as CSV, in Welsh or English."""
    locale = _locale()
    body = registers.registers_csv(tenant_session(), locale,
                                   actor_account_id=current_account_id())
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{g.coop.slug}-registers-{locale}.csv"',
        "Cache-Control": "no-store"})


_MEMBER_FORM = ("display_name", "email", "postal_address", "joined_on", "shares_held",
                "classes")


def _render_member_form(member=None, values=None, errors=None, status=200):
    classes = service.list_classes(tenant_session())
    return render_template("members/form.html", member=member, classes=classes,
                           values=values or {}, errors=errors or {}), status


@pages.route("/new", methods=["GET", "POST"])
@require_role(*MANAGERS)
def new():
    """Add a member to the register."""
    if request.method == "GET":
        return _render_member_form(values={"joined_on": date.today().isoformat(),
                                           "shares_held": "1", "classes": []})
    raw = _form_data(_MEMBER_FORM)
    try:
        member = service.create_member(tenant_session(), forms.load(MemberCreateSchema(), raw),
                                       actor_account_id=current_account_id())
    except ValidationError as exc:
        return _render_member_form(values=raw, errors=_errors(exc), status=422)
    flash(_("%(name)s has been added to the register.", name=member.display_name))
    return redirect(url_for("members.detail", member_id=member.id))


@pages.get("/<int:member_id>")
@require_role(*ALL_ROLES)
def detail(member_id):
    """One member's entry in the register."""
    member = service.get_member(tenant_session(), member_id)
    return render_template("members/detail.html", member=member, manager=is_manager(),
                           today=date.today(), **_visibility())


@pages.route("/<int:member_id>/edit", methods=["GET", "POST"])
@require_role(*MANAGERS)
def edit(member_id):
    """Change a member's entry in the register."""
    member = service.get_member(tenant_session(), member_id)
    if request.method == "GET":
        values = {"display_name": member.display_name, "email": member.email or "",
                  "postal_address": member.postal_address or "",
                  "joined_on": member.joined_on.isoformat(),
                  "shares_held": str(member.shares_held),
                  "classes": [c.code for c in member.classes]}
        return _render_member_form(member, values)
    raw = _form_data(_MEMBER_FORM)
    data = dict(raw)
    for optional in ("email", "postal_address"):
        data.setdefault(optional, None)
    try:
        service.update_member(tenant_session(), member_id,
                              forms.load(MemberUpdateSchema(), data),
                              actor_account_id=current_account_id())
    except ValidationError as exc:
        return _render_member_form(member, raw, _errors(exc), status=422)
    flash(_("The register has been updated."))
    return redirect(url_for("members.detail", member_id=member_id))


@pages.route("/<int:member_id>/leave", methods=["GET", "POST"])
@require_role(*MANAGERS)
def leave(member_id):
    """Record the date a member left."""
    member = service.get_member(tenant_session(), member_id)
    values = {"left_on": date.today().isoformat()}
    errors: dict = {}
    if request.method == "POST":
        values = _form_data(("left_on",))
        try:
            data = forms.load(MemberUpdateSchema(only=("left_on",)), values)
            if data.get("left_on") is None:
                raise ValidationError({"left_on": [_("Enter the date they left.")]})
            service.mark_left(tenant_session(), member_id, data["left_on"],
                              actor_account_id=current_account_id())
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            flash(_("%(name)s has been marked as left.", name=member.display_name))
            return redirect(url_for("members.detail", member_id=member_id))
    return render_template("members/leave.html", member=member, values=values,
                           errors=errors), 422 if errors else 200


@pages.post("/<int:member_id>/invite")
@require_role(*MANAGERS)
def invite(member_id):
    """Email the member a link to sign in."""
    try:
        service.invite_member(tenant_session(), member_id, actor_account_id=current_account_id())
    except ValidationError as exc:
        member = service.get_member(tenant_session(), member_id)
        return render_template("members/detail.html", member=member, manager=True,
                               today=date.today(), errors=_errors(exc), **_visibility()), 422
    flash(_("An invitation is on its way to the member's email address."))
    return redirect(url_for("members.detail", member_id=member_id))


@pages.get("/classes")
@require_role(*ALL_ROLES)
def classes():
    """The co-op's member classes."""
    return render_template("members/classes.html", classes=service.list_classes(
        tenant_session()), admin=g.coop_role == Role.ADMIN)


_CLASS_FORM = ("voting", "vote_cap_pct", "min_shares", "eligibility_en", "eligibility_cy",
               "care_related")


@pages.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_class(class_id):
    """Change a member class (admins)."""
    member_class = service.get_class(tenant_session(), class_id)
    errors: dict = {}
    if request.method == "POST":
        raw = {name: request.form.get(name, "") for name in _CLASS_FORM}
        data = {"voting": raw["voting"] == "yes", "care_related": raw["care_related"] == "yes",
                "vote_cap_pct": raw["vote_cap_pct"].strip() or None,
                "min_shares": raw["min_shares"].strip(),
                "eligibility_en": raw["eligibility_en"],
                "eligibility_cy": raw["eligibility_cy"]}
        try:
            if not (data["min_shares"].isascii() and data["min_shares"].isdigit()
                    and len(data["min_shares"]) <= 9):
                raise ValidationError({"min_shares": [_("Enter a whole number of shares, "
                                                        "like 1.")]})
            data["min_shares"] = int(data["min_shares"])
            service.update_class(tenant_session(), class_id,
                                 forms.load(MemberClassUpdateSchema(), data),
                                 actor_account_id=current_account_id())
        except ValidationError as exc:
            errors = _errors(exc)
            values = raw
        else:
            flash(_("The member class has been updated."))
            return redirect(url_for("members.classes"))
    else:
        values = {"voting": "yes" if member_class.voting else "no",
                  "care_related": "yes" if member_class.care_related else "no",
                  "vote_cap_pct": "" if member_class.vote_cap_pct is None
                  else f"{member_class.vote_cap_pct.normalize():f}",
                  "min_shares": str(member_class.min_shares),
                  "eligibility_en": member_class.eligibility_en,
                  "eligibility_cy": member_class.eligibility_cy}
    if errors:
        return render_template("members/class_form.html", member_class=member_class,
                               values=values, errors=errors), 422
    return render_template("members/class_form.html", member_class=member_class,
                           values=values, errors=errors)


# -- share account (pages) --------------------------------------------------------------
def _detail_with_errors(member_id: int, errors: dict, status: int = 422):
    member = service.get_member(tenant_session(), member_id)
    return render_template("members/detail.html", member=member, manager=is_manager(),
                           today=date.today(), errors=errors, values=request.form,
                           **_visibility()), status


@pages.post("/<int:member_id>/shares")
@require_role(*MANAGERS)
def share_request(member_id):
    """Record an application for shares, or a request to withdraw some."""
    kind = request.form.get("kind", "")
    raw = request.form.get("shares", "").strip()
    try:
        data = forms.load(ShareRequestSchema(), {"shares": forms.whole_number(raw)})
        record = shares.apply_for_shares if kind == "application" else shares.request_withdrawal
        if kind not in ("application", "withdrawal"):
            raise ValidationError({"kind": [_("Choose an application or a withdrawal.")]})
        record(tenant_session(), member_id, data["shares"], applied_on=date.today(),
               actor_account_id=current_account_id())
    except ValidationError as exc:
        return _detail_with_errors(member_id, _errors(exc))
    flash(_("Recorded. The committee approves it next."))
    return redirect(url_for("members.detail", member_id=member_id, _anchor="share-account"))


@pages.post("/<int:member_id>/shares/<int:transaction_id>/<any(approve, refuse, pay, allot, "
            "repay):step>")
@require_role(*MANAGERS)
def share_step(member_id, transaction_id, step):
    """Move a share transaction on: approval, refusal, payment, allotment or repayment."""
    session = tenant_session()
    transaction = shares.get_transaction(session, transaction_id)
    if transaction.member_id != member_id:
        raise NotFound(_("No such share transaction."))
    field = f"amount-{transaction_id}"
    actor = current_account_id()
    try:
        if step == "approve":
            shares.approve(session, transaction_id, approved_on=date.today(),
                           actor_account_id=actor)
        elif step == "refuse":
            shares.refuse(session, transaction_id, actor_account_id=actor)
        elif step == "allot":
            shares.allot(session, transaction_id, allotted_on=date.today(),
                         actor_account_id=actor)
        else:
            pounds = request.form.get(field, "").strip()
            pence = registers.parse_pounds(pounds)
            if pence is None:
                raise ValidationError({field: [_("Enter an amount in pounds, like 10.00.")]})
            if step == "pay":
                shares.record_payment(session, transaction_id, pence, paid_on=date.today(),
                                      actor_account_id=actor)
            else:
                shares.complete_withdrawal(session, transaction_id, pence,
                                           completed_on=date.today(), actor_account_id=actor)
    except ValidationError as exc:
        errors = {field if k == "amount_pence" else k: v for k, v in exc.errors.items()}
        return _detail_with_errors(member_id, errors)
    except DomainError as exc:
        return _detail_with_errors(member_id, {f"step-{transaction_id}": [exc.message]}, 409)
    flash(_("The share account has been updated."))
    return redirect(url_for("members.detail", member_id=member_id, _anchor="share-account"))
