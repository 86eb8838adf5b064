"""Rate limits see the real client behind the configured proxies, and answer machines in JSON."""

from __future__ import annotations

import pytest

from federation.extensions import limiter
from tests.federation.regional.helpers import make_client
from tests.fixtures.app import csrf_token


def _bad_sign_in(client, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    # CSRF is off only for this check of the limiter: the limiter runs before the form.
    return client.post("/signin", data={"email": "nobody@example.org", "password": "x" * 12},
                       headers=headers)


@pytest.fixture
def proxied_app(isolated_app):
    app = isolated_app(TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="3 per minute",
                       WTF_CSRF_ENABLED=False)
    limiter.reset()
    yield app
    limiter.reset()


def test_behind_a_proxy_each_client_has_its_own_bucket(proxied_app):
    client = proxied_app.test_client()
    statuses = [_bad_sign_in(client, "203.0.113.7").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    # Another client behind the same proxy is not locked out by the first.
    assert _bad_sign_in(client, "198.51.100.9").status_code == 400


def test_a_client_cannot_escape_its_bucket_by_forging_the_header(proxied_app):
    client = proxied_app.test_client()
    # nginx appends the address it saw: only the last hop is believed.
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        assert _bad_sign_in(client, f"{forged}, 203.0.113.7").status_code == 400
    assert _bad_sign_in(client, "4.4.4.4, 203.0.113.7").status_code == 429


def test_without_trusted_proxies_the_header_is_ignored(isolated_app):
    app = isolated_app(LOGIN_RATE_LIMIT="2 per minute", WTF_CSRF_ENABLED=False)
    limiter.reset()
    client = app.test_client()
    assert [_bad_sign_in(client, f"10.0.0.{i}").status_code for i in range(3)] == [
        400, 400, 429]
    limiter.reset()


def test_too_many_token_requests_answer_problem_json_with_retry_after(app, client):
    client_id, _secret = make_client(app)
    responses = [client.post("/oauth/token", data={"grant_type": "client_credentials"},
                             auth=(client_id, "wrong")) for _ in range(61)]
    refused = responses[-1]
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["status"] == 429
    assert int(refused.headers["Retry-After"]) > 0
    limiter.reset()


def test_too_many_sign_ins_answer_a_page_with_retry_after(client):
    token = csrf_token(client, "/signin")
    page = None
    for _ in range(11):
        page = client.post("/signin", data={"email": "x@example.org", "password": "y",
                                            "csrf_token": token})
    assert page.status_code == 429
    assert page.mimetype == "text/html"
    assert int(page.headers["Retry-After"]) > 0
    limiter.reset()
