"""Mail jobs. Each takes ids only and reads what it needs from the stores."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core import formatting
from core.db import db
from core.jobs import JobRequest, dispatch_now
from services.mail import service as mail
from tenants.context import bind_tenant, finish_tenant_session, tenant_session
from tenants.members import service as members
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef


def invitation_link(coop_slug: str, token: str) -> str:
    """The absolute link in an invitation email, at the deployment's public address."""
    return f"{current_app.config['PUBLIC_URL']}/invitations/{coop_slug}/{token}"


def _text(coop: Coop, name: str, link: str, expires, locale: str) -> tuple[str, str]:
    with force_locale(locale):
        coop_name = coop.display_name(locale)
        subject = _("Join %(coop)s on coopfed", coop=coop_name)
        body = _("Hello %(name)s,\n\n%(coop)s has invited you to sign in to its workspace on "
                 "coopfed, where members see the register and vote.\n\nOpen this link to "
                 "accept (you can create an account if you do not have one):\n%(link)s\n\n"
                 "The link works once and until %(expires)s.",
                 name=name, coop=coop_name, link=link, expires=formatting.day(expires))
    return subject, body


INVITATION_JOB = "services.mail.tasks:send_invitation"


def invitation_key(coop_id: int, invitation_id: int) -> str:
    """The idempotency key of an invitation's email."""
    return f"invitation-{int(coop_id)}-{int(invitation_id)}"


def send_invitation(coop_id: int, invitation_id: int) -> bool:
    """Job: make the invitation's token, store its hash, and email the link (once).

    Returns False when there is nothing to send (already sent, being sent by another
    job, accepted or expired). The order makes it exactly once whatever dies when:
    claim the email (a lease, committed); store the token's hash (committed, so the link
    works before anyone can receive it); send; mark the email sent. A sender that died
    before the last step leaves a lapsed claim: the sweeper runs this job again, which
    makes a fresh token, as the first link never reached anyone.
    """
    coop = db.session.get(Coop, int(coop_id))
    if coop is None or coop.state != CoopState.ACTIVE:
        return False
    key = invitation_key(coop.id, invitation_id)
    if not mail.claim(key, INVITATION_JOB, coop.id, int(invitation_id)):
        return False
    try:
        bind_tenant(TenantRef(coop.id, coop.slug))
        issued = members.issue_invitation(tenant_session(), int(invitation_id), resend=True)
        if issued is None:
            finish_tenant_session(commit=False)
            mail.mark_sent(key)  # nothing to send, ever: accepted, expired or gone
            return False
        finish_tenant_session(commit=True)
        link = invitation_link(coop.slug, issued.token)
        expires = issued.expires_at  # written in each language's own way by _text
        subject, body = mail.bilingual(coop.default_locale, lambda loc: _text(
            coop, issued.display_name, link, expires, loc))
        mail.send(issued.email, subject, body, key=key)
    except Exception:
        mail.release(key)  # nothing went out: a retry may claim it at once
        raise
    mail.mark_sent(key)
    return True


def sweep_mail() -> int:
    """Periodic job: run again every email job whose sender died holding its claim."""
    lapsed = mail.lapsed()
    dispatch_now([JobRequest(job, args, "default", f"mail-{job.rsplit(':', 1)[-1]}-"
                             + "-".join(map(str, args))) for job, args in lapsed])
    return len(lapsed)
