"""Security headers from the app itself, and no caching of anything dynamic."""

from __future__ import annotations

from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD


def test_every_page_carries_the_security_headers(client):
    for path in ("/", "/signin", "/no-such-page", "/api/v1/session"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


def test_personal_pages_are_not_stored_by_caches(client, make_coop):
    coop, admin = make_coop()
    assert sign_in(client, admin.email, PASSWORD).status_code == 302
    for path in ("/", f"/c/{coop.slug}/", "/api/v1/session"):
        response = client.get(path)
        assert response.status_code < 400, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_the_one_time_client_secret_is_not_cached(client, make_account):
    from core.db import db
    from federation.accounts.models import Account

    admin = make_account()
    with client.application.app_context():
        db.session.get(Account, admin.id).is_federation_admin = True
        db.session.commit()
    assert sign_in(client, admin.email, PASSWORD).status_code == 302
    token = csrf_token(client, "/regional/admin/clients")
    created = client.post("/regional/admin/clients", data={
        "name": "A body's tool", "area": "W06000018", "csrf_token": token})
    assert created.status_code == 200
    assert "secret" in created.get_data(as_text=True).lower()
    assert created.headers["Cache-Control"] == "no-store"


def test_static_files_keep_their_own_caching(client):
    with client.get("/static/coopfed/coopfed.css") as response:
        assert response.status_code == 200
        assert response.headers.get("Cache-Control") != "no-store"
