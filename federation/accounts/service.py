"""Accounts: signing up, signing in and out, with argon2 hashes and server-side login sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from core import audit
from core.db import db
from core.errors import ValidationError
from federation.accounts.models import Account, LoginSession

PASSWORD_MIN = 10
PASSWORD_MAX = 256
_hasher = PasswordHasher()
# Verified against when the email is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    """Emails are compared in lower case and without surrounding space."""
    return email.strip().lower()


def account_by_email(email: str) -> Account | None:
    """The account with this email, if any."""
    return db.session.scalar(select(Account).where(Account.email == normalise_email(email)))


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or too long, naming the field."""
    if len(password) < PASSWORD_MIN:
        raise ValidationError({"password": [f"Use at least {PASSWORD_MIN} characters."]})
    if len(password) > PASSWORD_MAX:
        raise ValidationError({"password": [f"Use at most {PASSWORD_MAX} characters."]})


def do_sign_up(email: str, display_name: str, password: str, locale: str = "en",
               *, ip: str | None = None, is_federation_admin: bool = False) -> Account:
    """Create an account; refuses a taken email or a weak password, naming the field."""
    email = normalise_email(email)
    check_password_rules(password)
    if account_by_email(email) is not None:
        raise ValidationError({"email": ["An account with this email already exists."]})
    account = Account(email=email, display_name=display_name.strip(),
                      password_hash=hash_password(password), locale=locale,
                      is_federation_admin=is_federation_admin)
    db.session.add(account)
    db.session.flush()
    audit.record(db.session, "account.created", actor_account_id=account.id, ip=ip)
    return account


def get_or_create_account(email: str, display_name: str | None = None,
                          locale: str = "en") -> tuple[Account, str | None]:
    """The account for ``email``, creating one with a random password if there is none.

    Returns the account and the new password (None when the account already existed).
    """
    account = account_by_email(email)
    if account is not None:
        return account, None
    password = secrets.token_urlsafe(12)
    name = display_name or normalise_email(email).split("@", 1)[0]
    return do_sign_up(email, name, password, locale), password


def authenticate(email: str, password: str, *, ip: str | None = None) -> Account | None:
    """The account if the password matches; every attempt is audited."""
    account = account_by_email(email)
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        account = None
    if account is None:
        audit.record_despite_rollback("sign_in.failed", outcome="refused", ip=ip,
                         email_hash=hashlib.sha256(normalise_email(email).encode()).hexdigest()[:16])
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_sign_in_at = datetime.now(UTC)
    audit.record(db.session, "sign_in", actor_account_id=account.id, ip=ip)
    return account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(account: Account, ip: str | None = None) -> str:
    """A new login session for ``account``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_digest(token), account_id=account.id, ip=ip))
    return token


def load_login_session(token: str) -> Account | None:
    """The account signed in with ``token``, or None if the session has ended."""
    return db.session.scalar(select(Account).join(
        LoginSession, LoginSession.account_id == Account.id).where(
        LoginSession.token_hash == _digest(token)))


def end_login_session(token: str, account_id: int, ip: str | None = None) -> None:
    """End one login session (sign out)."""
    db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))
    audit.record(db.session, "sign_out", actor_account_id=account_id, ip=ip)
