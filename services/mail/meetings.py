"""Notice of general meetings by email: the outbox handler and the mail jobs.

A co-op giving notice writes one ``meeting_notices`` row per member and emits
``meeting.notice``. The handler asks for ``send_meeting_notices``, which asks for one
``send_meeting_notice`` job per email not yet sent, so one failed address does not hold
up, or resend, the others. Jobs take ids only; each email is marked sent in its own job.

Each email is claimed under its idempotency key (``notice-<co-op>-<notice>``) before it
is sent, as invitations are, and a notice unsent a while after notice was given is queued
again by the outbox's sweeper: a flushed Redis, two racing jobs or a sender killed
mid-send leave each member emailed once.
"""

from __future__ import annotations

from core import audit
from core.db import db
from core.jobs import enqueue_after_commit
from services.mail import service as mail
from services.outbox.handlers import handles
from tenants.context import bind_tenant, tenant_session
from tenants.governance import meetings
from tenants.governance.models import GeneralMeeting, MeetingNotice
from tenants.members.models import Member
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef

FAN_OUT_JOB = "services.mail.meetings:send_meeting_notices"
ONE_JOB = "services.mail.meetings:send_meeting_notice"


@handles("meeting.notice")
def _meeting_notice(coop_id: int, payload: dict) -> None:
    meeting_id = int(payload["meeting_id"])
    audit.record(db.session, "meeting.notice_relayed", coop_id=coop_id, meeting_id=meeting_id)
    enqueue_after_commit(db.session, FAN_OUT_JOB, coop_id, meeting_id, queue="default",
                         job_id=f"notices-{coop_id}-{meeting_id}")


def _enter(coop_id: int) -> Coop | None:
    coop = db.session.get(Coop, int(coop_id))
    if coop is None or coop.state != CoopState.ACTIVE:
        return None
    bind_tenant(TenantRef(coop.id, coop.slug))
    return coop


def send_meeting_notices(coop_id: int, meeting_id: int) -> int:
    """Job: ask for one email job per notice not yet sent; returns how many."""
    if _enter(coop_id) is None:
        return 0
    pending = meetings.emails_to_send(tenant_session(), int(meeting_id))
    for notice in pending:
        enqueue_after_commit(db.session, ONE_JOB, int(coop_id), notice.notice_id,
                             queue="default", job_id=f"notice-{coop_id}-{notice.notice_id}")
    return len(pending)


def notice_key(coop_id: int, notice_id: int) -> str:
    """The idempotency key of one member's notice email."""
    return f"notice-{int(coop_id)}-{int(notice_id)}"


def send_meeting_notice(coop_id: int, notice_id: int) -> bool:
    """Job: email one member the notice, in the co-op's language first, then the other.

    Returns False when there is nothing to send (sent, being sent by another job, a
    letter, or no address). Claimed before it is sent and marked after, as for
    invitations (``services.mail.tasks``); if the co-op's mark was lost after the email
    went (the job's rollback), a later run finds the claim sent and marks the notice.
    """
    coop = db.session.get(Coop, int(coop_id))
    if coop is None or coop.state != CoopState.ACTIVE:
        return False
    key = notice_key(coop.id, notice_id)
    if not mail.claim(key, ONE_JOB, coop.id, int(notice_id)):
        if mail.was_sent(key):
            bind_tenant(TenantRef(coop.id, coop.slug))
            meetings.mark_notice_sent(tenant_session(), int(notice_id))
        return False
    try:
        bind_tenant(TenantRef(coop.id, coop.slug))
        session = tenant_session()
        notice = session.get(MeetingNotice, int(notice_id))
        member = session.get(Member, notice.member_id) if notice is not None else None
        meeting = session.get(GeneralMeeting, notice.meeting_id) if notice is not None \
            else None
        if (notice is None or notice.sent_at is not None or notice.channel != "email"
                or member is None or not member.email or meeting is None):
            mail.mark_sent(key)  # nothing to send, ever
            return False
        subject, body = mail.bilingual(
            coop.default_locale,
            lambda loc: meetings.notice_text(session, meeting, coop.display_name(loc), loc),
            opening=f"{member.display_name},\n\n")
        mail.send(member.email, subject, body, key=key)
    except Exception:
        mail.release(key)  # nothing went out: a retry may claim it at once
        raise
    mail.mark_sent(key)
    meetings.mark_notice_sent(session, notice.id)
    return True
