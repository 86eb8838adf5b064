"""Sending one email with the standard library: to the log, or over SMTP.

``COOPFED_MAIL_URL`` unset: the message is written to the ``coopfed.mail`` logger (the
development default, so nothing leaves the machine). ``smtp://user:pass@host:587``
uses STARTTLS (port 587, or ``?starttls=1``); ``smtps://host:465`` uses TLS from the
start; ``smtp://host:25`` sends as is (a local relay).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

log = logging.getLogger("coopfed.mail")


def build_message(to: str, subject: str, body: str, *, sender: str) -> EmailMessage:
    """A plain-text UTF-8 email."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send(to: str, subject: str, body: str) -> None:
    """Send one email through the configured backend; raises if SMTP refuses it."""
    config = current_app.config
    message = build_message(to, subject, body, sender=config["MAIL_FROM"])
    url = config.get("MAIL_URL")
    if not url:
        # The decoded text, so that links in it can be followed from the log.
        log.info("email (not sent: COOPFED_MAIL_URL is unset)\nFrom: %s\nTo: %s\n"
                 "Subject: %s\n\n%s", message["From"], to, subject, body)
        return
    _send_smtp(url, message)
    log.info("email sent to one recipient: %s", subject)


def _send_smtp(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("COOPFED_MAIL_URL must start smtp:// or smtps://")
    query = parse_qs(parts.query)
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, context=context,
                                  timeout=30)
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=30)
    with client:
        if parts.scheme == "smtp" and (parts.port == 587 or query.get("starttls") == ["1"]):
            client.starttls(context=context)
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
