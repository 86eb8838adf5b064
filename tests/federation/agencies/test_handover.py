"""Hand-over: the advisor who set a co-op up passes it to a named founding member, who
accepts while signed in with that email; anyone else holding the link gets 404."""

from __future__ import annotations

import logging
import re
import threading

import pytest
from sqlalchemy import select

from core.db import db
from federation.agencies.models import Handover
from services.jobs.runner import run_job
from tenants.registry.models import Coop, Membership
from tests.fixtures.app import csrf_token
from tests.fixtures.factories import create_account, create_coop, unique

from .conftest import audit_rows

LINK = re.compile(r"https?://[^/\s]+(/handovers/[\w-]+)")
JOB = "federation.agencies.tasks:send_handover"


@pytest.fixture
def advised_coops(app, make_agency, make_advisor):
    """Co-op A set up by an advisor of agency X (its first admin), and co-op B besides."""
    x, y = make_agency(), make_agency()
    advisor = make_advisor(x)
    make_advisor(y)
    a, _ = create_coop(app, admin=advisor)
    b, admin_b = create_coop(app, coop_type="dp_pool", la="W06000015")
    return x, advisor, a, b, admin_b


def _roles(app, coop_id: int) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(select(Membership.account_id, Membership.role).where(
            Membership.coop_id == coop_id)).all())


def _send(app, client, coop, monkeypatch, caplog, run_jobs, email: str) -> str:
    backend = app.extensions["coopfed.jobs"]
    dispatched = []
    original = backend.dispatch
    monkeypatch.setattr(backend, "dispatch",
                        lambda requests: (dispatched.extend(requests), original(requests)))
    caplog.set_level(logging.INFO, logger="coopfed.mail")
    path = f"/c/{coop.slug}/agencies/"
    response = client.post(f"{path}handover", data={
        "csrf_token": csrf_token(client, path), "to_name": "Ann Jones", "to_email": email})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    run_jobs()
    (job,) = [r for r in dispatched if r.func == JOB]
    assert all(isinstance(arg, int) for arg in job.args)
    (mail,) = [r.getMessage() for r in caplog.records if r.name == "coopfed.mail"
               and f"To: {email}" in r.getMessage()]
    return LINK.search(mail).group(1)


def test_handing_over_with_the_members_consent(
        app, client, advised_coops, signed_in_client, monkeypatch, caplog, run_jobs):
    x, advisor, a, b, admin_b = advised_coops
    email = f"{unique('ann')}@example.org"
    as_advisor = signed_in_client(advisor)
    # The co-op granted the agency access, so the advisor keeps the summary afterwards.
    token = csrf_token(as_advisor, f"/c/{a.slug}/agencies/")
    as_advisor.post(f"/c/{a.slug}/agencies/{x.id}/grant", data={"csrf_token": token})
    path = _send(app, as_advisor, a, monkeypatch, caplog, run_jobs, email)
    handover_token = path.rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalar(select(Handover).where(Handover.coop_id == a.id))
        assert stored.sent_at is not None and len(stored.token_hash) == 64
        assert handover_token not in stored.token_hash
        handover_id = stored.id
    with app.app_context():  # sent once: the job again does nothing
        assert run_job(JOB, handover_id) is False
    assert audit_rows(app, "handover.requested", coop_id=a.id, actor_account_id=advisor.id)
    assert audit_rows(app, "handover.sent", coop_id=a.id)
    waiting = as_advisor.get(f"/c/{a.slug}/agencies/").get_data(as_text=True)
    assert email in waiting and "Cancel the hand-over" in waiting

    # Not signed in: the page offers sign-in; posting leads there too.
    assert client.get(path).status_code == 200
    anonymous = client.post(path, data={"csrf_token": csrf_token(client, "/signin")})
    assert "/signin?next=" in anonymous.headers["Location"]

    # Someone else with the link: 404 to read or accept, audited; nothing changes.
    stranger = create_account(app)
    as_stranger = signed_in_client(stranger)
    assert as_stranger.get(path).status_code == 404
    stranger_token = csrf_token(as_stranger, "/")
    assert as_stranger.post(path, data={"csrf_token": stranger_token}).status_code == 404
    assert len(audit_rows(app, "handover.refused", actor_account_id=stranger.id,
                          outcome="refused", coop_id=a.id)) == 2
    assert _roles(app, a.id) == {advisor.id: "admin"}

    member = create_account(app, email=email)
    as_member = signed_in_client(member)
    page = as_member.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    member_token = csrf_token(as_member, path)
    accepted = as_member.post(path, data={"csrf_token": member_token})
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/c/{a.slug}/")
    assert _roles(app, a.id) == {member.id: "admin"}
    with app.app_context():
        assert db.session.get(Coop, a.id).first_admin_account_id == member.id
    assert audit_rows(app, "handover.accepted", coop_id=a.id, actor_account_id=member.id)
    (ended,) = audit_rows(app, "membership.ended", coop_id=a.id)
    assert ended.detail["subject_account_id"] == advisor.id
    assert audit_rows(app, "membership.granted", coop_id=a.id, actor_account_id=member.id)
    assert as_member.get(f"/c/{a.slug}/agencies/").status_code == 200

    # A second acceptance changes nothing.
    assert as_member.post(path, data={"csrf_token": member_token}).status_code == 409
    assert as_member.get(path).status_code == 409
    assert len(audit_rows(app, "handover.accepted", coop_id=a.id)) == 1
    # The advisor is out of the workspace but, with the grant, keeps the summary.
    assert as_advisor.get(f"/c/{a.slug}/").status_code == 404
    assert as_advisor.get(f"/agency/coops/{a.slug}").status_code == 200
    # B was never touched.
    assert _roles(app, b.id) == {admin_b.id: "admin"}


