"""The OAuth2 token endpoint (client credentials) and the RFC 7009 revocation endpoint.

Both take client credentials, never a session cookie, so they are exempt from the
CSRF check that guards cookie-authenticated forms.
"""

from __future__ import annotations

from flask import Blueprint

from federation.extensions import csrf, limiter
from federation.oauth import server

bp = Blueprint("oauth", __name__, url_prefix="/oauth")


@bp.record_once
def _bind(state) -> None:
    server.init_app(state.app)


@bp.post("/token")
@csrf.exempt
@limiter.limit("60 per minute")
def token():
    """Issue an access token to a client that authenticates with its id and secret."""
    return server.authorization.create_token_response()


@bp.post("/revoke")
@csrf.exempt
@limiter.limit("60 per minute")
def revoke():
    """Revoke one of the calling client's access tokens (RFC 7009)."""
    return server.authorization.create_endpoint_response(server.Revocation.ENDPOINT_NAME)
