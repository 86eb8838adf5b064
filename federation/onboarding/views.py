"""The onboarding wizard at /start: public pages, one form per step, work without JavaScript.

The browser holds the draft's resume token in its session. Every button on a step
posts the form, so Back, "add another" and "save and come back later" keep what was
typed; only Continue insists that it is valid.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user

from core.areas import local_authorities
from core.errors import NotFound, ValidationError
from federation.extensions import limiter
from federation.onboarding import resume as reopening
from federation.onboarding import service
from federation.onboarding.legal import (
    CIW_SERVICE_TYPES,
    LEGAL_FORMS,
    SOCIETY_MIN_FOUNDERS,
    needs_ciw,
)
from federation.onboarding.models import PAGES, STEPS, Draft
from federation.onboarding.schemas import COOP_TYPE_HINTS, SERVICES, WELSH_OFFER
from tenants.registry.labels import COOP_TYPE_NAMES

bp = Blueprint("onboarding", __name__, url_prefix="/start", template_folder="templates")

TOKEN = "onboarding_token"
_PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _locale() -> str:
    return str(get_locale())


def _account_id() -> int | None:
    return current_user.account.id if current_user.is_authenticated else None


def _session_draft() -> Draft | None:
    try:
        return service.draft_for_token(session.get(TOKEN))
    except NotFound as exc:
        exc.tolerate()  # no draft yet, or a stale token: not a refusal
        return None


def _flat(answers: dict) -> dict:
    """Answers as the form's field names: rows become ``<rows>-<n>-<field>``."""
    flat = {}
    for key, value in answers.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                for field, item in row.items():
                    flat[f"{key}-{index}-{field}"] = item
        else:
            flat[key] = value
    return flat


def _context(draft: Draft, step: str) -> dict:
    locale = _locale()
    if step == "group":
        return {"types": [(code, name, COOP_TYPE_HINTS[code])
                          for code, name in COOP_TYPE_NAMES.items()],
                "welsh_first": draft.locale == "cy"}
    if step == "where":
        return {"las": [(la.code, la.name(locale)) for la in local_authorities().values()]}
    if step == "people":
        return {"class_choices": service.class_choices(draft, locale)}
    if step == "services":
        return {"services": list(SERVICES.items()),
                "offers": [(code, label, hint) for code, (label, hint) in WELSH_OFFER.items()]}
    if step == "legal":
        return {"forms": [(code, label, hint) for code, (label, hint) in LEGAL_FORMS.items()],
                "ciw_types": list(CIW_SERVICE_TYPES.items()),
                "needs_ciw": needs_ciw(draft.answers("services").get("services", [])),
                "foster": draft.answers("group").get("coop_type") == "foster",
                "min_founders": SOCIETY_MIN_FOUNDERS}
    if step == "sharing":
        return {"agencies": [(str(a.id), a.name_cy if locale == "cy" and a.name_cy else a.name)
                             for a in service.agencies()]}
    return {}


def _render_step(draft: Draft, step: str, answers: dict, errors: dict | None = None,
                 suggestions=(), status: int = 200):
    index = STEPS.index(step)
    return render_template(
        f"onboarding/{step}.html", draft=draft, step=step, number=index + 1,
        total=len(STEPS), answers=answers, values=_flat(answers), errors=errors or {},
        suggestions=suggestions, change=request.args.get("change") == "1",
        **_context(draft, step)), status, _PRIVATE


@bp.route("", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["POST"])
def start():
    """What the wizard is, and the button that starts a draft."""
    draft = _session_draft()
    if request.method == "POST":
        draft, token = service.start_draft(locale=_locale())
        session[TOKEN] = token
        return redirect(url_for(".step", step=STEPS[0]))
    return render_template("onboarding/start.html", draft=draft), 200, _PRIVATE


