"""Making workers, clients, members and visits directly with the ORM, for rota and pool tests."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from tenants.clients.models import Client
from tenants.members.models import Member
from tenants.rota.models import Visit, VisitSkill
from tenants.workforce.models import Worker, WorkerSkill

_names = itertools.count(1)


def make_worker(session, *, skills=("personal_care",), **values) -> int:
    """A worker whose checks are valid, by default; returns its id."""
    defaults = {"display_name": f"Worker {next(_names)}", "started_on": date(2020, 1, 1),
                "scw_registration_number": "SCW123", "scw_expires_on": date(2030, 1, 1),
                "dbs_certificate_date": date(2025, 1, 1), "dbs_update_service": True,
                "welsh_level": "fluent", "contracted_hours": 37}
    worker = Worker(**{**defaults, **values},
                    skills=[WorkerSkill(skill=s) for s in skills])
    session.add(worker)
    session.flush()
    return worker.id


def make_client(session, **values) -> int:
    """A client; returns its id."""
    defaults = {"display_name": f"Client {next(_names)}", "funding_source": "direct_payment",
                "age_band": "75-84", "la_code": "W06000015", "preferred_language": "en"}
    client = Client(**{**defaults, **values})
    session.add(client)
    session.flush()
    return client.id


def make_member(session, account_id=None) -> int:
    """A member of the co-op; returns its id."""
    member = Member(display_name=f"Member {next(_names)}", joined_on=date(2024, 1, 1),
                    account_id=account_id)
    session.add(member)
    session.flush()
    return member.id


def make_visit(session, client_id: int, starts_at: datetime, minutes: int, *,
               worker_id=None, skills=(), **values) -> int:
    """A visit; returns its id."""
    visit = Visit(client_id=client_id, worker_id=worker_id, starts_at=starts_at,
                  ends_at=starts_at + timedelta(minutes=minutes),
                  skills=[VisitSkill(skill=s) for s in skills], **values)
    session.add(visit)
    session.flush()
    return visit.id


def count(session, model) -> int:
    """Rows in a table of the co-op."""
    return session.scalar(select(func.count()).select_from(model))
