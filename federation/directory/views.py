"""The public directory at ``/directory`` (a list by local authority, a schematic map and
a CSV), and the co-op admin's page at ``/c/<slug>/directory`` that publishes, changes or
withdraws the co-op's entry.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from core import forms
from core.areas import local_authorities
from core.errors import ValidationError
from federation.directory import wales_map
from federation.regional.views import csv_safe
from services.directory import service
from tenants.registry.labels import COOP_TYPE_NAMES
from tenants.registry.models import Role
from tenants.web import coop_pages, current_account_id, register_nav, require_role

bp = Blueprint("directory", __name__, template_folder="templates", static_folder="static",
               static_url_path="/directory/static")
pages = coop_pages("coop_directory", __name__, "/directory")

register_nav("coop_directory.index", _l("Public directory"), (Role.ADMIN,))

WELSH_OFFER_NAMES = {
    "active_offer": _l("Care in Welsh without asking (the Active Offer)"),
    "some_welsh": _l("Some care in Welsh, on request"),
    "english_only": _l("Care in English only"),
}
FIELD_MESSAGES = {
    "publish": _l("Choose whether to publish your co-op's entry"),
    "la_codes": _l("Choose at least one local authority you serve"),
    "services": _l("Describe your services in up to 500 characters"),
    "services_cy": _l("Describe your services in Welsh in up to 500 characters, or leave it "
                      "empty"),
    "welsh_offer": _l("Choose how much care you offer in Welsh"),
    "ciw_service_id": _l("Enter the CIW service ID as it is on your registration "
                         "certificate, like SIN-00012345-ABCD, or leave it empty"),
    "rating_url": _l("Enter the web address of your CIW report, starting https://, or "
                     "leave it empty"),
    "taking_new_people": _l("Choose whether you are taking new people"),
}


def _locale() -> str:
    return str(get_locale())


# The public directory


@bp.get("/directory")
def public():
    """Every published entry, by local authority, with the map beside the list."""
    locale = _locale()
    entries = service.published_entries()
    by_area = service.entries_by_area(entries)
    return render_template(
        "directory/public.html", entries=entries, by_area=by_area,
        areas=local_authorities(), locale=locale, offers=WELSH_OFFER_NAMES,
        coop_types=COOP_TYPE_NAMES,
        tiles=wales_map.tiles({c: len(e) for c, e in by_area.items()}, locale),
        map_width=wales_map.WIDTH, map_height=wales_map.HEIGHT)


@bp.get("/directory.csv")
def public_csv():
    """The same entries as CSV, each field safe to open in a spreadsheet."""
    locale = _locale()
    areas = local_authorities()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "coop_type", "local_authorities", "local_authority_codes",
                     "services", "welsh_offer", "ciw_service_id", "ciw_rating_link",
                     "taking_new_people"])
    for entry in service.published_entries():
        writer.writerow([csv_safe(value) for value in (
            entry.display_name(locale), entry.coop_type,
            "; ".join(areas[c].name(locale) for c in entry.la_codes),
            " ".join(entry.la_codes), entry.display_services(locale), entry.welsh_offer,
            entry.ciw_service_id, entry.rating_url,
            "yes" if entry.taking_new_people else "no")])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="coopfed-directory-{locale}.csv"'})


# The co-op admin's entry


def _answers(listing, areas) -> dict:
    if listing is None:
        return {"publish": "no", "la_codes": [g.coop.la_code], "welsh_offer": "",
                "taking_new_people": ""}
    return {"publish": "yes" if listing.published else "no", "la_codes": areas,
            "services": listing.services, "services_cy": listing.services_cy or "",
            "welsh_offer": listing.welsh_offer,
            "ciw_service_id": listing.ciw_service_id or "",
            "rating_url": listing.rating_url or "",
            "taking_new_people": "yes" if listing.taking_new_people else "no"}


@pages.route("/", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def index():
    """The co-op's entry: what it would publish, and whether it is published now."""
    listing, areas = service.listing_for(g.coop.id)
    errors, status = {}, 200
    answers = _answers(listing, areas)
    if request.method == "POST":
        form = answers = forms.answers(request.form, lists=("la_codes",))
        try:
            data = service.load_listing(form)
            listing = service.do_save_listing(g.coop.id, data,
                                              actor_account_id=current_account_id())
            flash(_l("Your entry is published in the directory") if listing.published
                  else _l("Your entry is saved and not published"))
            return redirect(url_for(".index"))
        except ValidationError as exc:
            errors, status = forms.page_errors(exc, FIELD_MESSAGES), 422
    locale = _locale()
    return render_template(
        "directory/coop.html", listing=listing, answers=answers, errors=errors,
        offers=list(WELSH_OFFER_NAMES.items()),
        la_items=[(code, la.name(locale)) for code, la in local_authorities().items()],
        name=g.coop.display_name(locale)), status


@pages.post("/withdraw")
@require_role(Role.ADMIN)
def withdraw():
    """Take the entry out of the directory now; the next statistics release stops naming
    the co-op."""
    service.do_withdraw(g.coop.id, actor_account_id=current_account_id())
    flash(_l("Your entry is no longer in the directory"))
    return redirect(url_for(".index"))
