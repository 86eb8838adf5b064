"""A worker's own schedule for a week (WSI 2017/1264 reg 41): each day's travel, visits and
breaks, to print or to email to them. Travel is the time before a visit; a break is the
time between the end of one visit and the start of travel to the next on the same day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from core.errors import ValidationError
from core.jobs import enqueue_after_commit
from tenants.audit.service import record
from tenants.clients.models import Client
from tenants.context import current_tenant, tenant_session
from tenants.rota.models import Visit
from tenants.rota.service import NOT_WORKED, monday_of
from tenants.workforce.models import Worker

SCHEDULE_MAIL_JOB = "federation.schedules.tasks:send_schedule"


@dataclass(frozen=True)
class Item:
    """One stretch of a day: ``kind`` is travel, visit or break."""

    kind: str
    start: datetime
    end: datetime
    client_name: str = ""

    @property
    def minutes(self) -> int:
        """Its length in whole minutes."""
        return int((self.end - self.start).total_seconds() // 60)


@dataclass
class Day:
    """A day of the schedule, with its totals."""

    day: date
    items: list[Item] = field(default_factory=list)

    def total(self, kind: str) -> int:
        """Minutes of ``kind`` in the day."""
        return sum(i.minutes for i in self.items if i.kind == kind)


def week_schedule(worker: Worker, week: date) -> list[Day]:
    """The worker's seven days from ``week``'s Monday: travel, visits and breaks in order."""
    monday = monday_of(week)
    start = datetime.combine(monday, time())
    rows = tenant_session().execute(
        select(Visit.starts_at, Visit.ends_at, Visit.travel_minutes, Client.display_name)
        .join(Client, Client.id == Visit.client_id)
        .where(Visit.worker_id == worker.id, Visit.starts_at >= start,
               Visit.starts_at < start + timedelta(days=7), Visit.status.not_in(NOT_WORKED))
        .order_by(Visit.starts_at)).all()
    days = [Day(monday + timedelta(days=i)) for i in range(7)]
    for row in rows:
        day = days[(row.starts_at.date() - monday).days]
        travel_from = row.starts_at - timedelta(minutes=row.travel_minutes or 0)
        previous = next((i for i in reversed(day.items) if i.kind == "visit"), None)
        if previous is not None and travel_from > previous.end:
            day.items.append(Item("break", previous.end, travel_from))
        if row.travel_minutes:
            day.items.append(Item("travel", travel_from, row.starts_at))
        day.items.append(Item("visit", row.starts_at, row.ends_at, row.display_name))
    return days


def do_email_schedule(worker: Worker, week: date, *, actor_account_id: int) -> None:
    """Queue the worker's schedule for the week to their email; audited, sent after commit.

    Refused when the worker has no sign-in account (and so no email address on record).
    """
    if worker.account_id is None:
        raise ValidationError({"worker": ["This worker has no sign-in account, so coopfed has "
                                          "no email address for them: print the schedule "
                                          "instead."]})
    session = tenant_session()
    monday = monday_of(week)
    event = record(session, "rota.schedule_emailed", actor_account_id=actor_account_id,
                   subject_type="worker", subject_id=worker.id, week=monday.isoformat())
    session.flush()
    coop_id = current_tenant().id
    enqueue_after_commit(session, SCHEDULE_MAIL_JOB, coop_id, worker.id, monday.toordinal(),
                         event.id, job_id=f"schedule-{coop_id}-{worker.id}-{event.id}")
