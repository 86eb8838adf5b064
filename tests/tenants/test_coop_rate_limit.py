"""One co-op's whole traffic has a rate limit of its own (issue 16, the noisy neighbour):
past it the co-op's pages and API answer 429 with Retry-After, in plain words and in
Welsh, while every other co-op is served as before. Only the co-op's members spend its
allowance, the refusal comes before the request's body is read, and a Redis that is down
lets everyone through instead of refusing everyone."""

from __future__ import annotations

import time

import pytest
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, add_member

BUSY = "Too many requests for this co-op"


@pytest.fixture
def limited(app, monkeypatch):
    """Sets the shared app's co-op rate limit for one test (it is off under ENV=test)."""
    return lambda rate: monkeypatch.setitem(app.config, "COOP_RATE_LIMIT", rate)


@pytest.fixture
def member_of_both(app, two_coops, make_account):
    """Factory: a coordinator of both co-ops, signed in; returns (a, b, client)."""

    def make(locale: str = "en"):
        (a, _), (b, _) = two_coops
        person = make_account(locale=locale)
        add_member(app, a, person, "coordinator")
        add_member(app, b, person, "coordinator")
        client = app.test_client()
        assert sign_in(client, person.email, PASSWORD).status_code == 302
        return a, b, client

    return make


def _retry_after(response) -> int:
    return int(response.headers["Retry-After"])


def test_a_coop_over_its_limit_is_refused_while_another_is_served(limited, member_of_both):
    limited("3 per minute")
    a, b, client = member_of_both()
    for _ in range(3):
        assert client.get(f"/c/{a.slug}/").status_code == 200
    refused = client.get(f"/c/{a.slug}/")
    assert refused.status_code == 429
    assert 1 <= _retry_after(refused) <= 60
    page = refused.get_data(as_text=True)
    assert BUSY in page and "Nothing has been lost" in page
    for _ in range(3):
        assert client.get(f"/c/{b.slug}/").status_code == 200
    assert client.get(f"/c/{a.slug}/members/registers").status_code == 429


def test_pages_and_api_share_the_allowance_and_the_api_answers_a_problem(
        limited, member_of_both):
    limited("3 per minute")
    a, b, client = member_of_both()
    assert client.get(f"/c/{a.slug}/").status_code == 200
    assert client.get(f"/api/v1/c/{a.slug}/members").status_code == 200
    assert client.get(f"/c/{a.slug}/").status_code == 200
    refused = client.get(f"/api/v1/c/{a.slug}/members")
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    body = refused.get_json()
    assert body["status"] == 429 and body["code"] == "coop_rate_limited"
    assert body["title"] == BUSY and "try again in" in body["detail"]
    assert body["retry_after"] == _retry_after(refused) >= 1
    assert client.get(f"/api/v1/c/{b.slug}/members").status_code == 200


def test_the_refusal_comes_before_the_body_is_read(limited, member_of_both):
    limited("1 per minute")
    a, b, client = member_of_both()
    assert client.get(f"/c/{a.slug}/").status_code == 200
    # Without the limit these would be 400 (no CSRF token; a body that is not JSON).
    assert client.post(f"/c/{a.slug}/members/1/shares", data={"x": "y"}).status_code == 429
    assert client.post(f"/api/v1/c/{a.slug}/members", data="{not json",
                       content_type="application/json").status_code == 429
    assert client.post(f"/c/{b.slug}/members/1/shares", data={"x": "y"}).status_code == 400


def test_only_members_spend_the_allowance(app, limited, member_of_both, make_account):
    limited("3 per minute")
    a, _b, client = member_of_both()
    stranger = app.test_client()
    for _ in range(10):
        assert stranger.get(f"/c/{a.slug}/").status_code == 302  # to the sign-in page
    assert stranger.get(f"/api/v1/c/{a.slug}/members").status_code == 401
    outsider = make_account()  # signed in, but a member of neither co-op
    other = app.test_client()
    assert sign_in(other, outsider.email, PASSWORD).status_code == 302
    for _ in range(10):
        assert other.get(f"/c/{a.slug}/").status_code == 404
        assert other.get(f"/api/v1/c/{a.slug}/members").status_code == 404
    for _ in range(3):
        assert client.get(f"/c/{a.slug}/").status_code == 200
    assert client.get(f"/c/{a.slug}/").status_code == 429


def test_a_request_is_counted_when_it_arrives(limited, member_of_both):
    # Counted as it arrives, not as its answer leaves: a member's request that the CSRF
    # check then refuses (400), before the co-op is even entered, has spent the allowance.
    limited("2 per minute")
    a, _b, client = member_of_both()
    assert client.get(f"/c/{a.slug}/").status_code == 200
    assert client.post(f"/c/{a.slug}/members/1/shares", data={"x": "y"}).status_code == 400
    assert client.get(f"/c/{a.slug}/").status_code == 429


def test_the_refusal_is_in_welsh(limited, member_of_both):
    limited("1 per minute")
    a, _b, client = member_of_both(locale="cy")
    assert client.get(f"/c/{a.slug}/").status_code == 200
    page = client.get(f"/c/{a.slug}/")
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert BUSY not in text and "Gormod o geisiadau" in text
    api = client.get(f"/api/v1/c/{a.slug}/members").get_json()
    assert api["title"] != BUSY and api["title"].startswith("Gormod o geisiadau")


def test_the_limit_resets_when_its_window_ends(limited, member_of_both):
    limited("2 per 2 seconds")
    a, _b, client = member_of_both()
    assert client.get(f"/c/{a.slug}/").status_code == 200
    assert client.get(f"/c/{a.slug}/").status_code == 200
    refused = client.get(f"/c/{a.slug}/")
    assert refused.status_code == 429
    wait = _retry_after(refused)
    assert 1 <= wait <= 2
    time.sleep(wait + 0.2)  # the window itself is what is tested: its time has to pass
    assert client.get(f"/c/{a.slug}/").status_code == 200


def test_a_redis_that_is_down_lets_every_coop_through(app, limited, member_of_both,
                                                      monkeypatch):
    limited("1 per minute")
    a, b, client = member_of_both()
    # A real Redis client pointed at a port where nothing listens: every count fails.
    # Signed in already, so only the co-op limit would need the storage from here on.
    dead = storage_from_string("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    monkeypatch.setitem(app.extensions, "coopfed.ratelimit",
                        (dead, FixedWindowRateLimiter(dead)))
    for _ in range(3):
        assert client.get(f"/c/{a.slug}/").status_code == 200
        assert client.get(f"/api/v1/c/{b.slug}/members").status_code == 200


def test_the_api_document_lists_the_refusal(app):
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    workspace = [ops for path, ops in paths.items() if path.startswith("/api/v1/c/{slug}/")]
    assert workspace and all("429" in op["responses"] for ops in workspace
                             for op in ops.values() if isinstance(op, dict)
                             and "responses" in op)
