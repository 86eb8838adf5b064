"""Password hashes the application's own login cannot read (PostgreSQL), checked through
security-definer functions; sign-in works the same way on both stores."""

from __future__ import annotations

import psycopg
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from core.db import db
from federation.accounts import passwords
from federation.accounts import service as accounts
from federation.accounts.models import Account
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, create_account


def _raw_app_login(app):
    """A plain driver connection as the application's login: no SQLAlchemy, no guard."""
    url = make_url(app.config["DATABASE_URL"]).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def test_the_app_login_cannot_read_password_hashes_even_on_a_raw_connection(
        app, postgres_only):
    account = create_account(app)
    with _raw_app_login(app) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT email FROM federation.accounts WHERE id = %s", (account.id,))
        assert cursor.fetchone()[0] == account.email  # what the app needs, it reads
        for attempt in ("SELECT password_hash FROM federation.accounts",
                        "SELECT * FROM federation.accounts",
                        "SELECT id FROM federation.accounts WHERE password_hash LIKE '$%'",
                        "SELECT password_hash FROM federation.email_verifications",
                        "RESET ROLE; SELECT password_hash FROM federation.accounts"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cursor.execute(attempt)
        # The functions give the salt, never the hash, and answer only yes or no.
        cursor.execute("SELECT prefix, hash_chars FROM federation.password_salt(%s)",
                       (account.id,))
        prefix, chars = cursor.fetchone()
        assert prefix.startswith("$argon2id$") and prefix.count("$") == 4 and chars >= 43
        cursor.execute("SELECT federation.password_matches(%s, %s)",
                       (account.id, prefix + "$" + "A" * chars))
        assert cursor.fetchone()[0] is False
        # The functions cannot be redefined by the login to leak more.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("CREATE OR REPLACE FUNCTION federation.password_salt(p integer) "
                           "RETURNS TABLE (prefix text, hash_chars integer) LANGUAGE sql "
                           "AS $$ SELECT password_hash, 0 FROM federation.accounts $$")


def test_a_coop_role_cannot_call_the_password_functions(app, two_coops, coop_session,
                                                        postgres_only):
    (a, _), _ = two_coops
    with coop_session(a) as session:
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor, pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("SELECT * FROM federation.password_salt(1)")
        session.rollback()


def test_sign_in_checks_the_password_in_the_database(app, client):
    account = create_account(app)
    with app.app_context():
        prefix, chars = passwords.stored_salt(account.id)
        right = passwords.hash_like(prefix, chars, PASSWORD)
        assert passwords.matches(account.id, right)
        assert not passwords.matches(account.id, passwords.hash_like(prefix, chars, "wrong"))
        assert passwords.stored_salt(account.id + 10_000_000) is None
        with pytest.raises(Exception, match="password_hash"):
            db.session.get(Account, account.id).password_hash  # noqa: B018 - never loaded
        db.session.rollback()
    assert sign_in(client, account.email, "not the password").status_code != 302
    assert sign_in(client, account.email, PASSWORD).status_code == 302


def test_a_hash_made_with_older_parameters_is_remade_at_sign_in(app):
    account = create_account(app)
    with app.app_context():
        weaker = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
        db.session.execute(update(Account).where(Account.id == account.id).values(
            password_hash=weaker.hash(PASSWORD)))  # the login may write a hash, not read it
        db.session.commit()
        assert passwords.stored_salt(account.id)[0].startswith("$argon2id$v=19$m=8192,t=1")
        assert accounts.authenticate(account.email, PASSWORD) is not None
        db.session.commit()
        assert not passwords.stored_salt(account.id)[0].startswith("$argon2id$v=19$m=8192")
        assert accounts.authenticate(account.email, PASSWORD) is not None
        db.session.commit()
        with app.test_request_context():  # as at sign-in: the refusal is audited after
            assert accounts.authenticate(account.email, "not the password") is None
        db.session.rollback()
        assert db.session.scalar(select(Account.id).where(Account.id == account.id))
