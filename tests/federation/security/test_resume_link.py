"""A resume link cannot swap a visitor's draft, and "come back later" sends a fixed text."""

from __future__ import annotations

from tests.federation.onboarding.helpers import RESUME_LINK, Wizard, answers
from tests.fixtures.app import captured_mail, csrf_token
from tests.fixtures.factories import drain_jobs


def _emailed_link(app, client, email: str, group_name: str) -> tuple[str, str]:
    wizard = Wizard(client)
    wizard.start()
    good = answers()
    good["group"]["name"] = group_name
    wizard.fill(good, upto="group")
    with captured_mail() as mails:
        sent = client.post("/start/save?step=where", data={
            "csrf_token": wizard.token("/start/save"), "contact_email": email})
        assert sent.status_code == 302
        drain_jobs(app)
    (mail,) = [m for m in mails if RESUME_LINK.search(m)]
    return RESUME_LINK.search(mail).group(1), mail


def test_a_link_from_someone_else_does_not_replace_the_visitors_draft(app):
    attacker = app.test_client()
    path, _mail = _emailed_link(app, attacker, "attacker@example.org", "Attacker's group")
    victim = app.test_client()
    Wizard(victim).start()
    victim_answers = answers()
    victim_answers["group"]["name"] = "Victim's own group"
    Wizard(victim).fill(victim_answers, upto="group")

    opened = victim.get(path)  # e.g. a link in a message, or an <img> on a web page
    assert opened.status_code == 200 and "email address this link was sent to" in \
        opened.get_data(as_text=True)
    assert "Victim&#39;s own group" in victim.get("/start/group").get_data(as_text=True)
    # Guessing the address does not help.
    wrong = victim.post(path, data={"csrf_token": csrf_token(victim, path),
                                    "contact_email": "victim@example.org"})
    assert wrong.status_code == 422
    assert "Victim&#39;s own group" in victim.get("/start/group").get_data(as_text=True)


def test_the_holder_of_the_address_reopens_it_once_and_other_browsers_lose_it(app):
    first = app.test_client()
    path, _mail = _emailed_link(app, first, "Grwp@Example.org", "Our group")
    second = app.test_client()
    reopened = second.post(path, data={"csrf_token": csrf_token(second, path),
                                       "contact_email": "grwp@example.org"})
    assert reopened.status_code == 302 and reopened.headers["Location"] == "/start/where"
    assert "Our group" in second.get("/start/group").get_data(as_text=True)
    # The first browser no longer holds the draft, and the link works only once.
    assert first.get("/start/group").headers["Location"] == "/start"
    third = app.test_client()
    assert third.get(path).status_code == 404
    assert third.post(path, data={"csrf_token": csrf_token(third, "/start"),
                                  "contact_email": "grwp@example.org"}).status_code == 404


def test_the_come_back_later_email_carries_no_text_the_sender_typed(app):
    client = app.test_client()
    _path, mail = _emailed_link(app, client, "someone@example.org",
                                "Buy cheap pills at spam.example")
    assert "spam.example" not in mail and "cheap pills" not in mail
