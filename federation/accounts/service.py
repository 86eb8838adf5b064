"""Accounts: signing up, signing in and out, with argon2 hashes and server-side login sessions."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import Select, bindparam, delete, select, update

from core import audit
from core.db import db
from core.errors import ValidationError
from core.jobs import enqueue_after_commit
from core.timeutil import as_utc, utcnow
from federation.accounts import passwords
from federation.accounts.models import Account, EmailVerification, LoginSession
from tenants.registry.models import Coop
from tenants.registry.service import with_access

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


VERIFY_JOB = "federation.accounts.tasks:send_verification"
EXISTS_JOB = "federation.accounts.tasks:send_account_exists"


def do_sign_up(email: str, display_name: str, password: str, locale: str = "en",
               *, ip: str | None = None, is_federation_admin: bool = False,
               email_verified: bool = False) -> Account:
    """Create an account; refuses a taken email or a weak password, naming the field.

    The account cannot sign in until its address is verified, unless the caller has
    proved the address some other way (``email_verified``: the demo, tests).
    """
    email = normalise_email(email)
    check_password_rules(password)
    if account_by_email(email) is not None:
        raise ValidationError({"email": ["An account with this email already exists."]})
    account = Account(email=email, display_name=display_name.strip(),
                      password_hash=hash_password(password), locale=locale,
                      is_federation_admin=is_federation_admin,
                      email_verified_at=utcnow() if email_verified else None)
    db.session.add(account)
    db.session.flush()
    audit.record(db.session, "account.created", actor_account_id=account.id, ip=ip)
    return account


def request_sign_up(email: str, display_name: str, password: str, locale: str = "en",
                    *, ip: str | None = None) -> None:
    """Sign up without saying whether the address already has an account.

    Whatever happens, one email goes to the address and the caller shows the same page:
    - a new address gets an account and a link that verifies it;
    - an address whose account was never verified gets a link that verifies it and sets
      the password typed now (whoever signed up with it first loses it);
    - a verified address is told it already has an account.
    """
    check_password_rules(password)
    account = account_by_email(email)
    if account is None:
        account = do_sign_up(email, display_name, password, locale, ip=ip)
        request_verification(account)
    elif not account.email_verified:
        request_verification(account, password_hash=hash_password(password))
    else:
        audit.record(db.session, "account.sign_up_repeated", subject_account_id=account.id,
                     ip=ip)
        enqueue_after_commit(db.session, EXISTS_JOB, account.id)


def request_verification(account: Account, *, password_hash: str | None = None) -> None:
    """Queue an email with a link that proves ``account``'s address (the job makes it)."""
    hours = current_app.config["EMAIL_VERIFY_HOURS"]
    pending = EmailVerification(token_hash=_digest(secrets.token_urlsafe(32)),
                                account_id=account.id, password_hash=password_hash,
                                expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(pending)
    db.session.flush()
    enqueue_after_commit(db.session, VERIFY_JOB, account.id, pending.token_hash)


def issue_verification_link(account_id: int, placeholder: str) -> tuple[Account, str] | None:
    """The job's half: give the queued verification a token only the email will hold.

    The row was stored under a random placeholder hash nobody knows; the job replaces it
    with the hash of a fresh token and returns the token for the link. None when the
    request is gone (used, expired, or already sent).
    """
    pending = db.session.get(EmailVerification, placeholder)
    account = db.session.get(Account, int(account_id))
    if pending is None or account is None or pending.account_id != account.id \
            or as_utc(pending.expires_at) <= utcnow():
        return None
    token = secrets.token_urlsafe(32)
    db.session.execute(update(EmailVerification).where(
        EmailVerification.token_hash == placeholder).values(token_hash=_digest(token)))
    return account, token


def do_verify_email(token: str, *, ip: str | None = None) -> Account | None:
    """Follow a verification link: the address is proved; a pending password takes over.

    Every login session of the account ends when the password changes, so a squatter
    who signed up with the address first is signed out everywhere.
    """
    if not token or len(token) > 100 or "\x00" in token:
        return None
    pending = db.session.get(EmailVerification, _digest(token))
    if pending is None or as_utc(pending.expires_at) <= utcnow():
        return None
    account = db.session.get(Account, pending.account_id)
    account.email_verified_at = account.email_verified_at or utcnow()
    password_set = passwords.take_pending_password(pending.token_hash)
    if password_set:
        db.session.execute(delete(LoginSession).where(LoginSession.account_id == account.id))
    db.session.execute(delete(EmailVerification).where(
        EmailVerification.account_id == account.id))
    audit.record(db.session, "account.email_verified", actor_account_id=account.id, ip=ip,
                 password_set=password_set)
    db.session.flush()
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
    account = do_sign_up(email, name, password, locale)
    # Whoever holds the address proves it before the account (and any grant) works.
    request_verification(account)
    return account, password


def authenticate(email: str, password: str, *, ip: str | None = None) -> Account | None:
    """The account if the password matches; every attempt is audited."""
    account = account_by_email(email)
    if account is None:
        try:  # as long as checking a real account's password takes
            _hasher.verify(_DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            pass
        right = rehash = False
    else:
        right, rehash = passwords.check(_hasher, account.id, password)
    if not right:
        account = None
        audit.record_despite_rollback("sign_in.failed", outcome="refused", ip=ip,
                         email_hash=hashlib.sha256(normalise_email(email).encode()).hexdigest()[:16])
        return None
    if rehash:
        account.password_hash = hash_password(password)
    account.last_sign_in_at = datetime.now(UTC)
    audit.record(db.session, "sign_in", actor_account_id=account.id, ip=ip)
    return account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(account: Account, ip: str | None = None) -> str:
    """A new login session for ``account``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_digest(token), account_id=account.id, ip=ip,
                                created_at=utcnow(), last_seen_at=utcnow()))
    return token


# How stale last_seen_at may be: one write a minute per session, not one per request.
SEEN_RESOLUTION = timedelta(minutes=1)


@functools.cache
def _session_query(with_coop: bool) -> Select:
    """The query of every signed-in request, built once per process (only its parameters
    change): the session and its account, with the co-op and role when ``with_coop``."""
    stmt = select(Account, LoginSession).join(
        LoginSession, LoginSession.account_id == Account.id).where(
        LoginSession.token_hash == bindparam("token_hash"))
    return with_access(stmt, bindparam("slug"), Account.id) if with_coop else stmt


class LoadedSession(NamedTuple):
    """A live login session's account, and what was read with it about the co-op whose
    workspace the request names (``coop_access``: the co-op and the role there, either
    None when absent; None when the request names no co-op)."""

    account: Account
    coop_access: tuple[Coop | None, str | None] | None = None


def load_login_session(token: str, coop_slug: str | None = None) -> LoadedSession | None:
    """The account signed in with ``token``, or None if the session has ended.

    A session ends on the server after SESSION_IDLE_MINUTES without a request, and
    SESSION_MAX_HOURS after sign-in however busy; an ended session's row is deleted.
    With ``coop_slug`` (a workspace request) the same query also reads that co-op and
    the account's role there, for ``access_coop`` to decide on: one round trip instead
    of two on every workspace request, read afresh each time.
    """
    if not token or len(token) > 100:
        return None
    row = db.session.execute(_session_query(coop_slug is not None),
                             {"token_hash": _digest(token), "slug": coop_slug}).first()
    if row is None:
        return None
    account, login = row.Account, row.LoginSession
    config = current_app.config
    now = utcnow()
    seen = as_utc(login.last_seen_at or login.created_at)
    if now - as_utc(login.created_at) > timedelta(hours=config["SESSION_MAX_HOURS"]) \
            or now - seen > timedelta(minutes=config["SESSION_IDLE_MINUTES"]) \
            or not account.email_verified:
        db.session.execute(delete(LoginSession).where(
            LoginSession.token_hash == login.token_hash))
        audit.record_despite_rollback("sign_in.expired", actor_account_id=account.id)
        return None
    if now - seen > SEEN_RESOLUTION:
        login.last_seen_at = now
    return LoadedSession(account, (row.Coop, row.role) if coop_slug is not None else None)


def end_login_session(token: str, account_id: int, ip: str | None = None) -> None:
    """End one login session (sign out)."""
    db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))
    audit.record(db.session, "sign_out", actor_account_id=account_id, ip=ip)


def verification_usable(token: str) -> bool:
    """Whether a verification link would work if confirmed now (it changes nothing)."""
    if not token or len(token) > 100 or "\x00" in token:
        return False
    pending = db.session.get(EmailVerification, _digest(token))
    return pending is not None and as_utc(pending.expires_at) > utcnow()
