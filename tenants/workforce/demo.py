"""Demo care workers: Welsh and English names, a spread of skills and Welsh, and checks
about to lapse (and one lapsed) so the checks dashboard has something to show.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.workforce.models import Availability, Worker, WorkerSkill

# name, Welsh level, skills, contracted hours, LA, postcode district, radius
PEOPLE = (
    ("Elin Pritchard", "fluent", ("personal_care", "medication", "dementia"), 37.5,
     "W06000002", "LL55", 15),
    ("Gareth Morgan", "conversational", ("personal_care", "moving_handling", "hoist"), 30,
     "W06000002", "LL54", 20),
    ("Siân Hughes", "fluent", ("end_of_life", "personal_care", "companionship"), 24,
     "W06000001", "LL77", 25),
    ("Rhys ap Dafydd", "fluent", ("driving", "companionship", "domestic"), 16,
     "W06000003", "LL32", 30),
    ("Megan Roberts", "learner", ("learning_disability", "personal_care"), 37.5,
     "W06000015", "CF5", 10),
    ("Tom Evans", "none", ("moving_handling", "hoist", "catheter_care"), 40,
     "W06000015", "CF14", 12),
    ("Ffion Lewis", "conversational", ("mental_health", "companionship"), 20,
     "W06000016", "CF37", 15),
    ("Sarah Thomas", "none", ("personal_care", "domestic"), 12,
     "W06000011", "SA1", 10),
    ("Dylan Jenkins", "learner", ("peg_feeding", "medication", "personal_care"), 35,
     "W06000010", "SA31", 25),
    ("Catrin Williams", "fluent", ("dementia", "end_of_life", "medication"), 30,
     "W06000008", "SA43", 30),
    ("Mark Davies", "none", ("driving", "domestic", "companionship"), 8,
     "W06000022", "NP20", 15),
    ("Nia Owen", "fluent", ("personal_care", "dementia", "moving_handling"), 28,
     "W06000023", "SY23", 35),
)


def _checks(index: int, today: date) -> dict:
    """Varied check dates: most valid, some lapsing within 30 days, one lapsed."""
    started = today - timedelta(days=400 + 97 * index)
    checks = {"started_on": started, "dbs_certificate_date": today - timedelta(days=300),
              "dbs_update_service": index % 3 == 0,
              "scw_registration_number": f"SCW{4100230 + index * 7:07d}",
              "scw_expires_on": today + timedelta(days=400 + 11 * index)}
    if index == 1:  # DBS certificate reaches three years in 12 days
        checks.update(dbs_certificate_date=today - timedelta(days=3 * 365 - 12),
                      dbs_update_service=False)
    elif index == 4:  # SCW registration expires, and DBS reaches three years, in 20 days
        checks.update(scw_expires_on=today + timedelta(days=20),
                      dbs_certificate_date=today - timedelta(days=3 * 365 - 20),
                      dbs_update_service=False)
    elif index == 7:  # DBS certificate out of date last week, SCW registration expired
        checks.update(scw_expires_on=today - timedelta(days=7), dbs_update_service=False,
                      dbs_certificate_date=today - timedelta(days=3 * 365 + 7))
    elif index == 10:  # a new starter, registration due within the month
        checks.update(started_on=today - timedelta(days=165), scw_registration_number=None,
                      scw_expires_on=None)
    return checks


def seed(session: Session, coop_type: str, today: date) -> None:
    """Add the demo workers to the co-op's session, unless it already has workers."""
    if session.scalar(select(func.count(Worker.id))):
        return
    people = PEOPLE if coop_type != "foster" else PEOPLE[:8]
    for index, (name, welsh, skills, hours, la, district, radius) in enumerate(people):
        worker = Worker(display_name=name, welsh_level=welsh,
                        contracted_hours=Decimal(str(hours)), base_la_code=la,
                        base_postcode_district=district, travel_radius_km=radius,
                        wt_opt_out=index == 5,
                        wt_opt_out_signed_on=today - timedelta(days=200) if index == 5 else None,
                        **_checks(index, today))
        worker.skills = [WorkerSkill(skill=s) for s in skills]
        days = range(5) if hours >= 30 else range(index % 3, index % 3 + 3)
        worker.availability = [
            Availability(weekday=d, starts=time(7 + index % 3, 0), ends=time(15 + index % 4, 0))
            for d in days]
        session.add(worker)
    session.flush()
