"""Who may reopen a draft from a link, so that a link cannot swap a visitor's draft.

A resume link put into someone else's browser used to replace the draft that browser
was filling in, so whoever made the link could read everything the victim then typed.
Now a link reopens a draft without more only for its owner: the browser that already
holds it, or the signed-in advisor who started it. Anyone else opens only an emailed
link, by typing the address it was sent to (the second factor: the link alone is not
enough). The emailed link then works once, and the draft gets a new browser token, so
every other browser that held the draft (the link's maker's included) loses it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import NotFound, ValidationError
from federation.onboarding.models import Draft

TOKEN_MAX = 100


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_reopen(draft: Draft, token: str, *, session_token: str | None,
               account_id: int | None) -> bool:
    """Whether this visitor owns ``draft`` already, so the link needs nothing more."""
    if session_token is not None and hmac.compare_digest(session_token, token):
        return True
    if account_id is not None and draft.advisor_account_id == account_id:
        return True
    # A sent draft takes no more answers; its progress page checks who may follow it.
    return draft.submitted_at is not None


def do_reopen_emailed(token: str, email: str, *, ip: str | None = None) -> tuple[Draft, str]:
    """Reopen a draft from its emailed link by the address it went to; a new browser token.

    Refuses, naming the field, when the address is not the one the link was sent to.
    """
    if not token or len(token) > TOKEN_MAX:
        raise NotFound()
    draft = db.session.scalar(select(Draft).where(Draft.mailed_token_hash == _hash(token)))
    if draft is None:
        raise NotFound()
    typed = (email or "").strip().lower()[:254]
    if not draft.contact_email or not hmac.compare_digest(
            typed.encode(), draft.contact_email.lower().encode()):
        audit.record_despite_rollback("onboarding.reopen_refused", outcome="refused",
                                      draft_id=draft.id, ip=ip)
        raise ValidationError({"contact_email": [_(
            "Enter the email address the link was sent to.")]})
    fresh = secrets.token_urlsafe(32)
    draft.token_hash = _hash(fresh)
    draft.mailed_token_hash = None
    audit.record(db.session, "onboarding.reopened", draft_id=draft.id, ip=ip)
    db.session.flush()
    return draft, fresh
