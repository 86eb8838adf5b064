"""Demo clients: minimal records across Wales, each with one or two regular carers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.clients.models import Client, ClientNeed, RegularCarer
from tenants.workforce.models import Worker

# name, funding, needs, age band, LA, postcode district, language
PEOPLE = (
    ("Mrs Gwen Jones", "direct_payment", ("personal_care", "dementia"), "85+",
     "W06000002", "LL55", "cy"),
    ("Mr Idris Parry", "la_commissioned", ("physical_disability", "personal_care"), "75-84",
     "W06000002", "LL54", "cy"),
    ("Mrs Margaret Hill", "self_funded", ("companionship", "domestic"), "85+",
     "W06000001", "LL77", "en"),
    ("Mr Emyr Wyn", "isf", ("end_of_life",), "75-84", "W06000003", "LL32", "cy"),
    ("Ms Carys Bowen", "direct_payment", ("learning_disability",), "25-44",
     "W06000015", "CF5", "en"),
    ("Mr Alan Price", "la_commissioned", ("physical_disability", "personal_care"), "65-74",
     "W06000015", "CF14", "en"),
    ("Mrs Eirlys Rees", "direct_payment", ("mental_health", "companionship"), "65-74",
     "W06000016", "CF37", "cy"),
    ("Mr David Walsh", "self_funded", ("domestic",), "75-84", "W06000011", "SA1", "en"),
    ("Mrs Mair Lloyd", "la_commissioned", ("personal_care", "sensory_impairment"), "85+",
     "W06000010", "SA31", "cy"),
    ("Mr Huw Bevan", "isf", ("dementia", "personal_care"), "75-84", "W06000008", "SA43", "cy"),
    ("Mrs Joan Fisher", "direct_payment", ("companionship",), "85+", "W06000022", "NP20", "en"),
    ("Mr Aled Pugh", "la_commissioned", ("dementia",), "65-74", "W06000023", "SY23", "cy"),
    ("Ms Bethan Morris", "direct_payment", ("physical_disability",), "45-64",
     "W06000002", "LL57", "cy"),
    ("Mr Kevin Shaw", "self_funded", ("personal_care", "domestic"), "75-84",
     "W06000015", "CF11", "en"),
)


def seed(session: Session, coop_type: str, today: date) -> None:
    """Add the demo clients to the co-op's session, unless it already has clients.

    Seed the workforce first: each client gets regular carers from the co-op's workers.
    """
    del today  # client records hold no dates
    if session.scalar(select(func.count(Client.id))):
        return
    workers = list(session.scalars(select(Worker.id).order_by(Worker.id)))
    people = PEOPLE if coop_type != "foster" else PEOPLE[:10]
    for index, (name, funding, needs, band, la, district, language) in enumerate(people):
        client = Client(display_name=name, funding_source=funding, age_band=band,
                        la_code=la, postcode_district=district, preferred_language=language)
        client.needs = [ClientNeed(need_type=n) for n in needs]
        if workers:
            carers = {workers[index % len(workers)], workers[(index + 3) % len(workers)]}
            client.regular_carers = [RegularCarer(worker_id=w) for w in sorted(carers)]
        session.add(client)
    session.flush()
