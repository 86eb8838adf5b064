"""The OAuth2 authorization server and resource protector (Authlib), bound to one app.

Regional bodies' tools use the client-credentials grant (RFC 6749 §4.4), authenticating
with HTTP Basic or in the form body, and may revoke their tokens (RFC 7009). The stats
API accepts only bearer tokens (RFC 6750), checked by ``require_oauth``; a session
cookie carries no weight there.
"""

from __future__ import annotations

from datetime import timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import Flask, Response, abort, json
from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.db import db
from core.timeutil import utcnow
from federation.oauth.models import AUTH_METHODS, STATS_READ, OAuthClient, OAuthToken, digest

TOKEN_LIFETIME = 3600
EXTENSION = "coopfed.oauth"


def query_client(client_id: str) -> OAuthClient | None:
    """A client that has not been revoked; None for an id no client could have."""
    if not client_id or len(client_id) > 48 or "\x00" in client_id:
        return None
    return db.session.scalar(select(OAuthClient).where(
        OAuthClient.client_id == client_id, OAuthClient.revoked_at.is_(None)))


def save_token(token: dict, request) -> None:
    """Keep the digest of a newly issued token; the request boundary commits it."""
    issued = utcnow()
    db.session.add(OAuthToken(
        client_pk=request.client.id, token_hash=digest(token["access_token"]),
        scope=token.get("scope") or "", issued_at=issued,
        expires_at=issued + timedelta(seconds=int(token["expires_in"]))))
    audit.record(db.session, "oauth.token_issued", oauth_client_id=request.client.id)
    db.session.flush()


def token_by_string(token_string: str) -> OAuthToken | None:
    return db.session.scalar(select(OAuthToken).where(
        OAuthToken.token_hash == digest(token_string)))


class ClientCredentials(ClientCredentialsGrant):
    """Client credentials, with the secret sent by Basic auth or in the form."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)


class Revocation(RevocationEndpoint):
    """RFC 7009: a client revokes one of its own access tokens; it stays as history."""

    CLIENT_AUTH_METHODS = list(AUTH_METHODS)
    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def query_token(self, token_string: str, token_type_hint: str | None):
        return token_by_string(token_string)

    def revoke_token(self, token: OAuthToken, request) -> None:
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            audit.record(db.session, "oauth.token_revoked", token_id=token.id,
                         oauth_client_id=token.client_pk)
            db.session.flush()


class DigestBearerValidator(BearerTokenValidator):
    """Finds a bearer token by its digest; Authlib then checks expiry, revocation, scope."""

    def authenticate_token(self, token_string: str) -> OAuthToken | None:
        return token_by_string(token_string)


class ProblemResourceProtector(ResourceProtector):
    """Refusals as application/problem+json, keeping RFC 6750's WWW-Authenticate header.

    The response is attached to the exception, so the app's generic HTTP error handler
    passes it through unchanged instead of dropping the header.
    """

    def raise_error_response(self, error):
        details = {
            "missing_authorization": _("Send an access token in the Authorization header."),
            "invalid_token": _("The access token is not valid, or it has expired."),
            "insufficient_scope": _("The access token does not allow this."),
        }
        body = {"type": "about:blank", "title": _("Sign in first") if error.status_code == 401
                else _("Not allowed"), "status": error.status_code, "code": error.error,
                "detail": details.get(error.error) or _("The access token was refused.")}
        headers = dict(error.get_headers())
        headers["Content-Type"] = "application/problem+json"
        abort(Response(json.dumps(body), status=error.status_code, headers=headers))


authorization = AuthorizationServer()
authorization.register_grant(ClientCredentials)
authorization.register_endpoint(Revocation)
require_oauth = ProblemResourceProtector()
require_oauth.register_token_validator(DigestBearerValidator())


def init_app(app: Flask) -> None:
    """Bind the authorization server to ``app``; called once when the blueprint registers."""
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", [STATS_READ])
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"client_credentials": TOKEN_LIFETIME})
    app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", False)
    authorization.init_app(app, query_client=query_client, save_token=save_token)
    app.extensions[EXTENSION] = authorization
