"""PostgreSQL defence in depth: inside a co-op's transaction no statement can switch role,
so SQL injected there could reach neither another co-op nor the federation's hashes."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from tenants.roleguard import RoleSwitchRefused
from tests.fixtures.factories import drain_jobs

ATTEMPTS = (
    "RESET ROLE",
    "SET ROLE NONE",
    "SET LOCAL ROLE {other}",
    "set local role = '{other}'",
    "SELECT set_config('role', '{other}', true)",
    "SET SESSION AUTHORIZATION DEFAULT",
    "DO $$ BEGIN EXECUTE 'RE' || 'SET ROLE'; END $$",
    "SELECT 1; RESET ROLE; SELECT password_hash FROM federation.accounts",
)


def test_a_coop_transaction_cannot_switch_role(app, two_coops, coop_session, postgres_only):
    (a, _), (b, _) = two_coops
    store = app.extensions["coopfed.store"]
    other = store.role(b)
    for attempt in ATTEMPTS:
        with pytest.raises((RoleSwitchRefused, StatementError)) as refused:
            with coop_session(a) as session:
                session.execute(text(attempt.format(other=other)))
        assert "could change role" in str(refused.value)
    # Ordinary work in the co-op carries on, and the guard ends with the transaction.
    with coop_session(a) as session:
        assert session.execute(text("SELECT current_user")).scalar() == store.role(a)
        assert session.execute(text("UPDATE members SET display_name = display_name "
                                    "WHERE false")).rowcount == 0
    drain_jobs(app)


def test_without_the_guard_the_switch_reaches_other_coops_but_never_the_hashes(
        app, two_coops, coop_session, postgres_only):
    """What the guard prevents: the same switch sent past it (straight to the driver)
    reads the other co-op's schema. The password hashes stay out of reach even then: the
    application's login itself cannot read them (see test_password_vault)."""
    (a, _), (b, _) = two_coops
    store = app.extensions["coopfed.store"]
    with coop_session(a) as session:
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(f'SET LOCAL ROLE "{store.role(b)}"')
            cursor.execute(f'SELECT count(*) FROM "{store.schema(b)}".members')
            assert cursor.fetchone()[0] >= 0
            cursor.execute("RESET ROLE")
            cursor.execute("SELECT count(*) FROM federation.accounts")  # the login's own
            assert cursor.fetchone()[0] > 0
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cursor.execute("SELECT count(password_hash) FROM federation.accounts")
        session.rollback()
