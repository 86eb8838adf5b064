"""RFC 8414: the authorization server's metadata, and a client that trusts only it."""

from __future__ import annotations

from urllib.parse import urlsplit

from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from tests.federation.regional.helpers import GWENT, make_client

DOCUMENT = "/.well-known/oauth-authorization-server"


def _path(url: str, base: str) -> str:
    assert url.startswith(base + "/"), url
    return urlsplit(url).path


def test_the_metadata_document_is_served_and_valid(app, client, monkeypatch):
    response = client.get(DOCUMENT)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    meta = response.get_json()
    base = app.config["PUBLIC_URL"]
    assert meta["issuer"] == base
    assert meta["grant_types_supported"] == ["client_credentials"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post"}
    assert meta["revocation_endpoint_auth_methods_supported"] == meta[
        "token_endpoint_auth_methods_supported"]
    assert meta["scopes_supported"] == ["stats:read"]
    # Authlib's own RFC 8414 checks (http is allowed for the test's local issuer).
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    checked = AuthorizationServerMetadata(meta)
    for key in ("issuer", "authorization_endpoint", "token_endpoint", "scopes_supported",
                "grant_types_supported", "token_endpoint_auth_methods_supported",
                "revocation_endpoint", "revocation_endpoint_auth_methods_supported"):
        getattr(checked, f"validate_{key}")()


def test_a_client_following_the_document_gets_and_revokes_a_token(app, client):
    meta = client.get(DOCUMENT).get_json()
    base = app.config["PUBLIC_URL"]
    client_id, secret = make_client(app)
    token_path = _path(meta["token_endpoint"], base)
    revoke_path = _path(meta["revocation_endpoint"], base)
    for method in meta["token_endpoint_auth_methods_supported"]:
        if method == "client_secret_basic":
            kwargs = {"data": {"grant_type": meta["grant_types_supported"][0],
                               "scope": meta["scopes_supported"][0]},
                      "auth": (client_id, secret)}
        else:
            kwargs = {"data": {"grant_type": meta["grant_types_supported"][0],
                               "scope": meta["scopes_supported"][0],
                               "client_id": client_id, "client_secret": secret}}
        issued = client.post(token_path, **kwargs)
        assert issued.status_code == 200, issued.get_data(as_text=True)
        access = issued.get_json()["access_token"]
        headers = {"Authorization": f"Bearer {access}"}
        cells = {"geography": GWENT, "measure": "care_hours", "period_kind": "month"}
        assert client.get("/api/v1/stats/cells", query_string=cells,
                          headers=headers).status_code != 401
        revoked = client.post(revoke_path, data={"token": access}, auth=(client_id, secret))
        assert revoked.status_code == 200
        after = client.get("/api/v1/stats/cells", query_string=cells, headers=headers)
        assert after.status_code == 401
        assert after.mimetype == "application/problem+json"


def test_the_document_names_only_routes_the_app_serves(app):
    with app.test_request_context():
        rules = {rule.rule: rule.methods for rule in app.url_map.iter_rules()}
    meta = app.test_client().get(DOCUMENT).get_json()
    base = app.config["PUBLIC_URL"]
    for key in ("token_endpoint", "revocation_endpoint"):
        assert "POST" in rules[_path(meta[key], base)]
