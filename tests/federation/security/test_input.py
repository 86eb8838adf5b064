"""Bad input is refused, naming the field, and never answered with a 5xx; API errors are
always application/problem+json. (NUL bytes reach PostgreSQL only on the server store,
where they used to fail with a 500; the refusal now happens before any query.)"""

from __future__ import annotations

import pytest
from flask import Blueprint

from tests.federation.onboarding.helpers import Wizard
from tests.fixtures.app import csrf_token
from tests.fixtures.factories import PASSWORD

PROBLEM = "application/problem+json"


def test_nul_bytes_are_refused_by_name_everywhere(app, client, make_coop, api_client):
    token = csrf_token(client, "/signin")
    signin = client.post("/signin", data={"email": "a\x00@example.org", "password": "x\x00",
                                          "csrf_token": token})
    assert signin.status_code == 422
    form = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                             "client_id": "gwent\x00", "client_secret": "s"})
    assert form.status_code == 422 and form.mimetype == PROBLEM
    assert "client_id" in form.get_json()["errors"]
    basic = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        auth=("gwent\x00", "secret"))
    assert basic.status_code == 401 and basic.is_json
    assert client.get("/c/coop\x00slug/").status_code == 404
    assert client.get("/api/v1/c/coop%00slug/members").status_code == 404
    wizard = Wizard(client)
    wizard.start()
    step = wizard.post("group", {"name": "Grŵp\x00", "coop_type": "worker", "slug": "a\x00"})
    assert step.status_code in (400, 422)  # refused beside the field by the wizard's form
    coop, admin = make_coop()
    api = api_client(admin)
    body = api.post(f"/api/v1/c/{coop.slug}/members", json={
        "display_name": "Nia\x00", "joined_on": "2025-01-01", "classes": ["worker"]})
    assert body.status_code == 422 and body.mimetype == PROBLEM


def test_numbers_too_big_for_their_columns_are_not_errors(app, make_coop, api_client):
    coop, admin = make_coop()
    api = api_client(admin)
    base = f"/api/v1/c/{coop.slug}"
    assert api.get(f"{base}/members/{2**31}").status_code == 404
    assert api.get(f"{base}/members/{2**31 - 1}").status_code == 404
    assert api.get(f"{base}/members/{10**30}").status_code == 404
    page = api.get(f"{base}/members?page=30667050312")
    assert page.status_code == 422 and page.mimetype == PROBLEM
    assert "page" in page.get_json()["errors"]
    odd = api.get(f"{base}/members?page=%C2%B2&page_size=-3")  # "²" is a digit, not an int
    assert odd.status_code in (400, 422) and odd.mimetype == PROBLEM
    huge = api.post(f"{base}/invitations", json={"member_id": 10**30})
    assert huge.status_code in (404, 422) and huge.mimetype == PROBLEM
    longest = api.post(f"{base}/invitations", data='{"member_id": ' + "9" * 5000 + "}",
                       content_type="application/json")
    assert 400 <= longest.status_code < 500 and longest.mimetype == PROBLEM


def test_deep_json_is_refused(app, make_coop, api_client):
    coop, admin = make_coop()
    api = api_client(admin)
    deep = api.post(f"/api/v1/c/{coop.slug}/members", data="[" * 200_000,
                    content_type="application/json")
    assert deep.status_code == 422 and deep.mimetype == PROBLEM
    not_an_object = api.patch(f"/api/v1/c/{coop.slug}/position", json=[1, 2])
    assert not_an_object.status_code == 422 and not_an_object.mimetype == PROBLEM


def test_time_zone_offsets_are_read_or_refused_never_a_500(app, make_coop, api_client):
    coop, admin = make_coop()
    api = api_client(admin)
    for when in ("2026-03-16T09:00:00+01:00", "2026-03-16T09:00:00Z",
                 "2026-03-16T09:00:00-23:59"):
        response = api.get(f"/api/v1/c/{coop.slug}/visits", query_string={"week": when})
        assert response.status_code < 500 and response.is_json
        created = api.post(f"/api/v1/c/{coop.slug}/visits", json={
            "client_id": 1, "starts_at": when, "ends_at": "2026-03-16T10:00:00+01:00"})
        assert created.status_code < 500 and created.mimetype in (PROBLEM, "application/json")


@pytest.fixture
def failing_app(isolated_app):
    application = isolated_app(PROPAGATE_EXCEPTIONS=False)
    broken = Blueprint("broken", __name__)

    @broken.get("/api/v1/broken")
    def api_broken():
        raise RuntimeError("a bug")

    @broken.get("/broken")
    def page_broken():
        raise RuntimeError("a bug")

    application.register_blueprint(broken)
    return application


def test_api_errors_are_always_problem_json(failing_app):
    client = failing_app.test_client()
    crashed = client.get("/api/v1/broken")
    assert crashed.status_code == 500 and crashed.mimetype == PROBLEM
    assert client.get("/broken").mimetype == "text/html"
    assert client.get("/api/v1/nowhere").mimetype == PROBLEM
    assert client.delete("/api/v1/session").mimetype == PROBLEM
    assert client.post("/oauth/token", data={}).is_json
    _ = PASSWORD
