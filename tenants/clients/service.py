"""Clients: who may see which, creating and changing them, and auditing every read.

Every read of a client record goes through ``read_client`` or ``read_clients``, which add
a ``client.read`` row to the co-op's audit log in the same transaction, so no view can
forget it. A list writes **one audit row per client shown** (with ``via`` saying where),
so "who has seen this client?" is a single query on ``subject_id``.

Managers (admins, coordinators) see every client; a care worker sees only the clients
they are a regular carer for; anyone else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import Select, false, func, select

from core.errors import Forbidden, NotFound, ValidationError
from core.registry import Hook
from tenants.audit.service import record
from tenants.clients.models import Client, ClientNeed, RegularCarer
from tenants.context import tenant_session
from tenants.web import MANAGERS
from tenants.workforce.models import Worker
from tenants.workforce.service import worker_for_account


@dataclass(frozen=True)
class Viewer:
    """Who is reading: their account and their role in the co-op."""

    account_id: int
    role: str


def _visible(viewer: Viewer) -> Select:
    stmt = select(Client)
    if viewer.role in MANAGERS:
        return stmt
    if viewer.role == "worker":
        worker = worker_for_account(viewer.account_id)
        if worker is None:
            return stmt.where(false())
        return stmt.where(Client.regular_carers.any(RegularCarer.worker_id == worker.id))
    raise Forbidden(gettext("Your role in this co-op does not allow you to see clients."))


def _audit_reads(clients: list[Client], viewer: Viewer, via: str) -> None:
    session = tenant_session()
    for client in clients:
        record(session, "client.read", actor_account_id=viewer.account_id,
               subject_type="client", subject_id=client.id, via=via)


def read_clients(viewer: Viewer, *, via: str, offset: int = 0,
                 limit: int | None = None) -> tuple[list[Client], int]:
    """The clients ``viewer`` may see, by name, one page of them, and how many there are.

    Each client returned is audited as read.
    """
    stmt = _visible(viewer)
    session = tenant_session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = stmt.order_by(Client.display_name, Client.id).offset(offset)
    if limit is not None:
        page = page.limit(limit)
    clients = list(session.scalars(page))
    _audit_reads(clients, viewer, via)
    return clients, total


def read_client(client_id: int, viewer: Viewer, *, via: str) -> Client:
    """One client, if ``viewer`` may see it; audited as read.

    NotFound when the co-op has no such client; Forbidden when it exists but is not
    among the viewer's clients.
    """
    session = tenant_session()
    client = session.scalar(_visible(viewer).where(Client.id == client_id))
    if client is None:
        if session.get(Client, client_id) is None:
            raise NotFound(gettext("No such client."))
        raise Forbidden(gettext("You may see only the clients you care for."))
    _audit_reads([client], viewer, via)
    return client


def carers_of(client: Client) -> list[Worker]:
    """The client's regular carers, by name."""
    ids = [r.worker_id for r in client.regular_carers]
    return list(tenant_session().scalars(
        select(Worker).where(Worker.id.in_(ids)).order_by(Worker.display_name)))


def _check_carers(ids: list[int]) -> None:
    wanted = set(ids)
    found = set(tenant_session().scalars(select(Worker.id).where(Worker.id.in_(wanted))))
    missing = sorted(wanted - found)
    if missing:
        raise ValidationError({"regular_carers": [
            f"No worker with id {', '.join(str(i) for i in missing)} in this co-op."]})


SCALARS = ("display_name", "funding_source", "age_band", "la_code", "postcode_district",
           "preferred_language", "active")


def _apply_welsh_waiver(client: Client, data: dict) -> None:
    """Record (with the day) that the person said their visits need not be in Welsh."""
    waived = data.get("welsh_visits_waived", client.welsh_visits_waived_on is not None)
    if client.preferred_language != "cy" or not waived:
        client.welsh_visits_waived_on = None
    elif client.welsh_visits_waived_on is None:
        client.welsh_visits_waived_on = date.today()


def _apply(client: Client, data: dict) -> None:
    for name in SCALARS:
        if name in data:
            setattr(client, name, data[name])
    _apply_welsh_waiver(client, data)
    if "need_types" in data:
        wanted = set(data["need_types"])
        client.needs = [n for n in client.needs if n.need_type in wanted] + [
            ClientNeed(need_type=code)
            for code in sorted(wanted - {n.need_type for n in client.needs})]
    if "regular_carers" in data:
        wanted = set(data["regular_carers"])
        client.regular_carers = [r for r in client.regular_carers if r.worker_id in wanted] + [
            RegularCarer(worker_id=worker_id)
            for worker_id in sorted(wanted - {r.worker_id for r in client.regular_carers})]


def do_create_client(data: dict, *, actor_account_id: int) -> Client:
    """Add a client from loaded ``ClientIn`` data; audited as ``client.created``."""
    _check_carers(data.get("regular_carers", []))
    client = Client()
    _apply(client, data)
    session = tenant_session()
    session.add(client)
    session.flush()
    record(session, "client.created", actor_account_id=actor_account_id,
           subject_type="client", subject_id=client.id, language=client.preferred_language,
           welsh_required=client.needs_welsh)
    return client


#: A change of a client's Welsh need is carried to their visits by the package that holds
#: them (the rota, which builds on clients); each answer says how many rows it changed.
WELSH_NEED_CHANGED = Hook("tenants.clients.service.WELSH_NEED_CHANGED",
                          ("tenants.rota.service",))


def _sync_welsh_visits(client: Client, *, actor_account_id: int) -> int:
    """Carry a change of the client's Welsh need to their patterns and coming visits.

    The Active Offer (wales-care-rules.md §9): a Welsh preference makes the visits
    Welsh-required, so the rota warns when a worker who does not speak Welsh is put on them.
    """
    changed = sum(WELSH_NEED_CHANGED.ask(client))
    if changed:
        record(tenant_session(), "client.welsh_visits_changed",
               actor_account_id=actor_account_id, subject_type="client", subject_id=client.id,
               welsh_required=client.needs_welsh, rows=changed)
    return changed


def do_update_client(client_id: int, data: dict, *, actor_account_id: int,
                     via: str) -> Client:
    """Change the fields present in ``data``; audited as ``client.updated`` with their names.

    The whole record goes back to the caller, so the change is audited as a read too.
    """
    client = tenant_session().get(Client, client_id)
    if client is None:
        raise NotFound(gettext("No such client."))
    _check_carers(data.get("regular_carers", []))
    needed_welsh = client.needs_welsh
    _apply(client, data)
    tenant_session().flush()
    if client.needs_welsh != needed_welsh:
        _sync_welsh_visits(client, actor_account_id=actor_account_id)
    record(tenant_session(), "client.updated", actor_account_id=actor_account_id,
           subject_type="client", subject_id=client.id, fields=sorted(data))
    record(tenant_session(), "client.read", actor_account_id=actor_account_id,
           subject_type="client", subject_id=client.id, via=via)
    return client
