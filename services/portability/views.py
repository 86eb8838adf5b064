"""Pages of data portability.

- ``/c/<slug>/settings/data``: a co-op admin exports everything the co-op holds (a job
  with a progress bar; the archive downloads once), and starts or cancels leaving.
- ``/c/<slug>/settings/data/subject-access``: a coordinator produces a subject-access
  archive for a member or worker who has no account.
- ``/my-data``: a signed-in person downloads everything held about them.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from core import forms
from core.errors import DomainError
from services.portability import leaving, service
from tenants.context import tenant_session
from tenants.members.models import Member
from tenants.registry.models import Role
from tenants.web import MANAGERS, coop_pages, current_account_id, register_nav, require_role
from tenants.workforce.models import Worker

pages = coop_pages("portability", __name__, "/settings/data")
bp = Blueprint("my_data", __name__, url_prefix="/my-data", template_folder="templates")

register_nav("portability.index", _l("Our data"), (Role.ADMIN,))
register_nav("portability.subject_access", _l("Subject access"), (Role.COORDINATOR,))

STATE_NAMES = {
    "queued": _l("Waiting to start"), "running": _l("Being prepared"),
    "ready": _l("Ready to download"), "downloaded": _l("Downloaded"),
    "failed": _l("Failed"), "expired": _l("Expired"),
}


@pages.context_processor
def _names():
    return {"job_state_names": STATE_NAMES}


@bp.context_processor
def _my_names():
    return {"job_state_names": STATE_NAMES}


def _status(job) -> dict:
    return {"id": job.id, "state": job.state, "progress": job.progress,
            "state_name": str(STATE_NAMES[job.state])}


def _download(job, back: str):
    """Send the archive once; the file is removed when the response closes.

    A download that cannot be given (already taken, not ready) says why on ``back``;
    a job that is not this person's stays a 404.
    """
    # The request boundary commits "downloaded" (after_request) before the bytes leave.
    try:
        path = service.do_take_download(job, current_account_id())
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(str(exc))
        return redirect(url_for(back))
    response = send_file(path, as_attachment=True, download_name=path.name.split("-", 2)[0]
                         + f"-{job.id}.zip", mimetype="application/zip")
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    return response


# -- the co-op admin ---------------------------------------------------------------------


@pages.get("/")
@require_role(Role.ADMIN)
def index():
    """Export the co-op's data; leave the federation."""
    return render_template("portability/index.html", jobs=service.jobs_of_coop(g.coop.id),
                           leaving=leaving.open_leaving(g.coop.id),
                           default_grace=leaving.DEFAULT_GRACE_DAYS, errors={},
                           answers={"grace_days": leaving.DEFAULT_GRACE_DAYS})


@pages.post("/export")
@require_role(Role.ADMIN)
def export():
    """Queue an export of everything the co-op holds."""
    service.request_coop_export(g.coop.id, current_account_id())
    flash(_l("Your export is being prepared. This page shows its progress."))
    return redirect(url_for(".index"))


@pages.get("/export/<int:job_id>/status")
@require_role(Role.ADMIN)
def export_status(job_id: int):
    """How far the export job has got (for the progress bar)."""
    return jsonify(_status(service.get_job(job_id, "coop_export", coop_id=g.coop.id)))


@pages.get("/export/<int:job_id>/download")
@require_role(Role.ADMIN)
def export_download(job_id: int):
    """Download the finished archive, once."""
    job = service.get_job(job_id, "coop_export", coop_id=g.coop.id)
    return _download(job, ".index")


