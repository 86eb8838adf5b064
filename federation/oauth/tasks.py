"""Housekeeping jobs for the OAuth2 server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_

from core.db import db
from core.timeutil import utcnow
from federation.oauth.models import OAuthToken

# How long a dead token's row is kept after it expired or was revoked. Issuing and
# revoking are in the audit log; the row itself only answers "is this token live".
DEAD_TOKEN_RETENTION = timedelta(days=7)


def purge_tokens() -> int:
    """Job (daily): delete tokens that expired or were revoked over a week ago."""
    cutoff = utcnow() - DEAD_TOKEN_RETENTION
    result = db.session.execute(delete(OAuthToken).where(or_(
        OAuthToken.expires_at < cutoff, OAuthToken.revoked_at < cutoff)))
    return result.rowcount
