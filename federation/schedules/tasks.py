"""The schedule email (WSI 2017/1264 reg 41): a job with ids only that reads the worker's
week from the co-op's store and their address from the federation, and sends it once."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core import formatting
from core.db import db
from federation.accounts.models import Account
from services.mail import service as mail
from tenants.audit.models import TenantAuditEvent
from tenants.audit.service import record
from tenants.context import bind_tenant, tenant_session
from tenants.registry.models import Coop, CoopState
from tenants.rota.schedule import week_schedule
from tenants.store import TenantRef
from tenants.workforce.models import Worker


def _text(coop: Coop, name: str, days, monday: date, locale: str) -> tuple[str, str]:
    with force_locale(locale):
        kinds = {"travel": _("Travel"), "visit": _("Visit"), "break": _("Break")}
        subject = _("Your schedule for the week starting %(day)s", day=formatting.day(monday))
        lines = [_("Hello %(name)s,", name=name), "",
                 _("Your schedule from %(coop)s, with travel, visits and breaks:",
                   coop=coop.display_name(locale)), ""]
        for day in days:
            lines.append(day.day.isoformat())
            for item in day.items:
                where = f" ({item.client_name})" if item.kind == "visit" else ""
                lines.append(f"  {item.start:%H:%M}-{item.end:%H:%M} {kinds[item.kind]}"
                             f"{where}: " + _("%(minutes)s minutes", minutes=item.minutes))
            if not day.items:
                lines.append("  " + _("No visits."))
    return subject, "\n".join(lines)


def send_schedule(coop_id: int, worker_id: int, monday: int, event_id: int) -> bool:
    """Job: email a worker their week (``monday`` as an ordinal) for one request.

    ``event_id`` is the audit row of the request; the co-op's audit log records
    ``rota.schedule_sent`` for it in the same transaction as the job's end, so a job run
    again after it finished sends nothing (at least once if it dies mid-send). False when
    there is nothing to send.
    """
    coop = db.session.get(Coop, int(coop_id))
    if coop is None or coop.state != CoopState.ACTIVE:
        return False
    bind_tenant(TenantRef(coop.id, coop.slug))
    session = tenant_session()
    sent = session.scalars(select(TenantAuditEvent.detail).where(
        TenantAuditEvent.action == "rota.schedule_sent",
        TenantAuditEvent.subject_id == int(worker_id)))
    if any(detail.get("request") == int(event_id) for detail in sent):
        return False
    worker = session.get(Worker, int(worker_id))
    account = db.session.get(Account, worker.account_id) if worker and worker.account_id \
        else None
    if account is None:
        return False
    week = date.fromordinal(int(monday))
    days = week_schedule(worker, week)
    mail.send(account.email, *mail.bilingual(coop.default_locale, lambda loc: _text(
        coop, worker.display_name, days, week, loc)))
    record(session, "rota.schedule_sent", subject_type="worker", subject_id=worker.id,
           request=int(event_id), week=week.isoformat())
    return True