@pages.post("/leave")
@require_role(Role.ADMIN)
def leave():
    """Start leaving the federation, after a grace period."""
    errors: dict[str, list] = {}
    answers = request.form
    if answers.get("confirm") != "yes":
        errors["confirm"] = [_l("Confirm that the co-op is to leave coopfed.")]
    grace = answers.get("grace_days", "").strip()
    if not (grace.isascii() and grace.isdigit() and len(grace) <= 3):
        errors["grace_days"] = [_l("Give a number of days from 0 to 365.")]
    if not errors:
        try:
            leaving.do_start_leaving(g.coop.id, grace_days=int(grace),
                                     actor_account_id=current_account_id())
        except DomainError as exc:
            errors = {k: list(v) for k, v in getattr(exc, "errors", {
                "confirm": [str(exc)]}).items()}
        else:
            flash(_l("The co-op is leaving. Its export is being prepared."))
            return redirect(url_for(".index"))
    return render_template("portability/index.html", jobs=service.jobs_of_coop(g.coop.id),
                           leaving=leaving.open_leaving(g.coop.id),
                           default_grace=leaving.DEFAULT_GRACE_DAYS, errors=errors,
                           answers=answers), 422


@pages.post("/leave/cancel")
@require_role(Role.ADMIN)
def cancel_leaving():
    """Stay: cancel the leaving during its grace period."""
    try:
        leaving.do_cancel_leaving(g.coop.id, actor_account_id=current_account_id())
        flash(_l("The co-op is staying: leaving was cancelled."))
    except DomainError as exc:
        flash(str(exc))
    return redirect(url_for(".index"))


# -- coordinators: subject access for people without an account ----------------------------


@pages.route("/subject-access", methods=["GET", "POST"])
@require_role(*MANAGERS)
def subject_access():
    """Produce everything held about a member or worker of this co-op."""
    errors: dict[str, list] = {}
    if request.method == "POST":
        kind = request.form.get("kind", "")
        raw = request.form.get("record_id", "").strip()
        record_id = forms.whole_number(raw)
        record_id = record_id if isinstance(record_id, int) else 0
        model = {"member": Member, "worker": Worker}.get(kind)
        exists = model is not None and record_id > 0 and tenant_session().scalar(
            select(model.id).where(model.id == record_id)) is not None
        try:
            service.request_subject_access_for(g.coop.id, kind, record_id, exists,
                                               current_account_id())
        except DomainError as exc:
            errors = {k: list(v) for k, v in getattr(exc, "errors", {}).items()}
        else:
            flash(_l("The archive is being prepared."))
            return redirect(url_for(".subject_access"))
    session = tenant_session()
    people = {
        "member": session.execute(select(Member.id, Member.display_name)
                                  .order_by(Member.display_name)).all(),
        "worker": session.execute(select(Worker.id, Worker.display_name)
                                  .order_by(Worker.display_name)).all(),
    }
    status = 422 if errors else 200
    return render_template("portability/subject_access.html", people=people, errors=errors,
                           answers=request.form,
                           jobs=service.subject_jobs(coop_id=g.coop.id)), status


@pages.get("/subject-access/<int:job_id>/status")
@require_role(*MANAGERS)
def subject_access_status(job_id: int):
    """How far a subject-access archive made here has got."""
    return jsonify(_status(service.get_job(job_id, "subject_access", coop_id=g.coop.id)))


@pages.get("/subject-access/<int:job_id>/download")
@require_role(*MANAGERS)
def subject_access_download(job_id: int):
    """Download a subject-access archive made here, once."""
    job = service.get_job(job_id, "subject_access", coop_id=g.coop.id)
    return _download(job, ".subject_access")


# -- a signed-in person: their own data ----------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@login_required
def mine():
    """Ask for, follow and download everything coopfed holds about you."""
    account_id = current_user.account.id
    if request.method == "POST":
        service.request_subject_access(account_id)
        flash(_l("Your archive is being prepared. This page shows its progress."))
        return redirect(url_for(".mine"))
    return render_template("portability/mine.html",
                           jobs=service.subject_jobs(account_id=account_id))


@bp.get("/<int:job_id>/status")
@login_required
def mine_status(job_id: int):
    """How far the archive has got (for the progress bar)."""
    return jsonify(_status(service.get_job(job_id, "subject_access",
                                           subject_account_id=current_user.account.id)))


@bp.get("/<int:job_id>/download")
@login_required
def mine_download(job_id: int):
    """Download your archive, once."""
    job = service.get_job(job_id, "subject_access", subject_account_id=current_user.account.id)
    return _download(job, ".mine")
