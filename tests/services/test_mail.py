"""The mail backend: the log in development, SMTP when COOPFED_MAIL_URL is set."""

from __future__ import annotations

import logging

from services.mail import service as mail


def test_without_mail_url_the_email_goes_to_the_log(app, caplog):
    caplog.set_level(logging.INFO, logger="coopfed.mail")
    with app.app_context():
        assert app.config["MAIL_URL"] is None
        mail.send("someone@example.org", "Croeso / Welcome", "Helo 👋")
    (record,) = [r for r in caplog.records if r.name == "coopfed.mail"]
    assert "To: someone@example.org" in record.getMessage()


def test_with_mail_url_it_sends_over_smtp_with_starttls(app, monkeypatch):
    sent = {}

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent["server"] = (host, port)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self, context):
            sent["tls"] = True

        def login(self, user, password):
            sent["login"] = (user, password)

        def send_message(self, message):
            sent["message"] = message

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://user:p%40ss@mail.example.org:587")
    with app.app_context():
        mail.send("someone@example.org", "Subject", "Body")
    assert sent["server"] == ("mail.example.org", 587) and sent["tls"]
    assert sent["login"] == ("user", "p@ss")
    assert sent["message"]["To"] == "someone@example.org"
    assert sent["message"]["From"] == app.config["MAIL_FROM"]
