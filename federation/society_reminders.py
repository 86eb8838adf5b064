"""The daily job that reminds each co-op of its AGM and FCA annual return (issue 12).

The periodic job asks for one job per active co-op (ids only). Each co-op's job works
out which reminders are due (``tenants.governance.reminders``), claims each one in the
co-op's store so it is sent once, and emails the co-op's secretary and the advisors of
every agency the co-op has granted access to. With neither, the co-op's admins get it,
so a duty is never silently missed. A failed send rolls the claim back; the next run
sends it again.
"""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.jobs import enqueue_after_commit
from core.timeutil import local_now
from federation.accounts.models import Account
from federation.agencies.models import AgencyAccess, AgencyAdvisor
from services.mail import service as mail
from tenants.context import bind_tenant, tenant_session
from tenants.governance import reminders
from tenants.officers import service as officers
from tenants.registry.models import Coop, CoopState, Membership, Role
from tenants.store import TenantRef

COOP_JOB = "federation.society_reminders:remind_coop"


def remind_all() -> int:
    """Job (daily): ask for each active co-op's reminder job; returns how many."""
    coop_ids = db.session.scalars(select(Coop.id).where(Coop.state == CoopState.ACTIVE)).all()
    for coop_id in coop_ids:
        enqueue_after_commit(db.session, COOP_JOB, coop_id, queue="default",
                             job_id=f"society-reminders-{coop_id}")
    return len(coop_ids)


def _advisor_emails(coop_id: int) -> list[str]:
    rows = db.session.scalars(
        select(Account.email).join(AgencyAdvisor, AgencyAdvisor.account_id == Account.id)
        .join(AgencyAccess, AgencyAccess.agency_id == AgencyAdvisor.agency_id)
        .where(AgencyAccess.coop_id == coop_id, AgencyAccess.withdrawn_at.is_(None)))
    return sorted(set(rows))


def _admin_emails(coop_id: int) -> list[str]:
    return sorted(set(db.session.scalars(
        select(Account.email).join(Membership, Membership.account_id == Account.id)
        .where(Membership.coop_id == coop_id, Membership.role == Role.ADMIN))))


def remind_coop(coop_id: int) -> int:
    """Job: send one co-op's due reminders, each once; returns how many were sent."""
    coop = db.session.get(Coop, int(coop_id))
    if coop is None or coop.state != CoopState.ACTIVE:
        return 0
    bind_tenant(TenantRef(coop.id, coop.slug))
    session = tenant_session()
    due = reminders.due_reminders(session, local_now().date())
    if not due:
        return 0
    to = officers.secretary_emails(session) + _advisor_emails(coop.id)
    to = sorted(set(to)) or _admin_emails(coop.id)
    first = coop.default_locale
    sent = 0
    for reminder in due:
        if not reminders.claim(session, reminder):
            continue
        subject, body = mail.bilingual(first, lambda loc, r=reminder: reminders.reminder_text(
            r, coop.display_name(loc), loc))
        for address in to:
            mail.send(address, subject, body)
        sent += 1
    return sent
