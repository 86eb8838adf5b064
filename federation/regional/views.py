"""The regional statistics portal, the federation admin's releases and API clients, and an
agency advisor's view of one co-op's own figures.

Pages for analysts are at /regional; anyone signed in without an analyst grant gets 404.
The JSON API lives in ``federation.regional.api`` and is registered as ``api``.
"""

from __future__ import annotations

import csv
import functools
import io

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import forms
from core.areas import local_authority
from core.csvsafe import safe_cell as csv_safe
from core.errors import NotFound, ValidationError
from core.timeutil import utcnow
from federation.agencies.access import advisor_coop
from federation.oauth import service as oauth_service
from federation.regional import agency_report, charts, labels, service
from federation.regional.api import api  # noqa: F401 - registered by the app factory
from services.stats import cells as fixed
from services.stats import publish
from services.stats import query as stats

bp = Blueprint("regional", __name__, template_folder="templates", static_folder="static",
               static_url_path="/regional/static")
FORM_FIELDS = ("geography", "measure", "period_kind", "period", "breakdown")


def _locale() -> str:
    return str(get_locale())


def _signed_in(view):
    """Send people who are not signed in to the sign-in page, and back again."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapper


def _analyst(view):
    """Only analysts with a grant; anyone else signed in gets 404."""

    @functools.wraps(view)
    @_signed_in
    def wrapper(*args, **kwargs):
        g.analyst_areas = service.access_analyst(current_user.account.id,
                                                 ip=request.remote_addr)
        return view(*args, **kwargs)

    return wrapper


def _federation_admin(view):
    """Only federation admins; anyone else signed in gets 404."""

    @functools.wraps(view)
    @_signed_in
    def wrapper(*args, **kwargs):
        if not current_user.account.is_federation_admin:
            raise NotFound()
        return view(*args, **kwargs)

    return wrapper


# The portal


def _form_choices(areas: list[tuple[str, str]]) -> dict:
    locale = _locale()
    return {
        "geographies": [(geo.code, labels.geography_name(geo, locale))
                        for geo in service.geographies_for(areas)],
        "measures": [(m, labels.MEASURE_NAMES[m]) for m in fixed.MEASURES],
        "period_kinds": [(k, labels.PERIOD_KIND_NAMES[k]) for k in fixed.PERIOD_KINDS],
        "breakdowns": [(b or "none", labels.BREAKDOWN_NAMES[b]) for b in ("", *fixed.BREAKDOWNS)],
    }


def _page_errors(exc: stats.BadQuery) -> tuple[dict, list]:
    """Messages beside the form's fields, and those about parameters the form has not."""
    fields, others = {}, []
    for name, code in exc.codes.items():
        message = labels.QUERY_MESSAGES.get(code, labels.QUERY_MESSAGES["invalid"])
        if name in FORM_FIELDS:
            fields[name] = [message]
        else:
            others.append((name, message))
    return fields, others


def _answers() -> dict:
    answers = {name: request.args.get(name, "") for name in FORM_FIELDS}
    answers["breakdown"] = answers["breakdown"] or "none"
    return answers


def _read_selection():
    """Parse the request, check the area and read the cells; or the form with errors."""
    areas = g.analyst_areas
    choices = _form_choices(areas)
    try:
        query = stats.parse_query(request.args)
        service.check_within(query, areas, actor_account_id=current_user.account.id,
                             ip=request.remote_addr)
    except stats.BadQuery as exc:
        errors, others = _page_errors(exc)
        return None, (render_template("regional/statistics.html", answers=_answers(),
                                      errors=errors, other_errors=others, selection=None,
                                      **choices), exc.status)
    release = stats.latest_release()
    if release is None:
        return None, (render_template("regional/statistics.html", answers=_answers(),
                                      errors={}, other_errors=[], selection=None,
                                      unpublished=True, **choices), 200)
    return service.select_cells(query, release), None


