"""General meetings through the pages: calling, notice by email and letter, attendance,
proxies, minutes, recorded votes and discussion; Welsh and English; axe on each page."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.timeutil import LOCAL, utcnow
from tenants.governance import meetings
from tenants.governance import service as governance
from tenants.governance.models import GeneralMeeting, MeetingNotice
from tenants.members import service as members
from tenants.members import shares
from tests.axe import serious, sign_in, use_language
from tests.tenants.members.helpers import person, signed_in


def _token(client):
    return client.get("/api/v1/session").get_json()["csrf_token"]


def _seed(session):
    """Two members with email, one without; a meeting with proxies allowed; a resolution."""
    made = {}
    for name, email in (("Alun Email", "alun@example.org"), ("Bethan Email", "bethan@example.org"),
                        ("Dilys Post", None)):
        made[name] = members.create_member(session, {
            "display_name": name, "email": email, "joined_on": members.date(2024, 1, 1),
            "postal_address": f"{name}\n3 Lôn Las\nLlandeilo SA19 6AA",
            "classes": [members.list_classes(session)[0].code]}, actor_account_id=None).id
    meetings.set_rule(session, "proxies_allowed", True, actor_account_id=None)
    meeting = meetings.create_meeting(session, {
        "kind": "annual", "title": "AGM 2027", "quorum": 2, "place": "Neuadd y Dref",
        "held_at": utcnow() + timedelta(days=40)}, actor_account_id=None)
    proposal = governance.create_proposal(
        session, {"title": "Adopt the accounts", "kind": "ordinary", "meeting_id": meeting.id,
                  "easy_read": "We agree the money report."}, actor_account_id=None,
        ballot={"opens_at": utcnow() - timedelta(hours=1),
                "closes_at": utcnow() + timedelta(days=41), "quorum": 0})
    return made, meeting.id, governance.ballot_for_proposal(session, proposal.id).id


def test_meeting_pages_walk(app, two_coops, coop_session, run_jobs, caplog):
    (a, admin_a), (b, admin_b) = two_coops
    with coop_session(a) as session:
        made, meeting_id, ballot_id = _seed(session)
    client = signed_in(app, admin_a).client
    token = _token(client)
    base = f"/c/{a.slug}/governance"
    # Calling a meeting too soon is refused, naming the field.
    soon = (utcnow() + timedelta(days=3)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    bad = client.post(f"{base}/meetings/new", data={
        "csrf_token": token, "kind": "general", "title": "Too soon", "quorum": "2",
        "held_at": soon})
    assert bad.status_code == 422 and 'href="#held_at"' in bad.get_data(as_text=True)
    # Notice: two emails by a job after the commit, one letter to print.
    with caplog.at_level(logging.INFO, logger="coopfed.mail"):
        given = client.post(f"{base}/meetings/{meeting_id}/notice", data={"csrf_token": token})
        assert given.status_code == 302
        run_jobs()
        run_jobs()
    sent = [r.getMessage() for r in caplog.records if r.name == "coopfed.mail"]
    assert len([m for m in sent if "AGM" in m or "Annual general meeting" in m]) == 2
    assert any("alun@example.org" in m for m in sent)
    assert not any("Dilys" in m for m in sent)
    with coop_session(a) as session:
        notices = session.scalars(select(MeetingNotice)).all()
        assert sorted(n.channel for n in notices) == ["email", "email", "letter"]
        assert all(n.sent_at is not None for n in notices)
    again = client.post(f"{base}/meetings/{meeting_id}/notice", data={"csrf_token": token})
    assert again.status_code == 302
    with coop_session(a) as session:
        assert session.scalar(select(func.count(MeetingNotice.id))) == 3  # not twice
    letters = client.get(f"{base}/meetings/{meeting_id}/letters").get_data(as_text=True)
    assert "Dilys Post" in letters and "3 Lôn Las" in letters and "Alun Email" not in letters
    assert "We agree the money report." in letters and 'lang="cy"' in letters
    # Attendance, a proxy, and the quorum on the page.
    for member in ("Alun Email",):
        client.post(f"{base}/meetings/{meeting_id}/attendance",
                    data={"csrf_token": token, "member_id": made[member]})
    proxy = client.post(f"{base}/meetings/{meeting_id}/proxies", data={
        "csrf_token": token, "proxy_for": made["Bethan Email"],
        "proxy_member_id": made["Alun Email"]})
    assert proxy.status_code == 302
    self_proxy = client.post(f"{base}/meetings/{meeting_id}/proxies", data={
        "csrf_token": token, "proxy_for": made["Dilys Post"],
        "proxy_member_id": made["Dilys Post"]})
    assert self_proxy.status_code == 422
    assert 'href="#proxy_member_id"' in self_proxy.get_data(as_text=True)
    page = client.get(f"{base}/meetings/{meeting_id}").get_data(as_text=True)
    assert "Quorate: 2 members counted (1 present, 1 by proxy); 2 needed." in page
    client.post(f"{base}/meetings/{meeting_id}/minutes",
                data={"csrf_token": token, "minutes": "The chair opened the meeting."})
    assert "The chair opened the meeting." in client.get(
        f"{base}/meetings/{meeting_id}").get_data(as_text=True)
    # A recorded vote, witnessed by a second admin; discussion and the easy-read summary.
    recorded = client.post(f"{base}/ballots/{ballot_id}/recorded-votes", data={
        "csrf_token": token, "member_id": made["Dilys Post"], "method": "postal"})
    assert recorded.status_code == 302
    ballot_page = client.get(f"{base}/ballots/{ballot_id}").get_data(as_text=True)
    assert "Waiting for a witness" in ballot_page and "We agree the money report." in ballot_page
    with coop_session(a) as session:
        [(participation, _m)] = governance.pending_votes(session, ballot_id)
    mine = client.post(f"{base}/ballots/{ballot_id}/recorded-votes/{participation.id}/witness",
                       data={"csrf_token": token, f"choice-{participation.id}": "for"})
    assert mine.status_code == 403 and "someone else must witness" in mine.get_data(
        as_text=True)
    second = person(app, a, "coordinator")[1].client
    witnessed = second.post(
        f"{base}/ballots/{ballot_id}/recorded-votes/{participation.id}/witness",
        data={"csrf_token": _token(second), f"choice-{participation.id}": "for"})
    assert witnessed.status_code == 302
    client.post(f"{base}/ballots/{ballot_id}/comments",
                data={"csrf_token": token, "body": "Diolch i'r trysorydd."})
    assert "Diolch i&#39;r trysorydd." in client.get(f"{base}/ballots/{ballot_id}").get_data(
        as_text=True)
    with coop_session(a) as session:
        assert governance.turnout(session, ballot_id) == 1
    # Welsh.
    client.get("/language/cy?next=/")
    welsh = client.get(f"{base}/meetings/{meeting_id}").get_data(as_text=True)
    assert "Cofrestr presenoldeb" in welsh and "Cworwm wedi'i gyrraedd" in welsh
    # Co-op B has none of it.
    other = signed_in(app, admin_b).client
    assert other.get(f"/c/{b.slug}/governance/meetings/{meeting_id}").status_code == 404
    with coop_session(b) as session:
        assert session.scalar(select(func.count(GeneralMeeting.id))) == 0


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en", "cy"])
def test_meeting_pages_are_accessible(page, live_server, two_coops, coop_session, locale):
    (a, admin_a), _ = two_coops
    with coop_session(a) as session:
        made, meeting_id, ballot_id = _seed(session)
        meetings.send_notice(session, meeting_id, actor_account_id=None)
        meetings.record_attendance(session, meeting_id, made["Alun Email"],
                                   actor_account_id=None)
        governance.record_offline_vote(session, ballot_id, made["Dilys Post"], "paper",
                                       actor_account_id=999)
        # A share application waiting for payment, so the step forms are on the page.
        applied = shares.apply_for_shares(session, made["Dilys Post"], 3,
                                          applied_on=members.date.today(), actor_account_id=None)
        shares.approve(session, applied.id, approved_on=members.date.today(),
                       actor_account_id=999)
        shares.apply_for_shares(session, made["Dilys Post"], 1,
                                applied_on=members.date.today(), actor_account_id=None)
    use_language(page, live_server, locale)
    sign_in(page, live_server, admin_a.email)
    base = f"/c/{a.slug}"
    problems = {}
    for path in ("/governance/meetings", "/governance/meetings/new",
                 f"/governance/meetings/{meeting_id}", f"/governance/meetings/{meeting_id}/letters",
                 f"/governance/ballots/{ballot_id}", "/governance/new", "/members/registers",
                 "/governance/rules", f"/members/{made['Alun Email']}/edit",
                 f"/members/{made['Dilys Post']}"):
        response = page.goto(live_server + base + path)
        assert response.status == 200, path
        problems[path] = serious(page)
    page.goto(live_server + base + f"/governance/meetings/{meeting_id}")
    page.click("#notice button[type=submit]")  # too late? no: gives notice again, idempotent
    problems["after notice"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
