"""Demo data for the rota: weekly patterns for the co-op's clients and a week of visits.

``seed`` is idempotent: patterns are added only to a co-op that has none, and generating
a week's visits twice adds nothing (the unique pattern and start time).
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import func, select

from tenants.clients.models import Client
from tenants.rota import service
from tenants.rota.models import PatternSkill, VisitPattern
from tenants.workforce.models import Worker

TIMES = (time(8), time(12, 30), time(17), time(20))


def seed(session, coop_type: str, today: date) -> None:
    """Patterns for up to 12 clients (some with no worker, so the rota shows conflicts) and
    the visits of this week and next."""
    del coop_type  # every kind of co-op may run a rota
    clients = session.scalars(select(Client.id).where(Client.active)
                              .order_by(Client.id).limit(12)).all()
    workers = session.scalars(select(Worker.id).where(Worker.active).order_by(Worker.id)).all()
    if not clients:
        return
    monday = service.monday_of(today)
    if not session.scalar(select(func.count()).select_from(VisitPattern)):
        for n, client_id in enumerate(clients):
            for weekday in range(0, 7, 1 + n % 3):
                worker_id = workers[(n + weekday) % len(workers)] if workers else None
                if n % 4 == 3:
                    worker_id = None  # left for a coordinator: shows as a conflict
                session.add(VisitPattern(
                    client_id=client_id, worker_id=worker_id, weekday=weekday,
                    starts=TIMES[(n + weekday) % len(TIMES)], duration_minutes=30 + 15 * (n % 3),
                    welsh_required=n % 5 == 0, valid_from=monday,
                    skills=[PatternSkill(skill="personal_care")] if n % 2 == 0 else []))
        session.flush()
    for week in (monday, monday + timedelta(days=7)):
        service.do_generate_week(week, actor_account_id=None)
