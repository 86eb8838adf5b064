"""The family invitation email: a job with ids only, which makes the token and sends it once."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core import formatting
from core.db import db
from services.mail import service as mail
from tenants.care_person import service as care
from tenants.context import bind_tenant
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef


def _text(coop: Coop, person: str, link: str, expires, locale: str) -> tuple[str, str]:
    with force_locale(locale):
        coop_name = coop.display_name(locale)
        subject = _("%(person)s has invited you to see their care visits", person=person)
        body = _("Hello,\n\n%(person)s, who receives care from %(coop)s, has invited you to "
                 "see their care visits on coopfed.\n\nOpen this link to accept (you can "
                 "create an account with this email address if you do not have one):\n"
                 "%(link)s\n\nThe link works once and until %(expires)s. %(person)s can stop "
                 "your access at any time.", person=person, coop=coop_name, link=link,
                 expires=formatting.day(expires))
    return subject, body


def send_family_invitation(coop_id: int, grant_id: int) -> bool:
    """Job: make the invitation's token, store its hash, and email the link (once).

    Returns False when there is nothing to send. The job runner commits the co-op's
    session after the email has gone; if sending fails it rolls back, and a retry makes
    a fresh token.
    """
    coop = db.session.get(Coop, int(coop_id))
    if coop is None or coop.state != CoopState.ACTIVE:
        return False
    bind_tenant(TenantRef(coop.id, coop.slug))
    issued = care.issue_family_invitation(int(grant_id))
    if issued is None:
        return False
    link = f"{current_app.config['PUBLIC_URL']}/care-invitations/{coop.slug}/{issued.token}"
    expires = issued.expires_at  # written in each language's own way by _text
    mail.send(issued.email, *mail.bilingual(coop.default_locale, lambda loc: _text(
        coop, issued.person, link, expires, loc)))
    return True
