"""Notice of general meetings by email: the outbox handler and the mail jobs.

A co-op giving notice writes one ``meeting_notices`` row per member and emits
``meeting.notice``. The handler asks for ``send_meeting_notices``, which asks for one
``send_meeting_notice`` job per email not yet sent, so one failed address does not hold
up, or resend, the others. Jobs take ids only; each email is marked sent in its own job.
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


def send_meeting_notice(coop_id: int, notice_id: int) -> bool:
    """Job: email one member the notice, in the co-op's language first, then the other."""
    coop = _enter(coop_id)
    if coop is None:
        return False
    session = tenant_session()
    notice = session.get(MeetingNotice, int(notice_id))
    if notice is None or notice.sent_at is not None or notice.channel != "email":
        return False
    member = session.get(Member, notice.member_id)
    meeting = session.get(GeneralMeeting, notice.meeting_id)
    if member is None or not member.email or meeting is None:
        return False
    first = coop.default_locale
    texts = [meetings.notice_text(session, meeting, coop.display_name(loc), loc)
             for loc in (first, "en" if first == "cy" else "cy")]
    subject = f"{texts[0][0]} / {texts[1][0]}"
    body = f"{member.display_name},\n\n{texts[0][1]}\n\n----\n\n{texts[1][1]}\n"
    mail.send(member.email, subject, body)
    meetings.mark_notice_sent(session, notice.id)
    return True
