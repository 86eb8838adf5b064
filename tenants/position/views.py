"""The co-op's legal position: a settings page at ``/c/<slug>/position`` and the API at
``/api/v1/c/<slug>/position``. Admins change it; coordinators read it."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from core import forms
from core.errors import ValidationError
from tenants.position import schemas, service
from tenants.position.labels import LEGAL_FORM_NAMES, SERVICE_TYPE_NAMES
from tenants.registry.models import Role
from tenants.web import (
    MANAGERS,
    coop_api,
    coop_pages,
    current_account_id,
    register_nav,
    require_role,
)

pages = coop_pages("position", __name__, "/position")
api = coop_api("position_api", __name__, description="The co-op's legal position and its "
                                                     "CIW-registered services.")
ADMINS = (Role.ADMIN,)
register_nav("position.settings", _l("Legal position"), MANAGERS)

FIELD_MESSAGES = {
    "legal_form": _l("Choose a legal form"),
    "fca_society_number": _l("Enter the society number as on the FCA register, like 31234R"),
    "registered_on": _l("Enter the registration date, in the past, like 2024-03-27"),
    "dbs_status_check_days": _l("Enter a number of days from 1 to 1095"),
    "service_type": _l("Choose the type of service"),
    "ciw_service_id": _l("Enter the CIW service ID"),
    "responsible_individual": _l("Enter the Responsible Individual's name"),
    "registered_manager": _l("Enter the registered manager's name"),
    "rating_url": _l("Enter the rating link as a web address starting https://"),
}


def _page_errors(exc: ValidationError) -> dict[str, list[str]]:
    """One message per field: the service's own words, or the field's wording for the
    schema's."""
    return forms.page_errors(exc, FIELD_MESSAGES, service_words=True)


def _settings_page(errors=None, answers=None):
    position = service.get_position()
    answers = answers or {
        "legal_form": position.legal_form,
        "fca_society_number": position.fca_society_number or "",
        "registered_on": position.registered_on.isoformat() if position.registered_on else "",
        "dbs_status_check_days": str(position.dbs_status_check_days)}
    return render_template(
        "position/settings.html", position=position, services=service.list_services(),
        answers=answers, errors=errors or {}, legal_forms=LEGAL_FORM_NAMES,
        service_types=SERVICE_TYPE_NAMES, can_edit=g.coop_role == Role.ADMIN), (
        422 if errors else 200)


@pages.get("/")
@require_role(*MANAGERS)
def settings():
    """The co-op's legal form, FCA registration, DBS check interval and registered services."""
    return _settings_page()


@pages.post("/")
@require_role(*ADMINS)
def save():
    """Save the legal form and registration."""
    try:
        data = forms.load(schemas.PositionIn(), schemas.form_to_position(request.form))
        service.set_position(data, actor_account_id=current_account_id())
    except ValidationError as exc:
        return _settings_page(_page_errors(exc), request.form)
    flash(_l("Legal position saved"))
    return redirect(url_for(".settings"))


@pages.route("/services/new", methods=["GET", "POST"])
@require_role(*ADMINS)
def add_service():
    """Record a CIW-registered service."""
    if request.method == "GET":
        return render_template("position/service_form.html", answers={}, errors={},
                               service_types=SERVICE_TYPE_NAMES)
    try:
        data = forms.load(schemas.ServiceIn(), schemas.form_to_service(request.form))
        service.add_service(data, actor_account_id=current_account_id())
    except ValidationError as exc:
        return render_template("position/service_form.html", answers=request.form,
                               errors=_page_errors(exc), service_types=SERVICE_TYPE_NAMES), 422
    flash(_l("Registered service added"))
    return redirect(url_for(".settings"))


@pages.post("/services/<int:service_id>/remove")
@require_role(*ADMINS)
def remove_service(service_id: int):
    """Remove a registered service."""
    service.remove_service(service_id, actor_account_id=current_account_id())
    flash(_l("Registered service removed"))
    return redirect(url_for(".settings"))


# API


@api.get("/position")
@require_role(*MANAGERS)
@api.response(200, schemas.PositionOut)
def api_position():
    """The co-op's legal position and its CIW-registered services."""
    return service.get_summary()


@api.patch("/position")
@require_role(*ADMINS)
@api.arguments(schemas.PositionIn)
@api.response(200, schemas.PositionOut)
def api_set_position(data):
    """Change the fields given; the others keep their stored value."""
    service.set_position(data, actor_account_id=current_account_id())
    return service.get_summary()


@api.post("/position/services")
@require_role(*ADMINS)
@api.arguments(schemas.ServiceIn)
@api.response(201, schemas.ServiceOut)
def api_add_service(data):
    """Record a CIW-registered service."""
    return service.add_service(data, actor_account_id=current_account_id())


@api.delete("/position/services/<int:service_id>")
@require_role(*ADMINS)
@api.response(204)
def api_remove_service(service_id: int):
    """Remove a registered service."""
    service.remove_service(service_id, actor_account_id=current_account_id())
    return ""
