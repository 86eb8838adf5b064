"""Dead tokens are purged a week after they expired or were revoked; live ones stay."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from core.db import db
from core.timeutil import utcnow
from federation.oauth.models import OAuthToken, digest
from federation.oauth.service import do_register_client
from federation.oauth.tasks import purge_tokens
from services.jobs.runner import run_job


def _token(client_pk: int, *, issued, expires, revoked=None) -> int:
    token = OAuthToken(client_pk=client_pk, token_hash=digest(secrets.token_urlsafe(32)),
                       scope="stats:read", issued_at=issued, expires_at=expires,
                       revoked_at=revoked)
    db.session.add(token)
    db.session.flush()
    return token.id


def test_dead_tokens_go_after_a_week_and_live_ones_stay(app):
    now = utcnow()
    with app.app_context():
        client, _secret = do_register_client("Purge test tool", "rpb", "gwent",
                                             actor_account_id=None)
        hour = timedelta(hours=1)
        live = _token(client.id, issued=now - hour, expires=now + hour)
        expired_lately = _token(client.id, issued=now - 2 * hour, expires=now - hour)
        revoked_lately = _token(client.id, issued=now - hour, expires=now + hour,
                                revoked=now - hour)
        expired_long_ago = _token(client.id, issued=now - timedelta(days=9),
                                  expires=now - timedelta(days=8))
        revoked_long_ago = _token(client.id, issued=now - timedelta(days=9),
                                  expires=now + hour, revoked=now - timedelta(days=8))
        db.session.commit()
        run_job("federation.oauth.tasks:purge_tokens")
        left = set(db.session.scalars(select(OAuthToken.id).where(
            OAuthToken.client_pk == client.id)))
        assert left == {live, expired_lately, revoked_lately}
        assert {expired_long_ago, revoked_long_ago}.isdisjoint(left)
        assert purge_tokens() == 0  # nothing more to do
        db.session.rollback()