@bp.get("/regional/")
@_analyst
def statistics():
    """Choose fixed cells; see a time series, breakdown bars and the table."""
    if not request.args:
        first = service.geographies_for(g.analyst_areas)[0]
        answers = {"geography": first.code, "measure": "care_hours", "period_kind": "month",
                   "period": "", "breakdown": "none"}
        return render_template("regional/statistics.html", answers=answers, errors={},
                               other_errors=[], selection=None,
                               **_form_choices(g.analyst_areas))
    selection, refusal = _read_selection()
    if refusal is not None:
        return refusal
    locale = _locale()
    return render_template(
        "regional/statistics.html", answers=_answers(), errors={}, other_errors=[],
        selection=selection, geography_name=labels.geography_name(selection.query.geography,
                                                                  locale),
        line=charts.line_chart([(c.period, c.value) for c in selection.series]),
        bars=charts.bar_chart(_bar_rows(selection)), labels=labels,
        category_names=[labels.category_name(selection.query.breakdown, c)
                        for c in selection.categories],
        named=service.named_coops(selection.release.id, g.analyst_areas),
        **_form_choices(g.analyst_areas))


def _bar_rows(selection: service.Selection) -> list[tuple[str, int | None, str]]:
    rows = []
    for category, cell in selection.bars:
        note = ""
        if cell is None:
            note = str(_l("Not published"))
        elif cell.value is None:
            note = str(labels.REASON_LABELS.get(cell.reason, _l("Suppressed")))
        rows.append((labels.category_name(selection.query.breakdown, category),
                     None if cell is None else cell.value, note))
    return rows


@bp.get("/regional/statistics.csv")
@_analyst
def statistics_csv():
    """The same selection as the table, as CSV."""
    selection, refusal = _read_selection()
    if refusal is not None:
        return refusal
    name = labels.geography_name(selection.query.geography, _locale())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in service.csv_rows(selection, name):
        writer.writerow([csv_safe(value) for value in line])
    query = selection.query
    filename = (f"coopfed-{query.geography.code}-{query.measure}-{query.period_kind}"
                f"{'-' + query.breakdown if query.breakdown else ''}"
                f"-r{selection.release.version}.csv")
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


# The federation admin: releases and API clients


@bp.route("/regional/admin/releases", methods=["GET", "POST"])
@_federation_admin
def releases():
    """Releases with their progress, and a button that publishes now."""
    if request.method == "POST":
        publish.request_release(actor_account_id=current_user.account.id)
        flash(_l("Publishing has started"))
        return redirect(url_for(".releases"))
    releases = service.recent_releases()
    usefulness = service.release_usefulness([r.id for r in releases])
    latest = next((r for r in releases if r.status == "published"), None)
    return render_template(
        "regional/releases.html", releases=releases, usefulness=usefulness, latest=latest,
        share=service.overall_share, kinds=fixed.GEOGRAPHY_KINDS, labels=labels,
        named=service.named_coops(latest.id) if latest else [])


CLIENT_MESSAGES = {
    "name": _l("Enter the name of the body or tool, in 200 characters or fewer"),
    "area": _l("Choose an area from the list"),
}


@bp.route("/regional/admin/clients", methods=["GET", "POST"])
@_federation_admin
def clients():
    """API clients of regional bodies; register one for an area (its secret is shown once)."""
    answers, errors, created = {}, {}, None
    status = 200
    if request.method == "POST":
        answers = {k: request.form.get(k, "") for k in ("name", "area")}
        kind = (stats.geography_for(answers["area"]) or stats.Geography("", "")).kind
        try:
            created = oauth_service.do_register_client(
                answers["name"], kind, answers["area"],
                actor_account_id=current_user.account.id)
            answers = {}
        except ValidationError as exc:
            errors = forms.page_errors({("area" if k == "area_kind" else k): v
                                        for k, v in exc.errors.items()}, CLIENT_MESSAGES)
            status = 422
    areas = _all_areas()
    return render_template("regional/clients.html", clients=oauth_service.list_clients(),
                           answers=answers, errors=errors, created=created, areas=areas,
                           area_names=dict(areas)), status