@bp.route("/resume/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def resume(token: str):
    """Reopen a draft from its link, in this browser, at the step it had reached.

    Only its owner reopens it at once; anyone else types the address the link was
    emailed to (see ``federation.onboarding.resume``).
    """
    draft = service.draft_for_token(token)
    if not reopening.may_reopen(draft, token, session_token=session.get(TOKEN),
                                account_id=_account_id()):
        values, errors = {"contact_email": ""}, {}
        if request.method == "POST":
            try:
                draft, token = reopening.do_reopen_emailed(
                    token, request.form.get("contact_email", ""), ip=request.remote_addr)
            except ValidationError as exc:
                values = {"contact_email": request.form.get("contact_email", "")[:254]}
                errors = exc.errors
        if request.method == "GET" or errors:
            return render_template("onboarding/reopen.html", values=values, errors=errors), \
                422 if errors else 200, _PRIVATE
    session[TOKEN] = token
    session.setdefault("locale", draft.locale)
    if draft.submitted_at is not None:
        return redirect(url_for(".progress", draft_id=draft.id)), 302, _PRIVATE
    then = request.args.get("then")
    page = then if then in PAGES and service.can_open(draft, then) else draft.step_reached
    target = url_for(".review") if page == "review" else url_for(".step", step=page)
    return redirect(target), 302, _PRIVATE  # the token is in this URL: never pass it on


def _draft_or_start():
    draft = _session_draft()
    if draft is None:
        return None, redirect(url_for(".start"))
    if draft.submitted_at is not None:
        return None, redirect(url_for(".progress", draft_id=draft.id))
    return draft, None


@bp.route("/<step>", methods=["GET", "POST"])
def step(step: str):
    """One step of the wizard."""
    if step not in STEPS:
        abort(404)
    draft, elsewhere = _draft_or_start()
    if elsewhere:
        return elsewhere
    if not service.can_open(draft, step):
        return redirect(url_for(".step", step=draft.step_reached)
                        if draft.step_reached in STEPS else url_for(".review"))
    if request.method == "GET":
        return _render_step(draft, step, service.step_answers(draft, step))
    action = request.form.get("action", "next")
    index = STEPS.index(step)
    if action == "next":
        try:
            service.save_step(draft.id, step, request.form)
        except ValidationError as exc:
            detail = getattr(exc, "detail", {}) or {}
            return _render_step(draft, step, detail.get("answers", {}), exc.errors,
                                detail.get("suggestions", ()), status=422)
        if request.args.get("change") == "1" or index + 1 == len(STEPS):
            return redirect(url_for(".review"))
        return redirect(url_for(".step", step=STEPS[index + 1]))
    service.keep_step(draft.id, step, request.form)
    if action == "back":
        return redirect(url_for(".step", step=STEPS[index - 1]) if index else url_for(".start"))
    if action == "later":
        return redirect(url_for(".save", step=step))
    return redirect(url_for(".step", step=step, change=request.args.get("change"))
                    + "#new-row")


@bp.route("/save", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])  # it sends email to any address it is given
def save():
    """Stop and come back later: email a link to the group's contact address."""
    draft, elsewhere = _draft_or_start()
    if elsewhere:
        return elsewhere
    back = request.args.get("step")
    back = back if back in STEPS else draft.step_reached
    values, errors = {"contact_email": draft.contact_email or ""}, {}
    if request.method == "POST":
        try:
            service.request_resume_email(draft.id, request.form.get("contact_email", ""))
        except ValidationError as exc:
            values, errors = {"contact_email": request.form.get("contact_email", "")[:300]}, \
                exc.errors
        else:
            return redirect(url_for(".saved", step=back))
    return render_template("onboarding/save.html", draft=draft, values=values, errors=errors,
                           back=back), 422 if errors else 200, _PRIVATE


@bp.get("/saved")
def saved():
    """The link is on its way."""
    draft, elsewhere = _draft_or_start()
    if elsewhere:
        return elsewhere
    back = request.args.get("step")
    return render_template("onboarding/saved.html", draft=draft,
                           back=back if back in PAGES else draft.step_reached), 200, _PRIVATE


def _review(draft: Draft, errors: dict | None = None, status: int = 200):
    locale = _locale()
    missing = service.incomplete_steps(draft)
    las = local_authorities()
    classes = dict(service.class_choices(draft, locale))
    agencies = {str(a.id): (a.name_cy if locale == "cy" and a.name_cy else a.name)
                for a in service.agencies()}
    next_path = service.resume_path(session[TOKEN]) + "?then=review"
    answers = {step: service.step_answers(draft, step) for step in STEPS}
    la_names = {code: la.name(locale) for code, la in las.items()}
    return render_template(
        "onboarding/review.html", draft=draft, missing=missing, errors=errors or {},
        a=answers, las=la_names, classes=classes, agencies=agencies, offers=WELSH_OFFER,
        la_text=", ".join(la_names[c] for c in answers["where"].get("las", [])
                          if c in la_names),
        services_text=", ".join(str(SERVICES[c]) for c in answers["services"].get(
            "services", []) if c in SERVICES),
        type_names=COOP_TYPE_NAMES, next_path=next_path, legal_forms=LEGAL_FORMS,
        ciw_types=CIW_SERVICE_TYPES,
        needs_ciw=needs_ciw(answers["services"].get("services", []))), status, _PRIVATE


@bp.get("/review")
def review():
    """Every answer, with a Change link per section, and the button that sends it all."""
    draft, elsewhere = _draft_or_start()
    if elsewhere:
        return elsewhere
    if not service.can_open(draft, "review"):
        return redirect(url_for(".step", step=draft.step_reached))
    return _review(draft)


@bp.post("/submit")
def submit():
    """Send the application: needs an account, whose holder becomes the first admin."""
    draft = _session_draft()
    if draft is None:
        return redirect(url_for(".start"))
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in", next=service.resume_path(
            session[TOKEN]) + "?then=review"))
    try:
        service.submit(draft.id, account_id=_account_id())
    except ValidationError as exc:
        return _review(service.get_draft(draft.id), exc.errors, status=422)
    return redirect(url_for(".progress", draft_id=draft.id))


def _followed(draft_id: int) -> Draft:
    draft = service.get_draft(draft_id)
    if draft.coop_id is None or not service.may_follow(
            draft, account_id=_account_id(), token=session.get(TOKEN)):
        raise NotFound()
    return draft


@bp.get("/<int:draft_id>/progress")
def progress(draft_id: int):
    """A progress bar that follows provisioning; refreshes itself without JavaScript."""
    draft = _followed(draft_id)
    status = service.progress(draft)
    return render_template("onboarding/progress.html", draft=draft, status=status,
                           workspace=url_for("workspace.home", slug=status.coop_slug)), \
        200, _PRIVATE


@bp.get("/<int:draft_id>/status")
def status(draft_id: int):
    """The progress as JSON, for the page's script to poll."""
    draft = _followed(draft_id)
    state = service.progress(draft)
    body = state.as_json()
    body["workspace_url"] = url_for("workspace.home", slug=state.coop_slug)
    return body, 200, {"Cache-Control": "no-store"}


@bp.post("/<int:draft_id>/retry")
def retry(draft_id: int):
    """Try provisioning again, for the same co-op."""
    draft = _followed(draft_id)
    service.retry(draft.id, account_id=_account_id())
    return redirect(url_for(".progress", draft_id=draft.id))
