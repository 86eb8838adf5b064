"""Sending one email with the standard library: to the log, or over SMTP.

``COOPFED_MAIL_URL`` unset: the message is written to the ``coopfed.mail`` logger (the
development default, so nothing leaves the machine). ``maildir:///path`` delivers each
message as a file into a Maildir (development, and the fault-injection tests). ``smtp://user:pass@host:587``
uses STARTTLS (port 587, or ``?starttls=1``); ``smtps://host:465`` uses TLS from the
start; ``smtp://host:25`` sends as is (a local relay).
"""

from __future__ import annotations

import logging
import mailbox
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.timeutil import utcnow
from services.mail.models import SentMail

log = logging.getLogger("coopfed.mail")


def bilingual(first: str, text, *, opening: str = "") -> tuple[str, str]:
    """Subject and body of an email in both languages, ``first`` ("cy" or "en") first.

    ``text(locale)`` gives one language's (subject, body); the subjects are joined with a
    slash and the bodies with a rule, after ``opening`` (a name, say) that needs no words.
    """
    parts = [text(locale) for locale in (first, "en" if first == "cy" else "cy")]
    return (f"{parts[0][0]} / {parts[1][0]}",
            f"{opening}{parts[0][1]}\n\n----\n\n{parts[1][1]}\n")


def build_message(to: str, subject: str, body: str, *, sender: str) -> EmailMessage:
    """A plain-text UTF-8 email."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send(to: str, subject: str, body: str, *, key: str | None = None) -> None:
    """Send one email through the configured backend; raises if SMTP refuses it.

    ``key`` (the idempotency key of :func:`claim`) becomes part of the Message-ID, so a
    message sent again after a crash can be recognised as the same one downstream.
    """
    config = current_app.config
    message = build_message(to, subject, body, sender=config["MAIL_FROM"])
    if key:
        message["Message-ID"] = make_msgid(idstring=key.replace("@", "-"),
                                           domain="coopfed.invalid")
        message["X-Coopfed-Key"] = key
    url = config.get("MAIL_URL")
    if url and url.startswith("maildir://"):
        mailbox.Maildir(url.removeprefix("maildir://"), create=True).add(message)
        return
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


# -- sending once ------------------------------------------------------------------------
# Each step commits the federation's session at once (the one deliberate exception to
# "the job runner commits"): the claim must be visible to every other sender, and must
# survive the job's rollback. Jobs that send call these before writing anything else.


def claim(key: str, job: str, *args: int) -> bool:
    """Claim the right to send the email ``key``; False if it was sent or is being sent.

    The claim is a lease: a sender that dies holding it stops blocking others once the
    lease expires, and the sweeper runs ``job(*args)`` again (:func:`lapsed`). Whoever
    takes over a lapsed claim sends anew, so the job must make a fresh link.
    """
    lease = utcnow() + timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    try:
        with db.session.begin_nested():
            db.session.execute(insert(SentMail).values(
                key=key, job=job, job_args=",".join(str(int(a)) for a in args),
                status="sending", lease_until=lease, attempts=1))
        db.session.commit()
        return True
    except IntegrityError:
        pass
    taken = db.session.execute(update(SentMail).where(
        SentMail.key == key, SentMail.status == "sending", SentMail.lease_until < utcnow())
        .values(lease_until=lease, attempts=SentMail.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return taken.rowcount == 1


def release(key: str) -> None:
    """Give a claim up at once (sending failed and nothing went out): a retry may claim it."""
    db.session.rollback()
    db.session.execute(update(SentMail).where(SentMail.key == key, SentMail.status == "sending")
                       .values(lease_until=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()


def mark_sent(key: str) -> None:
    """Record that the email ``key`` went out: it is never sent again."""
    db.session.execute(update(SentMail).where(SentMail.key == key)
                       .values(status="sent", sent_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.commit()


def was_sent(key: str) -> bool:
    """Whether the email ``key`` has gone out."""
    return db.session.scalar(select(SentMail.status).where(SentMail.key == key)) == "sent"


def lapsed(limit: int = 500) -> list[tuple[str, tuple[int, ...]]]:
    """Sending jobs whose sender died holding the claim: (job, args) to run again."""
    rows = db.session.execute(select(SentMail.job, SentMail.job_args).where(
        SentMail.status == "sending", SentMail.lease_until < utcnow())
        .order_by(SentMail.lease_until).limit(limit)).all()
    return [(job, tuple(int(a) for a in args.split(",") if a)) for job, args in rows]