@bp.post("/regional/admin/clients/<int:client_pk>/retire")
@_federation_admin
def retire_client(client_pk: int):
    """Retire a client: its secret and every token it holds stop working at once."""
    oauth_service.do_retire_client(client_pk, actor_account_id=current_user.account.id)
    flash(_l("The client was retired"))
    return redirect(url_for(".clients"))


ANALYST_MESSAGES = {
    "email": _l("Enter the email address of someone who already has an account"),
    "area": _l("Choose an area from the list"),
}


@bp.route("/regional/admin/analysts", methods=["GET", "POST"])
@_federation_admin
def analysts():
    """Who may read the regional statistics, and for which area."""
    answers, errors, status = {}, {}, 200
    if request.method == "POST":
        answers = {k: request.form.get(k, "").strip() for k in ("email", "area")}
        try:
            service.do_grant_analyst(answers["email"], answers["area"],
                                     actor_account_id=current_user.account.id)
            flash(_l("Access given"))
            return redirect(url_for(".analysts"))
        except ValidationError as exc:
            errors, status = forms.page_errors(exc, ANALYST_MESSAGES), 422
    areas = _all_areas()
    return render_template("regional/analysts.html", grants=service.list_grants(),
                           answers=answers, errors=errors, areas=areas,
                           area_names=dict(areas)), status


@bp.post("/regional/admin/analysts/<int:grant_id>/remove")
@_federation_admin
def remove_analyst(grant_id: int):
    """Take an analyst's access to one area away."""
    service.do_remove_grant(grant_id, actor_account_id=current_user.account.id)
    flash(_l("Access removed"))
    return redirect(url_for(".analysts"))


def _all_areas() -> list[tuple[str, str]]:
    locale = _locale()
    return [(geo.code, labels.geography_name(geo, locale))
            for geo in stats.geographies_in("wales", fixed.WALES_CODE)]


# An agency advisor's view of one co-op's own figures


@bp.get("/agency/coops/<slug>/statistics")
@_signed_in
def agency_statistics(slug: str):
    """A co-op's own weekly figures, unsuppressed, for an agency it has let in."""
    coop = advisor_coop(slug, current_user.account.id, ip=request.remote_addr)
    figures = service.coop_own_figures(coop)
    weeks = list(figures)
    latest = figures[weeks[-1]] if weeks else {}
    breakdowns = [
        (name, [(labels.category_name(name, c), latest.get((measure, name, c)))
                for c in fixed.categories(name)], measure)
        for measure in ("clients",) for name in fixed.MEASURE_BREAKDOWNS[measure] if name]
    return render_template("regional/agency_statistics.html", coop=coop, figures=figures,
                           weeks=weeks, measures=fixed.MEASURES, labels=labels,
                           breakdowns=breakdowns, latest_week=weeks[-1] if weeks else None)


# An agency's report to its funders


def _la_name(code: str) -> str:
    la = local_authority(code)
    return la.name(_locale()) if la else code


@bp.get("/agency/report")
@_signed_in
def agency_report_page():
    """The agency's groups and granted co-ops by quarter and local authority."""
    report = agency_report.agency_report(current_user.account.id, utcnow().date(),
                                         ip=request.remote_addr)
    return render_template("regional/agency_report.html", report=report,
                           stages=agency_report.STAGES, la_name=_la_name)


@bp.get("/agency/report.csv")
@_signed_in
def agency_report_csv():
    """The same report as CSV, each field safe to open in a spreadsheet."""
    report = agency_report.agency_report(current_user.account.id, utcnow().date(),
                                         ip=request.remote_addr)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in agency_report.csv_rows(report, _la_name):
        writer.writerow([csv_safe(value) for value in line])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="coopfed-agency-report.csv"'})
