"""Checking a password without reading its hash: the database compares.

On PostgreSQL the application's login cannot SELECT ``password_hash`` (migration 0019
and ``tenants.migrate._hide_password_hashes``), so a role switched to, or SQL injected
as, that login cannot dump the hashes. A sign-in asks a security-definer function for
the account's argon2 parameters and salt, hashes the candidate with them here, and asks
another function whether the result equals the stored hash. SQLite has no roles (the
file is the boundary); the same steps run there as plain SQL over the same columns.
"""

from __future__ import annotations

import base64

from argon2 import PasswordHasher, Type
from argon2.low_level import hash_secret
from sqlalchemy import select, text, update

from core.db import db
from federation.accounts.models import Account, EmailVerification

_TYPES = {"argon2id": Type.ID, "argon2i": Type.I, "argon2d": Type.D}


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def stored_salt(account_id: int) -> tuple[str, int] | None:
    """The account's hash up to its last '$' (algorithm, parameters, salt) and the length
    of the part left out; None if the account does not exist."""
    if _postgres():
        row = db.session.execute(text(
            "SELECT prefix, hash_chars FROM federation.password_salt(:a)"),
            {"a": account_id}).first()
    else:
        stored = db.session.scalar(select(Account.password_hash).where(Account.id == account_id))
        row = (stored.rsplit("$", 1)[0], len(stored.rsplit("$", 1)[1])) if stored else None
    return (row[0], int(row[1])) if row and row[0] else None


def hash_like(prefix: str, hash_chars: int, password: str) -> str:
    """``password`` hashed with the parameters and salt of ``prefix``: the stored hash
    itself exactly when the password is right."""
    _, name, version, params, salt = prefix.split("$")
    costs = dict(part.split("=") for part in params.split(","))
    return hash_secret(password.encode(), base64.b64decode(salt + "=" * (-len(salt) % 4)),
                       time_cost=int(costs["t"]), memory_cost=int(costs["m"]),
                       parallelism=int(costs["p"]), hash_len=hash_chars * 3 // 4,
                       type=_TYPES[name], version=int(version.removeprefix("v="))).decode()


def matches(account_id: int, candidate_hash: str) -> bool:
    """Whether ``candidate_hash`` is the account's stored hash (compared in the database)."""
    if _postgres():
        return bool(db.session.scalar(text("SELECT federation.password_matches(:a, :h)"),
                                      {"a": account_id, "h": candidate_hash}))
    return bool(db.session.scalar(select(Account.password_hash == candidate_hash).where(
        Account.id == account_id)))


def check(hasher: PasswordHasher, account_id: int, password: str) -> tuple[bool, bool]:
    """(whether ``password`` is the account's, whether its hash should be remade with
    ``hasher``'s current parameters)."""
    salt = stored_salt(account_id)
    if salt is None:
        return False, False
    prefix, chars = salt
    try:
        candidate = hash_like(prefix, chars, password)
    except (ValueError, KeyError):
        return False, False  # not an argon2 hash this code can reproduce
    if not matches(account_id, candidate):
        return False, False
    return True, hasher.check_needs_rehash(f"{prefix}${'A' * chars}")


def take_pending_password(token_hash: str) -> bool:
    """Move the password chosen at sign-up (kept with the verification link) onto the
    account; False if the link carried none."""
    if _postgres():
        return bool(db.session.scalar(text("SELECT federation.take_pending_password(:t)"),
                                      {"t": token_hash}))
    pending = db.session.scalar(select(EmailVerification.password_hash).where(
        EmailVerification.token_hash == token_hash))
    if not pending:
        return False
    account_id = select(EmailVerification.account_id).where(
        EmailVerification.token_hash == token_hash).scalar_subquery()
    db.session.execute(update(Account).where(Account.id == account_id)
                       .values(password_hash=pending).execution_options(
                           synchronize_session=False))
    return True
