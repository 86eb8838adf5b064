"""The federation admin's pages at ``/admin/``: co-ops, their lifecycle and job status.

Only an account with ``is_federation_admin`` gets in; anyone else, signed in or not,
gets 404, exactly as for a page that does not exist, and the refusal is audited.
"""

from __future__ import annotations

import functools
import math

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import audit, forms
from core.errors import Conflict, NotFound, ValidationError
from federation.admin import service
from federation.api import MAX_PAGE

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

JOB_STATUSES = {
    "queued": _l("Queued"),
    "started": _l("Running"),
    "scheduled": _l("Waiting to retry"),
    "deferred": _l("Waiting"),
    "finished": _l("Finished"),
    "failed": _l("Failed"),
    "stopped": _l("Stopped"),
    "canceled": _l("Cancelled"),
}


def federation_admin_only(view):
    """Let in federation admins only; everyone else gets 404, audited."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        account = current_user.account if current_user.is_authenticated else None
        if account is None or not account.is_federation_admin:
            audit.record_despite_rollback(
                "admin.access_refused", actor_account_id=account.id if account else None,
                outcome="refused", ip=request.remote_addr, endpoint=request.endpoint)
            raise NotFound()
        return view(*args, **kwargs)

    return wrapper


def _current_admin_id() -> int:
    return current_user.account.id


@bp.get("/coops")
@federation_admin_only
def coops():
    """Every co-op, newest first, with its state, provisioning attempts and job status."""
    page = forms.whole_number(request.args.get("page", "1"))
    if not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise ValidationError({"page": [_("Use a page number from 1 to %(max)s.",
                                          max=MAX_PAGE)]})
    rows, total = service.coops_page(page)
    pages = max(1, math.ceil(total / service.PAGE_SIZE))
    if page > pages:
        raise NotFound()
    return render_template("admin/coops.html", rows=rows, total=total, page=page, pages=pages,
                           size=service.PAGE_SIZE, waiting=service.WAITING,
                           job_statuses=JOB_STATUSES)


@bp.post("/coops/<slug>/<any(suspend, reactivate):action>")
@federation_admin_only
def change_state(slug: str, action: str):
    """Suspend an active co-op, or reactivate a suspended one."""
    reason = (request.form.get("reason") or "").strip()[:500] or None
    try:
        coop = service.do_change_state(slug, action, actor_account_id=_current_admin_id(),
                                       reason=reason)
    except Conflict:
        flash(_l("That co-op's state has changed; nothing was done."))
    else:
        flash(_("%(coop)s is suspended", coop=coop.name) if action == "suspend"
              else _("%(coop)s is active again", coop=coop.name))
    return redirect(url_for(".coops", page=request.form.get("page", "1")))


@bp.post("/coops/<slug>/verify-statistics")
@federation_admin_only
def verify_statistics(slug: str):
    """Verify a co-op, so its figures count in pooled statistics (issue 18)."""
    try:
        coop = service.do_verify_statistics(slug, actor_account_id=_current_admin_id())
    except Conflict:
        flash(_l("Only an active co-op can be verified; nothing was done."))
    else:
        flash(_("%(coop)s is verified: its figures count in the next statistics release",
                coop=coop.name))
    return redirect(url_for(".coops", page=request.form.get("page", "1")))


@bp.post("/coops/<slug>/retry")
@federation_admin_only
def retry(slug: str):
    """Queue provisioning again for a co-op whose set-up failed."""
    try:
        coop = service.do_retry_provisioning(slug, actor_account_id=_current_admin_id())
    except Conflict:
        flash(_l("That co-op's state has changed; nothing was done."))
    else:
        flash(_("Set-up of %(coop)s queued again", coop=coop.name))
    return redirect(url_for(".coops", page=request.form.get("page", "1")))
