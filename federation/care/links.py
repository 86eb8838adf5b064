"""A coordinator links a client record to the person (and a representative), with consent.

Pages at ``/c/<slug>/clients/<id>/care`` and API routes at
``/api/v1/c/<slug>/clients/<id>/care-links``, for admins and coordinators only. The
account is found by its email address; the consent (day, how, recorded by whom) is kept
on the link, and every change is audited by the service.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from core import forms
from core.errors import ValidationError
from federation.care.service import account_by_email
from tenants.care_person import schemas, service
from tenants.clients import service as clients
from tenants.clients.service import Viewer
from tenants.web import (
    MANAGERS,
    coop_api,
    coop_pages,
    current_account_id,
    current_role,
    require_role,
)

pages = coop_pages("care_links", __name__, "/clients")
api = coop_api("care_links_api", __name__, "/clients",
               description="Linking a client record to the person and their representative.")

ROLE_NAMES = {"person": _l("The person receiving care"),
              "representative": _l("Their representative")}
CONSENT_NAMES = {"in_person": _l("In person"), "phone": _l("By phone"),
                 "letter": _l("By letter"), "email": _l("By email"),
                 "video": _l("By video call")}
FIELD_MESSAGES = {
    "email": _l("Enter the email address of their coopfed account"),
    "role": _l("Choose who this is"),
    "consent_given_on": _l("Enter the day they gave consent, like 2026-12-01"),
    "consent_how": _l("Choose how they gave consent"),
}


def _link(client_id: int, data: dict):
    account = account_by_email(data["email"])
    return service.check_link(client_id, data, account_id=account.id,
                              actor_account_id=current_account_id())


def _form_page(client_id: int, answers: dict, errors: dict | None = None):
    client = clients.read_client(client_id, Viewer(current_account_id(), current_role()),
                                 via="page.care_links")
    messages = forms.page_errors(errors, FIELD_MESSAGES)
    return render_template(
        "care/links.html", client=client, links=service.links_of(client_id),
        answers=answers, errors=messages, role_names=ROLE_NAMES,
        consent_names=CONSENT_NAMES), 422 if errors else 200


@pages.route("/<int:client_id>/care", methods=["GET", "POST"])
@require_role(*MANAGERS)
def links(client_id: int):
    """Who may see this client's care page, and linking someone new."""
    if request.method == "GET":
        return _form_page(client_id, {})
    raw = forms.form_input(request.form, ("email", "role", "consent_given_on", "consent_how"))
    try:
        _link(client_id, forms.load(schemas.LinkIn(), raw))
    except ValidationError as exc:
        return _form_page(client_id, raw, exc.errors)
    flash(_l("Linked. They can now sign in and see their care page."))
    return redirect(url_for(".links", client_id=client_id))


@pages.post("/<int:client_id>/care/<int:link_id>/end")
@require_role(*MANAGERS)
def end(client_id: int, link_id: int):
    """End a link: that account loses the care page at once."""
    service.do_unlink(client_id, link_id, actor_account_id=current_account_id())
    flash(_l("The link has ended."))
    return redirect(url_for(".links", client_id=client_id))


@api.get("/<int:client_id>/care-links")
@require_role(*MANAGERS)
@api.response(200, schemas.LinkOut(many=True))
@api.paginate()
def api_links(client_id: int, pagination_parameters):
    """The accounts linked to this client record, with the consent each rests on (paged)."""
    clients.read_client(client_id, Viewer(current_account_id(), current_role()),
                        via="api.care_links")
    links = service.links_of(client_id)
    pagination_parameters.item_count = len(links)
    first = pagination_parameters.first_item
    return links[first:first + pagination_parameters.page_size]


@api.post("/<int:client_id>/care-links")
@require_role(*MANAGERS)
@api.arguments(schemas.LinkIn)
@api.response(201, schemas.LinkOut)
def api_link(data, client_id: int):
    """Link an existing account (by email) as the person or their representative."""
    return _link(client_id, data)


@api.delete("/<int:client_id>/care-links/<int:link_id>")
@require_role(*MANAGERS)
@api.response(204)
def api_unlink(client_id: int, link_id: int):
    """End a link."""
    service.do_unlink(client_id, link_id, actor_account_id=current_account_id())
