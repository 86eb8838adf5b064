"""Login sessions end on the server (idle and absolute limits); the cookie is Secure in
production, HttpOnly and SameSite=Lax."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from core.db import db
from core.timeutil import utcnow
from federation.accounts.models import LoginSession
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD
from tests.fixtures.stores import ON_POSTGRES


def _age(app, account_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(update(LoginSession).where(
            LoginSession.account_id == account_id).values(**values))
        db.session.commit()


def _signed_in(client) -> bool:
    return client.get("/api/v1/session").get_json()["signed_in"]


def test_an_idle_session_ends_on_the_server(app, client, make_account):
    account = make_account()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    assert _signed_in(client)
    idle = app.config["SESSION_IDLE_MINUTES"]
    _age(app, account.id, last_seen_at=utcnow() - timedelta(minutes=idle - 5))
    assert _signed_in(client)  # still inside the limit, and the visit renews it
    _age(app, account.id, last_seen_at=utcnow() - timedelta(minutes=idle + 1))
    assert not _signed_in(client)
    with app.app_context():  # the ended session is gone, not just ignored
        assert db.session.query(LoginSession).filter_by(account_id=account.id).count() == 0


def test_a_busy_session_still_ends_after_the_absolute_limit(app, client, make_account):
    account = make_account()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    hours = app.config["SESSION_MAX_HOURS"]
    _age(app, account.id, created_at=utcnow() - timedelta(hours=hours, minutes=1),
         last_seen_at=utcnow())
    assert not _signed_in(client)


def test_the_session_cookie_is_secure_in_production(isolated_app, tmp_path):
    overrides = {"ENV": "production", "PUBLIC_URL": "https://coopfed.test"}
    if not ON_POSTGRES:
        overrides["DATABASE_URL"] = f"sqlite:///{tmp_path / 'federation.sqlite'}"
    app = isolated_app(**overrides)
    client = app.test_client()
    response = client.get("/signin", base_url="https://coopfed.test")
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_session_cookie_is_httponly_and_lax_everywhere(client):
    (cookie,) = [c for c in client.get("/signin").headers.getlist("Set-Cookie")
                 if c.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
