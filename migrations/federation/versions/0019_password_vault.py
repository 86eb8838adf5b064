"""password hashes readable only through security-definer functions (issue 14)

On PostgreSQL the application's login may write password hashes but never read them
(its SELECT on ``accounts`` and ``email_verifications`` leaves out ``password_hash``:
see ``tenants.migrate._grant_federation``). These functions, owned by the migrating
owner, are how a sign-in checks a password: one returns an account's argon2 parameters
and salt (never the hash), the other compares a hash the caller computed with the
stored one, inside the database. A third moves a password chosen at sign-up onto its
account when the emailed link is followed. SQLite has no roles: nothing to do there.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:32:27
"""

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

FUNCTIONS = (
    # The argon2 parameters and salt (everything before the last '$') and the length of
    # the hash part, for the caller to hash a candidate password the same way.
    """
    CREATE OR REPLACE FUNCTION federation.password_salt(p_account integer)
    RETURNS TABLE (prefix text, hash_chars integer)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = federation, pg_temp AS $$
        SELECT regexp_replace(password_hash, '[$][^$]*$', ''),
               length(substring(password_hash from '[^$]*$'))
        FROM federation.accounts WHERE id = p_account
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION federation.password_matches(p_account integer, p_hash text)
    RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = federation, pg_temp AS $$
        SELECT coalesce((SELECT password_hash = p_hash FROM federation.accounts
                         WHERE id = p_account), false)
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION federation.take_pending_password(p_token_hash text)
    RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = federation, pg_temp AS $$
        WITH moved AS (
            UPDATE federation.accounts AS a SET password_hash = v.password_hash
            FROM federation.email_verifications AS v
            WHERE v.token_hash = p_token_hash AND v.password_hash IS NOT NULL
              AND a.id = v.account_id
            RETURNING a.id)
        SELECT count(*) > 0 FROM moved
    $$
    """,
)
SIGNATURES = ("password_salt(integer)", "password_matches(integer, text)",
              "take_pending_password(text)")


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for sql in FUNCTIONS:
        op.execute(sql)
    for signature in SIGNATURES:
        # Only the application's login (granted by migrate) may call them.
        op.execute(f'REVOKE ALL ON FUNCTION federation.{signature} FROM PUBLIC')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for signature in SIGNATURES:
        op.execute(f'DROP FUNCTION IF EXISTS federation.{signature}')