def test_only_the_advisor_who_set_it_up_may_hand_over(
        app, advised_coops, signed_in_client):
    _x, advisor, a, b, admin_b = advised_coops
    as_b = signed_in_client(admin_b)
    page = as_b.get(f"/c/{b.slug}/agencies/").get_data(as_text=True)
    assert "Hand the co-op over" not in page
    token = csrf_token(as_b, f"/c/{b.slug}/agencies/")
    refused = as_b.post(f"/c/{b.slug}/agencies/handover", data={
        "csrf_token": token, "to_name": "Ann", "to_email": "ann@example.org"})
    assert refused.status_code == 404
    assert audit_rows(app, "handover.refused", coop_id=b.id, actor_account_id=admin_b.id)
    with app.app_context():
        assert db.session.scalars(select(Handover).where(Handover.coop_id == b.id)).all() == []


@pytest.mark.parametrize(("data", "field"), [
    ({"to_name": "", "to_email": "ann@example.org"}, "to_name"),
    ({"to_name": "Ann", "to_email": "not-an-email"}, "to_email"),
    ({"to_name": "Ann", "to_email": ""}, "to_email"),
    ({"to_name": "A" * 121, "to_email": "ann@example.org"}, "to_name"),
    ({"to_name": "Ann", "to_email": "self"}, "to_email"),
])
def test_bad_handover_input_is_refused_beside_the_field(
        app, advised_coops, signed_in_client, data, field):
    _x, advisor, a, _b, _admin_b = advised_coops
    if data["to_email"] == "self":
        data = {**data, "to_email": advisor.email}
    as_advisor = signed_in_client(advisor)
    token = csrf_token(as_advisor, f"/c/{a.slug}/agencies/")
    response = as_advisor.post(f"/c/{a.slug}/agencies/handover",
                               data={"csrf_token": token, **data})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Handover).where(Handover.coop_id == a.id)).all() == []


def test_a_cancelled_handover_link_stops_working(
        app, advised_coops, signed_in_client, monkeypatch, caplog, run_jobs):
    _x, advisor, a, _b, _admin_b = advised_coops
    email = f"{unique('bryn')}@example.org"
    as_advisor = signed_in_client(advisor)
    path = _send(app, as_advisor, a, monkeypatch, caplog, run_jobs, email)
    # A second hand-over while one waits is refused beside the email field.
    token = csrf_token(as_advisor, f"/c/{a.slug}/agencies/")
    second = as_advisor.post(f"/c/{a.slug}/agencies/handover", data={
        "csrf_token": token, "to_name": "Other", "to_email": "other@example.org"})
    assert second.status_code == 409
    assert 'href="#handover-waiting"' in second.get_data(as_text=True)
    assert as_advisor.post(f"/c/{a.slug}/agencies/handover/cancel",
                           data={"csrf_token": token}).status_code == 302
    assert audit_rows(app, "handover.cancelled", coop_id=a.id)
    member = create_account(app, email=email)
    as_member = signed_in_client(member)
    assert as_member.get(path).status_code == 410
    assert as_member.post(path, data={"csrf_token": csrf_token(as_member, "/")}
                          ).status_code == 410
    assert _roles(app, a.id) == {advisor.id: "admin"}


def test_two_tabs_accepting_at_once_hand_over_once(
        app, advised_coops, signed_in_client, monkeypatch, caplog, run_jobs):
    _x, advisor, a, _b, _admin_b = advised_coops
    email = f"{unique('cai')}@example.org"
    path = _send(app, signed_in_client(advisor), a, monkeypatch, caplog, run_jobs, email)
    member = create_account(app, email=email)
    tabs = [signed_in_client(member) for _ in range(2)]
    tokens = [csrf_token(tab, path) for tab in tabs]
    barrier = threading.Barrier(2)
    statuses = []

    def accept(tab, token):
        barrier.wait()
        statuses.append(tab.post(path, data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=accept, args=(tab, token))
               for tab, token in zip(tabs, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 409]
    assert len(audit_rows(app, "handover.accepted", coop_id=a.id)) == 1
    assert _roles(app, a.id) == {member.id: "admin"}
