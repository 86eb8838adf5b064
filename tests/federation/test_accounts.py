"""Accounts: argon2 hashes, CSRF on every form, a fresh session on sign-in, a rate limit."""

from __future__ import annotations

from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from federation.accounts import passwords
from federation.accounts.models import Account, LoginSession
from tests.fixtures.app import csrf_token, sign_in, sign_up
from tests.fixtures.factories import PASSWORD, add_member


def test_sign_up_stores_an_argon2_hash_and_signs_in_once_verified(app, client):
    signed_in = sign_up(client, "Nia@Example.org", "a long enough pass", name="Nia Williams")
    assert signed_in.status_code == 302
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.email == "nia@example.org"))
        # The app reads the parameters and salt only (see test_password_vault).
        prefix, hash_chars = passwords.stored_salt(account.id)
        assert prefix.startswith("$argon2id$") and hash_chars >= 43
        assert "a long enough pass" not in prefix
        assert account.email_verified
    assert "Nia Williams" in client.get("/").get_data(as_text=True)


def test_sign_up_refuses_bad_fields_beside_the_field(app, client):
    token = csrf_token(client, "/signup")
    response = client.post("/signup", data={
        "display_name": "", "email": "not-an-email", "password": "short",
        "confirm": "different", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("display_name", "email", "password", "confirm"):
        assert f'id="{field}-error"' in page


def test_every_form_needs_its_csrf_token(client, make_account):
    account = make_account()
    assert client.post("/signin", data={"email": account.email,
                                        "password": PASSWORD}).status_code == 400
    assert client.post("/signup", data={"display_name": "x"}).status_code == 400
    sign_in(client, account.email, PASSWORD)
    assert client.post("/signout").status_code == 400


def test_sign_in_starts_a_fresh_session_and_sign_out_ends_it(app, client, make_account):
    account = make_account()
    client.get("/signin")
    before = client.get_cookie("session").value
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    after = client.get_cookie("session").value
    assert before != after
    with app.app_context():
        tokens = db.session.scalars(select(LoginSession.token_hash).where(
            LoginSession.account_id == account.id)).all()
    assert len(tokens) == 1
    # A second sign-in gets a different server-side session.
    other = app.test_client()
    sign_in(other, account.email, PASSWORD)
    with app.app_context():
        assert len(db.session.scalars(select(LoginSession.token_hash).where(
            LoginSession.account_id == account.id)).all()) == 2
    page = client.get("/").get_data(as_text=True)
    client.post("/signout", data={"csrf_token": _token_on(page)})
    with app.app_context():
        assert len(db.session.scalars(select(LoginSession.token_hash).where(
            LoginSession.account_id == account.id)).all()) == 1
    # The old cookie no longer signs anyone in.
    client.set_cookie("session", after)
    assert client.get("/c/anything/").status_code == 302


def _token_on(page: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_wrong_password_is_refused_and_audited(app, client, make_account):
    account = make_account()
    response = sign_in(client, account.email, "not the password")
    assert response.status_code == 400
    assert "not right" in response.get_data(as_text=True)
    with app.app_context():
        failed = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "sign_in.failed")).all()
    assert failed


def test_login_is_rate_limited(app, client, make_account):
    account = make_account()
    token = csrf_token(client, "/signin")
    codes = [client.post("/signin", data={"email": account.email, "password": "wrong",
                                          "csrf_token": token}).status_code
             for _ in range(12)]
    assert codes[:10] == [400] * 10
    assert codes[10:] == [429, 429]
    # Even the right password is refused while the limit holds.
    assert client.post("/signin", data={"email": account.email, "password": PASSWORD,
                                        "csrf_token": token}).status_code == 429


def test_workspace_shows_the_coop_and_the_persons_role(app, client, two_coops, make_account):
    (a, admin_a), (b, _) = two_coops
    worker = make_account()
    add_member(app, a, worker, "worker")
    sign_in(client, admin_a.email, PASSWORD)
    page = client.get(f"/c/{a.slug}/").get_data(as_text=True)
    assert a.name in page and "Your role here: Admin" in page
    other = app.test_client()
    sign_in(other, worker.email, PASSWORD)
    page = other.get(f"/c/{a.slug}/").get_data(as_text=True)
    assert "Your role here: Care worker" in page
    assert other.get(f"/c/{b.slug}/").status_code == 404


def test_audit_log_is_append_only(app, make_account):
    make_account()
    import pytest
    from sqlalchemy import update
    from sqlalchemy.exc import DBAPIError

    with app.app_context():
        # SQLite's trigger says append-only; PostgreSQL refuses the app role first.
        with pytest.raises(DBAPIError, match="append-only|permission denied"):
            db.session.execute(update(AuditEvent).values(action="tampered"))
        db.session.rollback()


def test_sign_up_returns_to_the_page_that_asked(client):
    response = sign_up(client, "invited-next@example.org", "a long enough pass",
                       next_path="/invitations/some-coop/abc")
    assert response.headers["Location"] == "/invitations/some-coop/abc"


def test_sign_up_never_sends_anyone_off_site(app):
    client = app.test_client()
    response = sign_up(client, "off-site-next@example.org", "a long enough pass",
                       next_path="https://evil.example/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
