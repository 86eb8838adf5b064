"""The demo workforce and clients: plausible, with checks to act on, and seeded once."""

from __future__ import annotations

from sqlalchemy import func, select

from tenants.clients import demo as clients_demo
from tenants.clients.models import Client, RegularCarer
from tenants.workforce import demo as workforce_demo
from tenants.workforce.checks import check_status
from tenants.workforce.models import Worker
from tenants.workforce.service import today


def test_demo_seeds_each_coop_once(two_coops, coop_session):
    (a, _), (b, _) = two_coops
    for coop, coop_type in ((a, "worker"), (b, "dp_pool")):
        for _ in range(2):
            with coop_session(coop) as session:
                workforce_demo.seed(session, coop_type, today())
                clients_demo.seed(session, coop_type, today())
    for coop in (a, b):
        with coop_session(coop) as session:
            workers = list(session.scalars(select(Worker)))
            assert 8 <= len(workers) <= 15
            statuses = [check_status(w, today()) for w in workers]
            assert sum(1 for s in statuses if not s.valid) == 1
            assert sum(1 for s in statuses if s.valid and s.flagged) >= 2
            assert {w.welsh_level for w in workers} >= {"fluent", "none"}
            assert all(w.skills and w.availability for w in workers)
            clients = session.scalar(select(func.count()).select_from(Client))
            assert 10 <= clients <= 20
            assert session.scalar(select(func.count(func.distinct(RegularCarer.client_id)))) \
                == clients
