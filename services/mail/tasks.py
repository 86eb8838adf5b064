"""Mail jobs. Each takes ids only and reads what it needs from the stores."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.db import db
from services.mail import service as mail
from tenants.context import bind_tenant, tenant_session
from tenants.members import service as members
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef


def invitation_link(coop_slug: str, token: str) -> str:
    """The absolute link in an invitation email, at the deployment's public address."""
    return f"{current_app.config['PUBLIC_URL']}/invitations/{coop_slug}/{token}"


def _text(coop: Coop, name: str, link: str, expires: str, locale: str) -> tuple[str, str]:
    with force_locale(locale):
        coop_name = coop.display_name(locale)
        subject = _("Join %(coop)s on coopfed", coop=coop_name)
        body = _("Hello %(name)s,\n\n%(coop)s has invited you to sign in to its workspace on "
                 "coopfed, where members see the register and vote.\n\nOpen this link to "
                 "accept (you can create an account if you do not have one):\n%(link)s\n\n"
                 "The link works once and until %(expires)s.",
                 name=name, coop=coop_name, link=link, expires=expires)
    return subject, body


def send_invitation(coop_id: int, invitation_id: int) -> bool:
    """Job: make the invitation's token, store its hash, and email the link (once).

    Returns False when there is nothing to send (already sent, accepted or expired). The
    job runner commits the co-op's session after the email has gone; if sending fails
    it rolls back, and a retry makes a fresh token.
    """
    coop = db.session.get(Coop, int(coop_id))
    if coop is None or coop.state != CoopState.ACTIVE:
        return False
    bind_tenant(TenantRef(coop.id, coop.slug))
    issued = members.issue_invitation(tenant_session(), int(invitation_id))
    if issued is None:
        return False
    link = invitation_link(coop.slug, issued.token)
    expires = issued.expires_at.strftime("%Y-%m-%d")
    first = coop.default_locale
    texts = [_text(coop, issued.display_name, link, expires, loc)
             for loc in (first, "en" if first == "cy" else "cy")]
    subject = f"{texts[0][0]} / {texts[1][0]}"
    body = f"{texts[0][1]}\n\n----\n\n{texts[1][1]}\n"
    mail.send(issued.email, subject, body)
    return True
