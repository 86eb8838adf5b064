"""The OAuth2 token endpoint (client credentials), the RFC 7009 revocation endpoint, and
the RFC 8414 metadata document that tells a client where both are.

Both endpoints take client credentials, never a session cookie, so they are exempt from
the CSRF check that guards cookie-authenticated forms.
"""

from __future__ import annotations

from flask import Blueprint, current_app, url_for

from federation.extensions import csrf, limiter
from federation.oauth import server
from federation.oauth.models import AUTH_METHODS, GRANT_TYPE, STATS_READ

bp = Blueprint("oauth", __name__, url_prefix="/oauth")
# Registered by the app factory beside ``bp``: the discovery document lives at the root.
pages = Blueprint("oauth_discovery", __name__)


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


@pages.get("/.well-known/oauth-authorization-server")
def metadata():
    """RFC 8414 authorization server metadata, built from the routes that serve it.

    Only the client-credentials grant is offered, so there is no authorization endpoint
    and no response type (the list is present, as RFC 8414 requires, and empty).
    """
    base = current_app.config["PUBLIC_URL"]
    return {
        "issuer": base,
        "token_endpoint": base + url_for("oauth.token"),
        "revocation_endpoint": base + url_for("oauth.revoke"),
        "grant_types_supported": [GRANT_TYPE],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "scopes_supported": list(current_app.config["OAUTH2_SCOPES_SUPPORTED"] or [STATS_READ]),
        "service_documentation": base + "/api/v1/openapi.json",
    }, 200, {"Cache-Control": "public, max-age=3600"}
