"""Account emails. Each job takes ids only and reads what it needs from the store."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.db import db
from federation.accounts.models import Account
from federation.accounts.service import issue_verification_link
from services.mail import service as mail


def _both(account: Account, texts) -> tuple[str, str]:
    """Subject and body in the account's language first, then the other one."""
    return mail.bilingual(account.locale, texts)


def send_verification(account_id: int, placeholder: str) -> bool:
    """Job: make the verification link's token, store its hash and email the link.

    If sending fails the runner rolls back, so the request stays queued under its
    placeholder and a retry sends a link that works.
    """
    issued = issue_verification_link(int(account_id), str(placeholder))
    if issued is None:
        return False
    account, token = issued
    link = f"{current_app.config['PUBLIC_URL']}/verify/{token}"

    def texts(locale: str) -> tuple[str, str]:
        with force_locale(locale):
            return (_("Confirm your email address for coopfed"),
                    _("Hello,\n\nSomeone, we hope you, created a coopfed account with this "
                      "email address or asked to set its password. Open this link to "
                      "confirm it:\n%(link)s\n\nIf it was not you, ignore this email: "
                      "nothing changes.", link=link))

    subject, body = _both(account, texts)
    mail.send(account.email, subject, body)
    return True


def send_account_exists(account_id: int) -> bool:
    """Job: tell the holder of an address that signed up again that it has an account."""
    account = db.session.get(Account, int(account_id))
    if account is None:
        return False
    link = f"{current_app.config['PUBLIC_URL']}/signin"

    def texts(locale: str) -> tuple[str, str]:
        with force_locale(locale):
            return (_("You already have a coopfed account"),
                    _("Hello,\n\nSomeone, we hope you, tried to create a coopfed account "
                      "with this email address, but it already has one. Sign in here:\n"
                      "%(link)s\n\nIf it was not you, ignore this email: nothing changes.",
                      link=link))

    subject, body = _both(account, texts)
    mail.send(account.email, subject, body)
    return True
