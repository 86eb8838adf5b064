"""Agency jobs. Each takes ids only and reads what it needs from the federation's store."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core import audit, formatting
from core.db import db
from core.jobs import JobRequest, dispatch_now
from core.timeutil import as_utc, utcnow
from federation.accounts.models import Account
from federation.agencies.handover import MAIL_JOB, token_hash
from federation.agencies.models import Handover
from services.mail import service as mail
from tenants.registry.models import Coop


def handover_link(token: str) -> str:
    """The absolute link in a hand-over email, at the deployment's public address."""
    return f"{current_app.config['PUBLIC_URL']}/handovers/{token}"


def _text(coop: Coop, handover: Handover, advisor: str, link: str,
          locale: str) -> tuple[str, str]:
    with force_locale(locale):
        coop_name = coop.display_name(locale)
        subject = _("Take over %(coop)s on coopfed", coop=coop_name)
        body = _("Hello %(name)s,\n\n%(advisor)s set up %(coop)s on coopfed on your group's "
                 "behalf, and now asks you to take it over as its admin. When you accept, "
                 "you run the co-op's workspace and %(advisor)s is no longer a member of it."
                 "\n\nSign in (or create an account) with this email address, then open "
                 "this link to accept:\n%(link)s\n\nThe link works until %(expires)s.",
                 name=handover.to_name, advisor=advisor, coop=coop_name, link=link,
                 expires=formatting.day(as_utc(handover.expires_at)))
    return subject, body


def handover_key(handover_id: int) -> str:
    """The idempotency key of a hand-over's email."""
    return f"handover-{int(handover_id)}"


def send_handover(handover_id: int) -> bool:
    """Job: make the link's token, store its hash, and email the link (once).

    Returns False when there is nothing to send (already sent, being sent by another
    job, accepted, cancelled or expired). As for invitations (``services.mail.tasks``):
    claim the email (a lease, committed); store the token's hash (committed, so the link
    works before anyone can receive it); send; mark the email sent. A sender that died
    before the last step leaves a lapsed claim, and the sweeper runs this job again,
    which makes a fresh token, as the first link never reached anyone.
    """
    handover = db.session.get(Handover, int(handover_id))
    if handover is None:
        return False
    key = handover_key(handover.id)
    if not mail.claim(key, MAIL_JOB, handover.id):
        return False
    try:
        handover = db.session.get(Handover, int(handover_id), populate_existing=True)
        if (handover.accepted_at is not None or handover.cancelled_at is not None
                or as_utc(handover.expires_at) <= utcnow()):
            db.session.rollback()
            mail.mark_sent(key)  # nothing to send, ever
            return False
        coop = db.session.get(Coop, handover.coop_id)
        advisor = db.session.get(Account, handover.from_account_id) \
            if handover.from_account_id else None
        token = secrets.token_urlsafe(32)
        handover.token_hash = token_hash(token)
        handover.sent_at = utcnow()
        audit.record(db.session, "handover.sent", coop_id=coop.id, handover_id=handover.id)
        sender = advisor.display_name if advisor else "coopfed"
        subject, body = mail.bilingual(coop.default_locale, lambda loc: _text(
            coop, handover, sender, handover_link(token), loc))
        to_email = handover.to_email
        db.session.commit()  # the link works before anyone can receive it
        mail.send(to_email, subject, body, key=key)
    except Exception:
        mail.release(key)  # nothing went out: a retry may claim it at once
        raise
    mail.mark_sent(key)
    return True


def unsent(created_before, limit: int = 500) -> list[int]:
    """Open hand-overs whose email was never sent, requested before ``created_before``."""
    return list(db.session.scalars(select(Handover.id).where(
        Handover.sent_at.is_(None), Handover.accepted_at.is_(None),
        Handover.cancelled_at.is_(None), Handover.expires_at > utcnow(),
        Handover.created_at < created_before).order_by(Handover.id).limit(limit)))


def sweep_handovers() -> int:
    """Periodic job: queue again every hand-over email whose job was lost (a flushed or
    stopped Redis). The claim keeps a re-queued email from going out twice."""
    ids = unsent(utcnow() - timedelta(seconds=current_app.config["SEND_GRACE_SECONDS"]))
    dispatch_now([JobRequest(MAIL_JOB, (handover_id,), "default", f"handover-{handover_id}")
                  for handover_id in ids])
    return len(ids)
