"""Stop and come back: the emailed link, made by a job that takes ids only."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from federation.onboarding.models import Draft
from services.jobs.runner import run_job
from tests.federation.onboarding.helpers import (
    RESUME_LINK,
    Wizard,
    answers,
    capture_mail,
    field_error,
    mails,
)
from tests.fixtures.app import CSRF


def test_save_and_come_back_later_emails_a_link_that_reopens_the_draft(
        app, client, run_jobs, caplog, monkeypatch):
    capture_mail(caplog)
    backend = app.extensions["coopfed.jobs"]
    dispatched = []
    original = backend.dispatch
    monkeypatch.setattr(backend, "dispatch",
                        lambda requests: (dispatched.extend(requests), original(requests)))
    wizard = Wizard(client)
    wizard.start()
    good = answers()
    wizard.fill(good, upto="where")
    typed = {**good["governance"], "classes-1-name_en": "Ffrindiau"}
    response = wizard.post("governance", typed, action="later")
    assert response.headers["Location"] == "/start/save?step=governance"
    # The address is checked like any field.
    token = wizard.token("/start/save?step=governance")
    refused = client.post("/start/save?step=governance",
                          data={"csrf_token": token, "contact_email": "nope"})
    assert refused.status_code == 422
    assert field_error(refused.get_data(as_text=True), "contact_email").startswith(
        "Enter an email address in the right form")
    sent = client.post("/start/save?step=governance",
                       data={"csrf_token": token, "contact_email": "Grwp@Example.org"})
    assert sent.headers["Location"] == "/start/saved?step=governance"
    run_jobs()
    jobs = [r for r in dispatched if r.func == "federation.onboarding.tasks:send_resume_link"]
    assert len(jobs) == 1 and all(isinstance(a, int) for a in jobs[0].args)
    (mail,) = mails(caplog)
    assert "To: grwp@example.org" in mail
    path = RESUME_LINK.search(mail).group(1)
    emailed = path.rsplit("/", 1)[1]
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.id == jobs[0].args[0]))
        assert draft.mailed_token_hash and emailed not in str(
            [draft.token_hash, draft.mailed_token_hash, draft.data])
        assert draft.contact_email == "grwp@example.org"
        draft_id = draft.id
        db.session.rollback()  # on SQLite, a reading transaction holds the write lock
        # Sent once: delivering the job again sends nothing.
        assert run_job("federation.onboarding.tasks:send_resume_link", draft_id) is False

    # Another browser opens the link and lands where the group stopped, answers intact.
    other = app.test_client()
    # Another browser proves it holds the address the link went to (see the security tests).
    asked = other.get(path)
    assert asked.status_code == 200
    opened = other.post(path, data={"csrf_token": CSRF.search(asked.get_data(
        as_text=True)).group(1), "contact_email": "grwp@example.org"})
    assert opened.status_code == 302 and opened.headers["Location"] == "/start/governance"
    page = other.get("/start/governance").get_data(as_text=True)
    assert 'value="Ffrindiau"' in page
    assert f'value="{good["group"]["slug"]}"' in other.get("/start/group").get_data(as_text=True)
    assert other.get("/start/resume/not-a-real-token").status_code == 404


def test_asking_again_replaces_the_emailed_link(app, client, run_jobs, caplog):
    capture_mail(caplog)
    wizard = Wizard(client)
    wizard.start()
    wizard.fill(answers(), upto="group")
    for _ in range(2):
        client.post("/start/save?step=where", data={
            "csrf_token": wizard.token("/start/save"), "contact_email": "a@example.org"})
        run_jobs()
    first, second = (RESUME_LINK.search(m).group(1) for m in mails(caplog))
    fresh = app.test_client()
    assert fresh.get(first).status_code == 404
    asked = fresh.get(second)
    assert fresh.post(second, data={
        "csrf_token": CSRF.search(asked.get_data(as_text=True)).group(1),
        "contact_email": "a@example.org"}).headers["Location"] == "/start/where"
