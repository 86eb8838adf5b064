"""Invitations: outbox → handler → mail job with ids only → a link that works once."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select

from core.db import db
from services.jobs.runner import run_job
from tenants.members.models import Invitation, Member
from tenants.registry.models import Membership
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, create_account
from tests.tenants.members.helpers import signed_in

LINK = re.compile(r"https?://[^/\s]+(/invitations/[\w-]+/[\w-]+)")


def test_invitation_is_mailed_by_a_job_and_accepted_once(
        app, client, two_coops, coop_session, run_jobs, caplog, monkeypatch):
    (a, admin_a), (b, _) = two_coops
    admin = signed_in(app, admin_a)
    member = admin.post(f"/api/v1/c/{a.slug}/members", json={
        "display_name": "Eleri Jones", "email": "eleri@example.org",
        "joined_on": "2025-03-01", "classes": ["worker"]}).get_json()
    backend = app.extensions["coopfed.jobs"]
    dispatched = []
    original = backend.dispatch
    monkeypatch.setattr(backend, "dispatch",
                        lambda requests: (dispatched.extend(requests), original(requests)))
    caplog.set_level(logging.INFO, logger="coopfed.mail")
    response = admin.post(f"/api/v1/c/{a.slug}/invitations", json={"member_id": member["id"]})
    assert response.status_code == 201, response.get_json()
    invitation_id = response.get_json()["id"]
    assert "token" not in response.get_json()
    run_jobs()
    run_jobs()  # the relay queues the mail job; drain again in case it came after
    mail_jobs = [r for r in dispatched if r.func == "services.mail.tasks:send_invitation"]
    assert [r.args for r in mail_jobs] == [(a.id, invitation_id)]
    assert all(isinstance(arg, int) for arg in mail_jobs[0].args)
    mails = [r.getMessage() for r in caplog.records if r.name == "coopfed.mail"]
    assert len(mails) == 1 and "To: eleri@example.org" in mails[0]
    path = LINK.search(mails[0]).group(1)
    token = path.rsplit("/", 1)[1]
    with coop_session(a) as session:
        stored = session.get(Invitation, invitation_id)
        assert stored.sent_at is not None and token not in stored.token_hash
        assert len(stored.token_hash) == 64
    # Sent once: running the job again does nothing.
    with app.app_context():
        assert run_job("services.mail.tasks:send_invitation", a.id, invitation_id) is False
    with coop_session(b) as session:
        assert session.scalars(select(Invitation)).all() == []

    # Not signed in: the page offers sign-in and comes back here.
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "/signin?next=" in page.get_data(as_text=True)
    invitee = create_account(app, email="eleri@example.org")
    assert sign_in(client, invitee.email, PASSWORD).status_code == 302
    accepted = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith(f"/c/{a.slug}/")
    with coop_session(a) as session:
        assert session.get(Member, member["id"]).account_id == invitee.id
    with app.app_context():
        roles = db.session.scalars(select(Membership.role).where(
            Membership.account_id == invitee.id)).all()
        assert roles == ["member"]
    assert client.get(f"/c/{a.slug}/members/").status_code == 200
    assert client.get(f"/c/{b.slug}/members/").status_code == 404
    again = client.get(path)
    assert again.status_code == 410 and "already been accepted" in again.get_data(as_text=True)
    token_form = client.post(path, data={"csrf_token": csrf_token(client, "/signin")})
    assert token_form.status_code == 410
    assert client.get(f"/invitations/{a.slug}/not-a-real-token").status_code == 404
    assert client.get(f"/invitations/{b.slug}/{token}").status_code == 404


def test_invitation_needs_an_email_and_a_manager(app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    admin = signed_in(app, admin_a)
    no_email = admin.post(f"/api/v1/c/{a.slug}/members", json={
        "display_name": "Huw", "joined_on": "2025-03-01", "classes": ["worker"]}).get_json()
    refused = admin.post(f"/api/v1/c/{a.slug}/invitations", json={"member_id": no_email["id"]})
    assert refused.status_code == 422 and "member_id" in refused.get_json()["errors"]
    assert admin.post(f"/api/v1/c/{b.slug}/invitations",
                      json={"member_id": no_email["id"]}).status_code == 404
