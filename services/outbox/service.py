"""Delivering co-op outbox events to the federation, idempotently."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from core.db import db
from core.jobs import JobRequest, dispatch_now
from services.outbox.handlers import HANDLERS, load_handler_modules
from services.outbox.models import InboxEvent
from tenants import provisioning
from tenants.audit.models import TenantAuditEvent
from tenants.care_person.models import FamilyGrant
from tenants.context import store
from tenants.governance.models import GeneralMeeting, MeetingNotice
from tenants.members import service as members
from tenants.members.models import Member
from tenants.outbox import service as outbox
from tenants.outbox.service import RELAY_JOB
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef

log = logging.getLogger(__name__)
RELAY_BATCH = 500  # the oldest pending events a relay reads at once
INVITATION_JOB = "services.mail.tasks:send_invitation"
NOTICE_JOB = "services.mail.meetings:send_meeting_notice"
FAMILY_MAIL_JOB = "federation.care.tasks:send_family_invitation"
SCHEDULE_MAIL_JOB = "federation.schedules.tasks:send_schedule"
# A schedule asked for longer ago than this is no longer worth sending.
SCHEDULE_KEEP = timedelta(days=2)


def relay(coop_id: int) -> int:
    """Apply a co-op's undelivered events in the federation; returns how many were new.

    The federation commits first; if the process dies before the co-op marks the
    events delivered, the next relay finds them in the inbox and skips them. An event
    no handler knows stays pending (never marked delivered, never put in the inbox), so
    the release that brings its handler delivers it; the sweeper keeps asking till then.
    """
    coop = db.session.get(Coop, coop_id)
    if coop is None or coop.state in (CoopState.PENDING, CoopState.FAILED):
        return 0
    session = store().session(TenantRef(coop.id, coop.slug))
    try:
        load_handler_modules()
        known = set(HANDLERS)
        # Events no handler knows are not read at all, so however many wait for their
        # handler, the batch is always of events this release can deliver.
        for type_, count in outbox.pending_except(session, known).items():
            log.warning("no handler for outbox event %s from co-op %s: %s left pending",
                        type_, coop_id, count)
        events = outbox.undelivered(session, limit=RELAY_BATCH, types=known)
        if not events:
            return 0
        seen = set(db.session.scalars(select(InboxEvent.event_id).where(
            InboxEvent.coop_id == coop_id,
            InboxEvent.event_id.in_([e.event_id for e in events]))))
        applied = 0
        delivered = []
        for event in events:
            if event.event_id in seen:
                delivered.append(event.id)
                continue
            handler = HANDLERS[event.type]
            db.session.add(InboxEvent(coop_id=coop_id, event_id=event.event_id, type=event.type))
            handler(coop_id, dict(event.payload))
            delivered.append(event.id)
            applied += 1
        db.session.commit()
        outbox.mark_delivered(session, delivered)
        session.commit()
        return applied
    finally:
        session.close()


def sweep() -> dict[str, int]:
    """Find work a lost job left behind, from the stores alone (nothing from Redis).

    Stuck provisioning, undelivered outbox events, and invitations, meeting notices,
    family invitations and workers' schedules never emailed (the job that would have
    sent them was lost with Redis's queue). Each is queued again under its usual dedupe
    key, which a dead job no longer holds.
    """
    retry_after = timedelta(seconds=current_app.config["PROVISION_RETRY_SECONDS"])
    cutoff = datetime.now(UTC) - retry_after
    stuck = list(db.session.scalars(select(Coop).where(
        Coop.state.in_([CoopState.PENDING, CoopState.PROVISIONING]),
        Coop.updated_at < cutoff)))
    for coop in stuck:
        provisioning.enqueue_provisioning(coop)
    db.session.commit()
    relayed = invites = notices = family = schedules = 0
    active = db.session.execute(select(Coop.id, Coop.slug).where(
        Coop.state == CoopState.ACTIVE)).all()
    db.session.rollback()  # hold no federation transaction while visiting co-ops
    requests = []
    unsent_before = datetime.now(UTC) - timedelta(
        seconds=current_app.config["SEND_GRACE_SECONDS"])
    for coop_id, slug in active:
        session = store().session(TenantRef(coop_id, slug))
        try:
            if outbox.undelivered(session, limit=1):
                requests.append(JobRequest(RELAY_JOB, (coop_id,), "outbox", f"relay-{coop_id}"))
                relayed += 1
            for invitation_id in members.unsent_invitations(session, unsent_before):
                requests.append(JobRequest(INVITATION_JOB, (coop_id, invitation_id), "default",
                                           f"invite-{coop_id}-{invitation_id}"))
                invites += 1
            for notice_id in unsent_notices(session, unsent_before):
                requests.append(JobRequest(NOTICE_JOB, (coop_id, notice_id), "default",
                                           f"notice-{coop_id}-{notice_id}"))
                notices += 1
            for grant_id in unsent_family_invitations(session, unsent_before):
                requests.append(JobRequest(FAMILY_MAIL_JOB, (coop_id, grant_id), "default",
                                           f"care-invite-{coop_id}-{grant_id}"))
                family += 1
            for worker_id, monday, event_id in unsent_schedules(session, unsent_before):
                requests.append(JobRequest(SCHEDULE_MAIL_JOB, (coop_id, worker_id, monday,
                                                               event_id), "default",
                                           f"schedule-{coop_id}-{worker_id}-{event_id}"))
                schedules += 1
        finally:
            session.close()
    dispatch_now(requests)
    return {"provisioning": len(stuck), "relays": relayed, "invitations": invites,
            "meeting_notices": notices, "family_invitations": family, "schedules": schedules}


def unsent_notices(session, given_before: datetime, limit: int = 500) -> list[int]:
    """Notice emails of meetings still to come, given before ``given_before`` and never
    sent: their job was lost (a flushed or stopped Redis)."""
    return list(session.scalars(
        select(MeetingNotice.id)
        .join(GeneralMeeting, GeneralMeeting.id == MeetingNotice.meeting_id)
        .join(Member, Member.id == MeetingNotice.member_id)
        .where(MeetingNotice.channel == "email", MeetingNotice.sent_at.is_(None),
               Member.email.is_not(None), GeneralMeeting.notice_sent_at < given_before,
               GeneralMeeting.held_at > datetime.now(UTC))
        .order_by(MeetingNotice.id).limit(limit)))


def unsent_family_invitations(session, made_before: datetime, limit: int = 500) -> list[int]:
    """Family invitations still open, made before ``made_before`` and never emailed: the
    job that makes their link was lost. (The job marks one sent in the same transaction
    as it emails it, and the dedupe key keeps a swept copy from running beside a live one.)
    """
    return list(session.scalars(
        select(FamilyGrant.id).where(
            FamilyGrant.sent_at.is_(None), FamilyGrant.accepted_at.is_(None),
            FamilyGrant.revoked_at.is_(None), FamilyGrant.expires_at > datetime.now(UTC),
            FamilyGrant.created_at < made_before)
        .order_by(FamilyGrant.id).limit(limit)))


def unsent_schedules(session, asked_before: datetime) -> list[tuple[int, int, int]]:
    """Workers' schedules asked for by email (in the last ``SCHEDULE_KEEP``, before
    ``asked_before``) that the job never recorded as sent: (worker, Monday's ordinal,
    request) for each. The request and its sending are both in the co-op's audit log."""
    since = datetime.now(UTC) - SCHEDULE_KEEP
    asked = session.execute(select(
        TenantAuditEvent.id, TenantAuditEvent.subject_id, TenantAuditEvent.detail).where(
        TenantAuditEvent.action == "rota.schedule_emailed", TenantAuditEvent.at >= since,
        TenantAuditEvent.at < asked_before).order_by(TenantAuditEvent.id).limit(500)).all()
    if not asked:
        return []
    sent = {detail.get("request") for detail in session.scalars(
        select(TenantAuditEvent.detail).where(
            TenantAuditEvent.action == "rota.schedule_sent", TenantAuditEvent.at >= since))}
    return [(worker_id, date.fromisoformat(detail["week"]).toordinal(), event_id)
            for event_id, worker_id, detail in asked if event_id not in sent]
