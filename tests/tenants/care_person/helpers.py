"""Two co-ops with two clients each, home workers and this week's visits, and a linked person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from tests.fixtures.factories import create_account
from tests.tenants.rota.helpers import make_client, make_visit, make_worker

NAMES = {  # per co-op: (client, their worker) twice; every name unique in the run's pages
    0: (("Mair Lloyd", "Ceri Evans"), ("Tomos Rees", "Dafydd Hughes")),
    1: (("Gwilym Price", "Eirlys Morgan"), ("Heledd Roberts", "Ffion Owen")),
}


@dataclass
class Place:
    """One co-op of the world: its clients, their workers, and visit times."""

    coop: object
    admin: object
    clients: list[int] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)
    visits: list[int] = field(default_factory=list)


def monday() -> date:
    """This week's Monday."""
    today = date.today()
    return today - timedelta(days=today.weekday())


def build_world(two_coops, coop_session) -> list[Place]:
    """Each co-op: two clients, each with their own worker and two visits this week."""
    places = []
    for index, (coop, admin) in enumerate(two_coops):
        place = Place(coop, admin)
        with coop_session(coop) as session:
            for offset, (client_name, worker_name) in enumerate(NAMES[index]):
                client_id = make_client(session, display_name=client_name)
                worker_id = make_worker(session, display_name=worker_name)
                place.clients.append(client_id)
                place.workers.append(worker_id)
                for day in (1 + offset, 3 + offset):
                    starts = datetime.combine(monday() + timedelta(days=day),
                                              time(9 + 4 * offset))
                    place.visits.append(make_visit(session, client_id, starts, 45,
                                                   worker_id=worker_id))
        places.append(place)
    return places


def link(api, place: Place, client_index: int, account, role: str = "person"):
    """Link ``account`` to a client through the coordinator's API; returns the response."""
    return api.post(f"/api/v1/c/{place.coop.slug}/clients/{place.clients[client_index]}"
                    "/care-links", json={"email": account.email, "role": role,
                                         "consent_given_on": date.today().isoformat(),
                                         "consent_how": "in_person"})


def linked_person(app, api_client, place: Place, client_index: int = 0, name="Mair Lloyd"):
    """A new account (no membership anywhere) linked to one client of ``place``."""
    person = create_account(app, name=name)
    response = link(api_client(place.admin), place, client_index, person)
    assert response.status_code == 201, response.get_json()
    return person
