"""OAuth2 clients of regional bodies and the access tokens issued to them.

Neither secrets nor tokens are stored: only their SHA-256 digests. Both are random
strings of at least 256 bits made by the server, so a fast digest is enough (a slow
password hash guards low-entropy secrets people choose; these are not), and a leaked
table lets no one call the API. Every client is bound to one area, and each token
reads only the cells inside its client's area.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import FederationBase
from core.timeutil import as_utc, utcnow

STATS_READ = "stats:read"
GRANT_TYPE = "client_credentials"
AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def digest(secret: str) -> str:
    """The stored form of a client secret or an access token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class OAuthClient(FederationBase, ClientMixin):
    """A regional body's tool, allowed the client-credentials grant for one area."""

    __tablename__ = "oauth_clients"
    __table_args__ = (
        CheckConstraint("area_kind IN ('wales', 'rpb', 'la')", name="area_kind"),
        CheckConstraint("area_kind <> 'wales' OR area = 'W92000004'", name="wales_area"),
        CheckConstraint("length(secret_hash) = 64", name="secret_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(48), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    area_kind: Mapped[str] = mapped_column(String(8))
    area: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(200), default=STATS_READ)
    created_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Authlib's ClientMixin: what this client may do at the token and revocation endpoints.

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # client credentials only: there is no redirect

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_response_type(self, response_type: str) -> bool:
        return False

    def get_allowed_scope(self, scope: str | None) -> str:
        """The requested scopes this client holds; all of its own when none are asked for."""
        allowed = set(self.scope.split())
        if not scope:
            return self.scope
        return " ".join(s for s in scope.split() if s in allowed)

    def check_client_secret(self, client_secret: str) -> bool:
        return self.revoked_at is None and hmac.compare_digest(
            digest(client_secret), self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS and endpoint in ("token", "revocation")

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == GRANT_TYPE


class OAuthToken(FederationBase, TokenMixin):
    """An access token, stored as its digest, with its scope, expiry and revocation."""

    __tablename__ = "oauth_tokens"
    __table_args__ = (
        CheckConstraint("expires_at > issued_at", name="expiry"),
        CheckConstraint("length(token_hash) = 64", name="token_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_pk: Mapped[int] = mapped_column(
        ForeignKey("federation.oauth_clients.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    client: Mapped[OAuthClient] = relationship(lazy="joined")

    # Authlib's TokenMixin: what the bearer validator and the revocation endpoint ask.

    def check_client(self, client: OAuthClient) -> bool:
        return self.client_pk == client.id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((as_utc(self.expires_at) - as_utc(self.issued_at)).total_seconds())

    def is_expired(self) -> bool:
        return as_utc(self.expires_at) <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or self.client.revoked_at is not None

    def get_user(self) -> None:
        return None  # client credentials: the client acts for its own body

    def get_client(self) -> OAuthClient:
        return self.client

