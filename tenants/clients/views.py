"""Client pages at ``/c/<slug>/clients`` and API routes at ``/api/v1/c/<slug>/clients``.

Admins and coordinators manage clients; a care worker sees the clients they regularly
care for; a member sees none. Every read is audited by the service, not here.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from core import forms
from core.areas import local_authorities
from core.errors import ValidationError
from tenants.clients import schemas, service
from tenants.registry.models import Role
from tenants.vocabulary import AGE_BANDS, FUNDING_SOURCES, LANGUAGES, NEED_TYPES
from tenants.web import (
    MANAGERS,
    coop_api,
    coop_pages,
    current_account_id,
    register_nav,
    require_role,
)
from tenants.workforce.service import list_workers

pages = coop_pages("clients", __name__, "/clients")
api = coop_api("clients_api", __name__, "/clients",
               description="Clients: minimal personal data; every read is audited.")
CARERS_AND_MANAGERS = (*MANAGERS, Role.WORKER)

register_nav("clients.index", _l("Clients"), CARERS_AND_MANAGERS)

FIELD_MESSAGES = {
    "display_name": _l("Enter the client's name"),
    "funding_source": _l("Choose how their care is funded"),
    "need_types": _l("Choose needs from the list"),
    "age_band": _l("Choose an age band"),
    "preferred_language": _l("Choose the language they prefer for their care, Welsh or "
                             "English: there is no default (the Active Offer)"),
    "regular_carers": _l("Choose regular carers from the co-op's workers"),
}


def _viewer() -> service.Viewer:
    return service.Viewer(current_account_id(), g.coop_role)


def _form_page(answers: dict, errors: dict | None = None, client_id: int | None = None):
    return render_template(
        "clients/form.html", answers=answers, client_id=client_id,
        errors=forms.page_errors(errors, FIELD_MESSAGES),
        funding_sources=FUNDING_SOURCES, need_types=NEED_TYPES, age_bands=AGE_BANDS,
        languages=LANGUAGES, las=local_authorities().values(),
        workers=list_workers()), 422 if errors else 200


def _load_form() -> dict:
    return forms.load(schemas.ClientIn(), schemas.client_from_form(request.form))


# Pages


@pages.get("/")
@require_role(*CARERS_AND_MANAGERS)
def index():
    """The clients the person may see (each one shown is audited as read)."""
    clients, _total = service.read_clients(_viewer(), via="page.list")
    return render_template("clients/index.html", clients=clients,
                           funding_sources=FUNDING_SOURCES, languages=LANGUAGES,
                           las=local_authorities(), can_edit=g.coop_role in MANAGERS)


@pages.route("/new", methods=["GET", "POST"])
@require_role(*MANAGERS)
def create():
    """Add a client."""
    if request.method == "GET":
        return _form_page({"active": True})
    try:
        client = service.do_create_client(_load_form(),
                                          actor_account_id=current_account_id())
    except ValidationError as exc:
        return _form_page(schemas.form_answers(request.form), exc.errors)
    flash(_l("Client added"))
    return redirect(url_for(".detail", client_id=client.id))


@pages.get("/<int:client_id>")
@require_role(*CARERS_AND_MANAGERS)
def detail(client_id: int):
    """One client (audited as read)."""
    client = service.read_client(client_id, _viewer(), via="page.detail")
    return render_template("clients/detail.html", client=client,
                           carers=service.carers_of(client), funding_sources=FUNDING_SOURCES,
                           need_types=NEED_TYPES, languages=LANGUAGES,
                           la=local_authorities().get(client.la_code),
                           can_edit=g.coop_role in MANAGERS)


@pages.route("/<int:client_id>/edit", methods=["GET", "POST"])
@require_role(*MANAGERS)
def edit(client_id: int):
    """Change a client (the form shows the record, so opening it is audited as a read)."""
    if request.method == "GET":
        client = service.read_client(client_id, _viewer(), via="page.edit")
        return _form_page(schemas.client_to_form(client), client_id=client_id)
    try:
        service.do_update_client(client_id, _load_form(),
                                 actor_account_id=current_account_id(), via="page.edit")
    except ValidationError as exc:
        return _form_page(schemas.form_answers(request.form), exc.errors, client_id)
    flash(_l("Changes saved"))
    return redirect(url_for(".detail", client_id=client_id))


# API


@api.get("")
@require_role(*CARERS_AND_MANAGERS)
@api.response(200, schemas.ClientOut(many=True))
@api.paginate()
def api_list_clients(pagination_parameters):
    """The clients the caller may see, paged; each one returned is audited as read."""
    clients, total = service.read_clients(
        _viewer(), via="api.list", offset=pagination_parameters.first_item,
        limit=pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return clients


@api.post("")
@require_role(*MANAGERS)
@api.arguments(schemas.ClientIn)
@api.response(201, schemas.ClientOut)
def api_create_client(data):
    """Add a client."""
    return service.do_create_client(data, actor_account_id=current_account_id())


@api.get("/<int:client_id>")
@require_role(*CARERS_AND_MANAGERS)
@api.response(200, schemas.ClientOut)
def api_get_client(client_id: int):
    """One client (audited as read); a care worker may read only the clients they care for."""
    return service.read_client(client_id, _viewer(), via="api.get")


@api.patch("/<int:client_id>")
@require_role(*MANAGERS)
@api.arguments(schemas.ClientChange())
@api.response(200, schemas.ClientOut)
def api_update_client(data, client_id: int):
    """Change the fields given; ``need_types`` and ``regular_carers`` replace the stored lists."""
    return service.do_update_client(client_id, data, actor_account_id=current_account_id(),
                                    via="api.update")
