"""Agency jobs. Each takes ids only and reads what it needs from the federation's store."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core import audit
from core.db import db
from core.timeutil import as_utc, utcnow
from federation.accounts.models import Account
from federation.agencies.handover import token_hash
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
                 expires=as_utc(handover.expires_at).strftime("%Y-%m-%d"))
    return subject, body


def send_handover(handover_id: int) -> bool:
    """Job: make the link's token, store its hash, and email the link (once).

    Returns False when there is nothing to send (already sent, accepted, cancelled or
    expired). The runner commits after the email has gone; if sending fails it rolls
    back, and a retry makes a fresh token, so a link never stored is never emailed.
    """
    handover = db.session.get(Handover, int(handover_id))
    if (handover is None or handover.sent_at is not None or handover.accepted_at is not None
            or handover.cancelled_at is not None or as_utc(handover.expires_at) <= utcnow()):
        return False
    coop = db.session.get(Coop, handover.coop_id)
    advisor = db.session.get(Account, handover.from_account_id) \
        if handover.from_account_id else None
    token = secrets.token_urlsafe(32)
    handover.token_hash = token_hash(token)
    handover.sent_at = utcnow()
    audit.record(db.session, "handover.sent", coop_id=coop.id, handover_id=handover.id)
    db.session.flush()
    first = coop.default_locale
    texts = [_text(coop, handover, advisor.display_name if advisor else "coopfed",
                   handover_link(token), loc)
             for loc in (first, "en" if first == "cy" else "cy")]
    mail.send(handover.to_email, f"{texts[0][0]} / {texts[1][0]}",
              f"{texts[0][1]}\n\n----\n\n{texts[1][1]}\n")
    return True
