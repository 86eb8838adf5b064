"""A loan's checks before confirmation (issue 11): API at ``/api/v1/c/<slug>/lending`` and
pages at ``/c/<slug>/lending``.

The borrowing co-op's coordinators and admins record its checks; the lending co-op's
record its attestation of the other Schedule 1 items; the worker shares (or stops
sharing) their DBS certificate number with the borrower. Anything of another co-op is 404.
"""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from core.db import db
from core.errors import DomainError, NotFound, ValidationError
from services.lending import compliance
from services.lending import compliance_schemas as schemas
from services.lending.compliance_models import STATUS_RESULTS
from services.lending.models import LendingAgreement
from tenants.registry.models import Coop, Role
from tenants.web import MANAGERS, coop_api, coop_pages, current_account_id, require_role

api = coop_api("lending_checks_api", __name__, "/lending",
               description="A loan's checks before the borrowing co-op confirms it.")
pages = coop_pages("lending_checks", __name__, "/lending")
ALL = (*MANAGERS, Role.WORKER)
RESULT_NAMES = {"no_change": _l("No change: the certificate is still current"),
                "new_information": _l("New information: the certificate no longer counts")}
FORM_FIELDS = ("item", "checked_on", "checked_by", "result", "note")


# -- API ------------------------------------------------------------------------------------


@api.get("/offers/<int:agreement_id>/checks")
@require_role(*MANAGERS)
@api.response(200, schemas.ChecklistOut)
def api_checklist(agreement_id: int):
    """The loan's checklist: each needed item, what is recorded, and what is missing.

    ``needs_own_dbs_application`` is true when the worker is not on the DBS Update
    Service: the borrower then records its own DBS certificate instead of a status check.
    """
    return compliance.summary(compliance.access(agreement_id, g.coop.id), g.coop.id)


@api.post("/offers/<int:agreement_id>/checks")
@require_role(*MANAGERS)
@api.arguments(schemas.RecordIn)
@api.response(201, schemas.RecordOut)
def api_record(data, agreement_id: int):
    """Record one check (again, to correct it): the borrower its own, the lender its
    attestation. Audited with who recorded it and when."""
    return compliance.check_record_here(agreement_id, g.coop.id, data,
                                        actor=current_account_id())


@api.put("/my-offers/<int:agreement_id>/dbs-share")
@require_role(*ALL)
@api.arguments(schemas.ShareIn)
@api.response(200, schemas.ShareOut)
def api_share(data, agreement_id: int):
    """The worker consents to share their DBS certificate number with this offer's
    borrowing co-op, for an Update Service status check. Audited; revocable."""
    return compliance.check_share_dbs(agreement_id, current_account_id(),
                                      data["certificate_number"])


@api.delete("/my-offers/<int:agreement_id>/dbs-share")
@require_role(*ALL)
@api.response(200, schemas.ShareOut)
def api_revoke(agreement_id: int):
    """The worker stops sharing the number with that co-op; it is cleared at once."""
    return compliance.do_revoke_share(agreement_id, current_account_id())


# -- pages ----------------------------------------------------------------------------------


def _form_data(form) -> tuple[dict, dict]:
    """(data, errors) from the posted form: the date parsed, empty fields as None."""
    data = {name: (form.get(name) or "").strip() or None for name in FORM_FIELDS}
    errors: dict[str, list[str]] = {}
    if data["checked_on"]:
        try:
            data["checked_on"] = date.fromisoformat(data["checked_on"])
        except ValueError:
            data["checked_on"] = None
            errors = {**compliance.field_errors(data),
                      "checked_on": [str(_l("Give the date as YYYY-MM-DD."))]}
    return data, errors


def _render(agreement, answers: dict, errors: dict):
    items = compliance.items_for(agreement, g.coop.id)
    return render_template(
        "lending/checks.html", agreement=agreement,
        summary=compliance.summary(agreement, g.coop.id), items=items,
        item_choices=[(i, compliance.ITEM_NAMES[i]) for i in items],
        item_names=compliance.ITEM_NAMES,
        results=[(r, RESULT_NAMES[r]) for r in STATUS_RESULTS], result_names=RESULT_NAMES,
        answers=answers,
        errors={k: v if isinstance(v, list) else [v] for k, v in errors.items()},
        is_borrower=g.coop.id == agreement.borrower_coop_id), (422 if errors else 200)


@pages.get("/offers/<int:agreement_id>/checks")
@require_role(*MANAGERS)
def checks(agreement_id: int):
    """The loan's checklist, with a form for the checks this co-op records."""
    return _render(compliance.access(agreement_id, g.coop.id), {}, {})


@pages.post("/offers/<int:agreement_id>/checks")
@require_role(*MANAGERS)
def record(agreement_id: int):
    """Record one check from the checklist page; errors are shown beside their fields."""
    agreement = compliance.access(agreement_id, g.coop.id)
    data, errors = _form_data(request.form)
    if not errors:
        try:
            compliance.check_record_here(agreement_id, g.coop.id, data,
                                         actor=current_account_id())
        except ValidationError as exc:
            errors = exc.errors
        except DomainError as exc:
            if exc.status == 404:
                raise
            errors = {"item": [exc.message]}
        else:
            flash(_l("Check recorded"))
            return redirect(url_for(".checks", agreement_id=agreement_id))
    return _render(agreement, request.form, errors)


@pages.route("/my-offers/<int:agreement_id>/dbs-share", methods=["GET", "POST"])
@require_role(*ALL)
def share(agreement_id: int):
    """The worker shares (or stops sharing) their DBS certificate number with the borrower."""
    agreement = db.session.get(LendingAgreement, agreement_id)
    if agreement is None or agreement.worker_account_id != current_account_id():
        raise NotFound()
    errors: dict = {}
    if request.method == "POST":
        try:
            if request.form.get("action") == "revoke":
                compliance.do_revoke_share(agreement_id, current_account_id())
                flash(_l("You no longer share your DBS certificate number with that co-op."))
            else:
                compliance.check_share_dbs(agreement_id, current_account_id(),
                                           request.form.get("certificate_number", ""))
                flash(_l("Your DBS certificate number is shared with that co-op."))
            return redirect(url_for(".share", agreement_id=agreement_id))
        except ValidationError as exc:
            errors = exc.errors
    return render_template("lending/dbs_share.html", agreement=agreement,
                           borrower=db.session.get(Coop, agreement.borrower_coop_id),
                           shared=compliance.live_share(agreement) is not None,
                           answers=request.form, errors=errors), (422 if errors else 200)


@pages.app_context_processor
def _missing_checks():
    """``lending_missing(agreement)`` for the request and lending pages' offer lines."""
    return {"lending_missing": compliance.missing_items}
