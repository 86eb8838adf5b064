"""A standard OAuth2 client (Authlib's requests client) against the real server over HTTP:
client credentials, reading cells, revocation (RFC 7009), another region, expiry.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from core.timeutil import utcnow
from federation.oauth.models import OAuthToken, digest
from tests.federation.regional.helpers import (
    CAERPHILLY,
    CARDIFF,
    GWENT,
    make_client,
    publish_cells,
)

QUERY = {"geography": CAERPHILLY, "measure": "care_hours", "period_kind": "month"}


@pytest.fixture
def published(app):
    return publish_cells(app)


def session_for(client_id, secret, method="client_secret_basic") -> OAuth2Session:
    return OAuth2Session(client_id, secret, scope="stats:read",
                         token_endpoint_auth_method=method,
                         revocation_endpoint_auth_method=method)


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_a_client_gets_a_token_and_reads_the_published_cells(app, live_server, published,
                                                             method):
    client_id, secret = make_client(app)
    with session_for(client_id, secret, method) as oauth:
        token = oauth.fetch_token(f"{live_server}/oauth/token", grant_type="client_credentials")
        assert token["token_type"].lower() == "bearer"
        assert token["scope"] == "stats:read"
        assert 0 < token["expires_in"] <= 3600
        response = oauth.get(f"{live_server}/api/v1/stats/cells", params=QUERY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["release"]["version"] == published.version
    got = {c["period"]: (c["value"], c["status"], c["reason"]) for c in body["cells"]}
    assert got == {period: published.total(CAERPHILLY, "care_hours", "month", period)
                   for period in ("2026-01", "2026-02", "2026-03")}
    assert got["2026-02"] == (None, "suppressed", "linked_person_cell")
    with app.app_context():  # only the token's digest is stored
        stored = db.session.scalar(select(OAuthToken).where(
            OAuthToken.token_hash == digest(token["access_token"])))
        assert stored is not None and token["access_token"] not in stored.token_hash


def test_a_revoked_token_is_refused(app, live_server, published):
    client_id, secret = make_client(app)
    with session_for(client_id, secret) as oauth:
        token = oauth.fetch_token(f"{live_server}/oauth/token", grant_type="client_credentials")
        assert oauth.get(f"{live_server}/api/v1/stats/cells", params=QUERY).status_code == 200
        revoked = oauth.revoke_token(f"{live_server}/oauth/revoke",
                                     token=token["access_token"],
                                     token_type_hint="access_token")
        assert revoked.status_code == 200
        response = oauth.get(f"{live_server}/api/v1/stats/cells", params=QUERY)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "cells" not in response.json()


def test_a_client_cannot_revoke_another_clients_token(app, live_server, published):
    first, second = make_client(app), make_client(app)
    with session_for(*first) as owner, session_for(*second) as other:
        token = owner.fetch_token(f"{live_server}/oauth/token", grant_type="client_credentials")
        refused = other.revoke_token(f"{live_server}/oauth/revoke", token=token["access_token"])
        assert refused.status_code == 400
        assert owner.get(f"{live_server}/api/v1/stats/cells", params=QUERY).status_code == 200


def test_a_token_for_another_region_is_refused(app, live_server, published):
    client_id, secret = make_client(app, "la", CARDIFF)
    with session_for(client_id, secret) as oauth:
        oauth.fetch_token(f"{live_server}/oauth/token", grant_type="client_credentials")
        for geography in (CAERPHILLY, GWENT):
            response = oauth.get(f"{live_server}/api/v1/stats/cells",
                                 params=dict(QUERY, geography=geography))
            assert response.status_code == 403, geography
            assert "cells" not in response.json()
            assert "geography" in response.json()["errors"]
        own = oauth.get(f"{live_server}/api/v1/stats/cells", params=dict(QUERY, geography=None))
    assert own.status_code == 200
    assert {c["geography_code"] for c in own.json()["cells"]} == {CARDIFF}
    with app.app_context():
        refusals = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "stats.outside_area")).all()
        assert any(e.detail.get("geography") == GWENT for e in refusals)


def test_an_expired_token_is_refused(app, live_server, published):
    client_id, secret = make_client(app)
    with session_for(client_id, secret) as oauth:
        token = oauth.fetch_token(f"{live_server}/oauth/token", grant_type="client_credentials")
        with app.app_context():
            stored = db.session.scalar(select(OAuthToken).where(
                OAuthToken.token_hash == digest(token["access_token"])))
            stored.issued_at = utcnow() - timedelta(hours=2)
            stored.expires_at = utcnow() - timedelta(hours=1)
            db.session.commit()
        response = oauth.get(f"{live_server}/api/v1/stats/cells", params=QUERY)
    assert response.status_code == 401


def test_wrong_secret_retired_client_and_no_token_are_refused(app, live_server, published):
    client_id, secret = make_client(app)
    with session_for(client_id, secret + "x") as oauth:
        response = oauth.post(f"{live_server}/oauth/token",
                              data={"grant_type": "client_credentials"},
                              auth=(client_id, secret + "x"))
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
    plain = requests.get(f"{live_server}/api/v1/stats/cells", params=QUERY, timeout=10)
    assert plain.status_code == 401
    assert plain.headers["WWW-Authenticate"].lower().startswith("bearer")
    with session_for(client_id, secret) as oauth:
        oauth.fetch_token(f"{live_server}/oauth/token", grant_type="client_credentials")
        from federation.oauth.service import client_by_client_id, do_retire_client

        with app.app_context():
            do_retire_client(client_by_client_id(client_id).id, actor_account_id=None)
            db.session.commit()
        assert oauth.get(f"{live_server}/api/v1/stats/cells", params=QUERY).status_code == 401
        again = oauth.post(f"{live_server}/oauth/token",
                           data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        assert again.status_code == 401


def test_other_grants_and_scopes_are_refused(app, live_server):
    client_id, secret = make_client(app)
    password = requests.post(f"{live_server}/oauth/token", auth=(client_id, secret), timeout=10,
                             data={"grant_type": "password", "username": "a", "password": "b"})
    assert password.status_code == 400
    assert password.json()["error"] == "unsupported_grant_type"
    scope = requests.post(f"{live_server}/oauth/token", auth=(client_id, secret), timeout=10,
                          data={"grant_type": "client_credentials", "scope": "admin"})
    assert scope.status_code == 400
    assert scope.json()["error"] == "invalid_scope"


def test_a_session_cookie_does_not_open_the_api(app, live_server, published, make_account):
    from tests.federation.regional.helpers import make_analyst
    from tests.fixtures.factories import PASSWORD

    analyst = make_analyst(app, make_account)
    browser = requests.Session()
    page = browser.get(f"{live_server}/signin", timeout=10).text
    import re

    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    signed_in = browser.post(f"{live_server}/signin", timeout=10, allow_redirects=False,
                             data={"email": analyst.email, "password": PASSWORD,
                                   "csrf_token": csrf})
    assert signed_in.status_code == 302
    assert browser.get(f"{live_server}/regional/", timeout=10).status_code == 200
    response = browser.get(f"{live_server}/api/v1/stats/cells", params=QUERY, timeout=10)
    assert response.status_code == 401


def test_the_api_is_described_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["regionalOAuth2"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == "/oauth/token"
    operation = spec["paths"]["/api/v1/stats/cells"]["get"]
    assert operation["security"] == [{"regionalOAuth2": ["stats:read"]}]
    names = {p["name"] for p in operation["parameters"]}
    assert {"geography", "measure", "period_kind", "period", "breakdown", "page",
            "page_size"} <= names
    assert not names & {"from", "to", "coop", "coop_id"}
