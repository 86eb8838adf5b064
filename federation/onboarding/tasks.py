"""Onboarding jobs. Each takes ids only, reads what it needs, and may safely run twice.

``apply_draft`` follows provisioning: it is queued on the provisioning queue in the same
commit as the provisioning job, so a worker normally finds the co-op active already.
If it runs first (several workers, in-process threads), it waits a moment and queues
itself again; if the co-op failed, it stops, and the progress page's "try again" queues
both jobs anew. A lost apply job is queued again by the progress page (see
``service.progress``), so a crash between the two never strands a co-op.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from core import audit
from core.db import db
from core.jobs import enqueue_after_commit
from core.timeutil import as_utc, utcnow
from federation.accounts.models import Account
from federation.onboarding import apply
from federation.onboarding import service as onboarding
from federation.onboarding.models import Draft
from federation.onboarding.service import (
    APPLY_JOB,
    RESUME_MAIL_JOB,
    enqueue_apply,
    enqueue_resume_email,
    issue_resume_token,
    mark_applied,
    request_stamp,
    resume_path,
    step_answers,
)
from services.mail import service as mail
from tenants.context import bind_tenant, finish_tenant_session, tenant_session
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef

# While the co-op is still being provisioned: how long to wait before asking again, and
# for how long after submitting to keep asking.
POLL_SECONDS = 0.1
POLL_MAX_SECONDS = 2.0
# An unfinished draft nobody has touched for this long is deleted, founders' emails and all.
DRAFT_KEEP = timedelta(days=180)
POLL_FOR = timedelta(minutes=10)


def apply_draft(coop_id: int, draft_id: int) -> str:
    """Job: write the draft's classes, founding members and settings into its co-op.

    The co-op's store commits first and the draft is marked applied after, so a crash
    in between leaves the draft unapplied and a re-run (which changes nothing already
    there) finishes the work.
    """
    # Two runs of this job (a retry, the sweeper, several workers) take turns: the second
    # waits on the draft's row lock, then finds it applied (PostgreSQL; on SQLite the
    # store's write lock does the same, and the founders' key is the backstop).
    draft = db.session.get(Draft, int(draft_id), with_for_update=True)
    coop = db.session.get(Coop, int(coop_id))
    if draft is None or coop is None or draft.coop_id != coop.id:
        return "missing"
    if draft.applied_at is not None:
        return "applied"
    if coop.state in (CoopState.PENDING, CoopState.PROVISIONING):
        waited = utcnow() - as_utc(draft.submitted_at)
        if waited < POLL_FOR:
            db.session.rollback()  # hold no lock while provisioning works
            # Ask often at first, then back off: a co-op stuck waiting for the sweeper to
            # re-queue its provisioning should not keep a worker busy.
            time.sleep(min(POLL_MAX_SECONDS, POLL_SECONDS + waited.total_seconds() / 20))
            enqueue_after_commit(db.session, APPLY_JOB, int(coop_id), int(draft_id),
                                 queue="provisioning", job_id=f"onboarding-apply-{draft_id}")
        return "waiting"
    if coop.state != CoopState.ACTIVE:
        return str(coop.state)
    admin = db.session.get(Account, coop.first_admin_account_id) \
        if coop.first_admin_account_id else None
    bind_tenant(TenantRef(coop.id, coop.slug))
    classes = step_answers(draft, "governance").get("classes", [])
    apply.apply_draft(tenant_session(), draft, classes,
                      admin_account_id=admin.id if admin else None,
                      admin_email=admin.email if admin else None)
    finish_tenant_session(commit=True)
    mark_applied(draft)
    audit.record(db.session, "onboarding.applied", actor_account_id=admin.id if admin else None,
                 coop_id=coop.id, draft_id=draft.id)
    return "applied"


def _resume_text(locale: str, link: str) -> tuple[str, str]:
    # A fixed text: nothing the person who asked typed (the group's name included) goes
    # into it, so the form cannot be used to send words of one's choosing to anyone.
    with force_locale(locale):
        subject = _("Carry on setting up your co-op on coopfed")
        body = _("Hello,\n\nSomeone, we hope you, asked us to keep a group's answers in "
                 "coopfed's set-up wizard and send the link to this address. Open this link "
                 "to carry on where you stopped:\n%(link)s\n\nYou will be asked for this "
                 "email address. The link works once. If you did not ask for it, ignore this "
                 "email.", link=link)
    return subject, body


def resume_key(draft_id: int, requested: int) -> str:
    """The idempotency key of the resume-link email asked for at ``requested``."""
    return f"resume-{int(draft_id)}-{int(requested)}"


def send_resume_link(draft_id: int, requested: int | None = None) -> bool:
    """Job: make the emailed link's token, store its hash, and email the link (once).

    ``requested`` names the request (see ``service.request_stamp``); a job queued before
    this change has none and sends for the latest. Returns False when nothing is due (sent
    already, being sent, or superseded by a later request or a submission). As for
    invitations: claim the email, store the token's hash (committed), send, mark it sent;
    a sender that died before the end leaves a lapsed claim that the sweeper runs again.
    """
    draft = db.session.get(Draft, int(draft_id))
    if draft is None or draft.mail_requested_at is None:
        return False
    latest = request_stamp(draft)
    requested = latest if requested is None else int(requested)
    key = resume_key(draft.id, requested)
    if not mail.claim(key, RESUME_MAIL_JOB, draft.id, requested):
        return False
    try:
        issued = issue_resume_token(int(draft_id), requested=requested)
        if issued is None:
            db.session.rollback()
            mail.mark_sent(key)  # nothing to send, ever: submitted or asked for again
            return False
        draft, token = issued
        link = current_app.config["PUBLIC_URL"] + resume_path(token)
        subject, body = mail.bilingual(draft.locale, lambda loc: _resume_text(loc, link))
        to_email = draft.contact_email
        db.session.commit()  # the link works before anyone can receive it
        mail.send(to_email, subject, body, key=key)
    except Exception:
        mail.release(key)  # nothing went out: a retry may claim it at once
        raise
    mail.mark_sent(key)
    return True


def sweep() -> dict[str, int]:
    """Job (every few minutes): re-queue applies and resume-link emails that were lost,
    delete abandoned drafts.

    A draft whose co-op has been active for a while without the draft applied lost its
    apply job (a crash, a flushed Redis); queueing it again is safe, as applying is
    idempotent. A resume link asked for and not sent lost its job the same way; its
    email's claim keeps a re-queued one from going out twice.
    """
    cutoff = utcnow() - onboarding.APPLY_GRACE
    lost = list(db.session.scalars(select(Draft).join(Coop, Coop.id == Draft.coop_id).where(
        Draft.applied_at.is_(None), Coop.state == CoopState.ACTIVE,
        Coop.provisioned_at < cutoff)))
    for draft in lost:
        enqueue_apply(draft)
    unsent = list(db.session.scalars(select(Draft).where(
        Draft.submitted_at.is_(None), Draft.contact_email.is_not(None),
        Draft.mail_requested_at < utcnow() - timedelta(
            seconds=current_app.config["SEND_GRACE_SECONDS"]),
        or_(Draft.mailed_at.is_(None), Draft.mailed_at < Draft.mail_requested_at))
        .order_by(Draft.id).limit(500)))
    for draft in unsent:
        enqueue_resume_email(draft)
    stale = list(db.session.scalars(select(Draft).where(
        Draft.coop_id.is_(None), Draft.updated_at < utcnow() - DRAFT_KEEP)))
    for draft in stale:
        audit.record(db.session, "onboarding.draft_expired", draft_id=draft.id)
        db.session.delete(draft)
    db.session.flush()
    return {"applies": len(lost), "resume_links": len(unsent), "expired": len(stale)}
