"""Accounts: one identity across the federation, and the server-side record of each sign-in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase


class Account(FederationBase):
    """A person who can sign in. Their role in each co-op lives in ``memberships``."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("locale IN ('en', 'cy')", name="locale"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    # Written, never read: on PostgreSQL the app's login cannot SELECT it at all, and a
    # password is checked through ``federation.accounts.passwords`` (the database compares).
    password_hash: Mapped[str] = mapped_column(String(255), deferred=True,
                                               deferred_raiseload=True)
    locale: Mapped[str] = mapped_column(String(2), default="en")
    is_federation_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Until the link emailed to the address is followed, the account cannot sign in, so
    # nothing granted to the address (a co-op, an analyst grant, a hand-over) reaches
    # whoever typed it at sign-up.
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def email_verified(self) -> bool:
        """Whether the holder of the address has followed a verification link."""
        return self.email_verified_at is not None


class LoginSession(FederationBase):
    """A signed-in browser. The cookie holds a random token; only its hash is stored here."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ip: Mapped[str | None] = mapped_column(String(64))
    # The last request seen, at most a minute stale; NULL until the first after sign-in.
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EmailVerification(FederationBase):
    """An emailed link that proves the address; only the token's hash is stored.

    ``password_hash`` is set when someone signed up with an address that already had an
    unverified account: following the link both proves the address and sets the
    password chosen then, so whoever squatted the address first loses it.
    """

    __tablename__ = "email_verifications"
    __table_args__ = (CheckConstraint("length(token_hash) = 64", name="token_hash"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), deferred=True,
                                                      deferred_raiseload=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
