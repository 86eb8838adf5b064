"""Members who are not online: recorded and witnessed votes, proxies, attendance and quorum.

Every test runs on two co-ops and checks that the other co-op's store has none of it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import Conflict, Forbidden
from core.timeutil import utcnow
from tenants.audit.models import TenantAuditEvent
from tenants.governance import meetings
from tenants.governance import service as governance
from tenants.governance.models import (
    BallotChoice,
    BallotParticipation,
    MeetingAttendance,
    ProxyAppointment,
)
from tenants.members import service as members
from tests.tenants.members.helpers import (
    bulk_members,
    close_ballot,
    open_ballot,
    person,
    signed_in,
)

BASE = 6_000_000  # made-up account ids for bulk voters


def _offline_member(session, name="Dilys Evans"):
    """A member with no email: a name and a postal address, recorded by a coordinator."""
    return members.create_member(session, {
        "display_name": name, "postal_address": "2 Heol y Bont\nLlandeilo SA19 6AA",
        "joined_on": members.date(2024, 1, 1), "classes": ["worker"]}, actor_account_id=None)


def test_an_assisted_vote_counts_once_and_a_later_online_vote_is_refused(
        app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    coordinator, coordinator_api = person(app, a, "coordinator")
    voter, voter_api = person(app, a, "member")
    with coop_session(a) as session:
        dilys = _offline_member(session)
        assert dilys.email is None
        dilys.account_id = voter.id  # she later signs in, say at the library
        ballot_id = open_ballot(session)
        dilys_id = dilys.id
    url = f"/api/v1/c/{a.slug}"
    recorded = coordinator_api.post(f"{url}/ballots/{ballot_id}/recorded-votes",
                                    json={"member_id": dilys_id, "method": "assisted"})
    assert recorded.status_code == 201, recorded.get_json()
    participation_id = recorded.get_json()["id"]
    assert recorded.get_json()["witnessed"] is False
    # The person who recorded it cannot witness it.
    self_witness = coordinator_api.post(f"{url}/recorded-votes/{participation_id}/witness",
                                        json={"choice": "for"})
    assert self_witness.status_code == 403
    assert "someone else must witness" in self_witness.get_json()["detail"]
    with coop_session(a) as session:
        assert governance.turnout(session, ballot_id) == 0  # not counted until witnessed
    # A later online vote is refused already: the participation exists.
    online = voter_api.post(f"{url}/ballots/{ballot_id}/votes", json={"choice": "against"})
    assert online.status_code == 409
    assert "already been recorded for you" in online.get_json()["detail"]
    admin_api = person(app, a, "admin")[1]
    witnessed = admin_api.post(f"{url}/recorded-votes/{participation_id}/witness",
                               json={"choice": "for"})
    assert witnessed.status_code == 200 and witnessed.get_json()["witnessed"] is True
    again = admin_api.post(f"{url}/recorded-votes/{participation_id}/witness",
                           json={"choice": "against"})
    assert again.status_code == 409
    online = voter_api.post(f"{url}/ballots/{ballot_id}/votes", json={"choice": "against"})
    assert online.status_code == 409
    # Recording a second paper vote for her is refused too.
    twice = coordinator_api.post(f"{url}/ballots/{ballot_id}/recorded-votes",
                                 json={"member_id": dilys_id, "method": "paper"})
    assert twice.status_code == 409 and "already voted" in twice.get_json()["detail"]
    with coop_session(a) as session:
        assert governance.turnout(session, ballot_id) == 1
        assert session.scalar(select(func.count(BallotChoice.id))) == 1
        close_ballot(session, ballot_id)
        result = governance.tally(session, ballot_id)
        assert result.raw == {"for": 1, "against": 0, "abstain": 0}
        actions = session.scalars(select(TenantAuditEvent.action).where(
            TenantAuditEvent.action.like("ballot.%"))).all()
        assert sorted(actions) == ["ballot.created", "ballot.vote_recorded",
                                   "ballot.vote_witnessed"]
        # The audit rows say who and how, never the choice.
        details = session.scalars(select(TenantAuditEvent.detail).where(
            TenantAuditEvent.action.like("ballot.vote_%"))).all()
        assert all("choice" not in d and "for" not in d.values() for d in details)
    with coop_session(b) as session:
        assert session.scalar(select(func.count(BallotParticipation.id))) == 0
    assert admin_api.post(f"/api/v1/c/{b.slug}/recorded-votes/{participation_id}/witness",
                          json={"choice": "for"}).status_code == 404


def test_the_database_refuses_a_second_participation_and_a_self_witness(two_coops,
                                                                         coop_session):
    (a, _), (b, _) = two_coops
    with coop_session(a) as session:
        [member_id] = bulk_members(session, "worker", 1, account_base=BASE)
        ballot_id = open_ballot(session)
        governance.record_offline_vote(session, ballot_id, member_id, "postal",
                                       actor_account_id=11)
    with pytest.raises(IntegrityError), coop_session(a) as session:
        session.add(BallotParticipation(ballot_id=ballot_id, member_id=member_id))
        session.flush()
    with pytest.raises(IntegrityError), coop_session(a) as session:
        session.execute(update(BallotParticipation).values(
            witnessed_by_account_id=11, witnessed_at=utcnow()))
    with pytest.raises(IntegrityError), coop_session(a) as session:
        # A paper vote with nobody recording it.
        session.execute(update(BallotParticipation).values(recorded_by_account_id=None))
    with coop_session(a) as session:
        with pytest.raises(Conflict, match="already been recorded for you"):
            governance.cast_vote(session, ballot_id, BASE, "for")
        with pytest.raises(Forbidden, match="someone else"):
            governance.witness_vote(session, governance.pending_votes(
                session, ballot_id)[0][0].id, "for", actor_account_id=11)
    with coop_session(b) as session:
        assert session.scalar(select(func.count(BallotParticipation.id))) == 0


def test_recorded_votes_keep_the_ballot_secret(two_coops, coop_session):
    (a, _), (b, _) = two_coops
    with coop_session(a) as session:
        ids = bulk_members(session, "worker", 3, account_base=BASE)
        ballot_id = open_ballot(session)
        for member_id, method in zip(ids, ("paper", "postal", "assisted"), strict=True):
            governance.record_offline_vote(session, ballot_id, member_id, method,
                                           actor_account_id=1)
        for (participation, _member), choice in zip(
                governance.pending_votes(session, ballot_id), ("for", "against", "for"),
                strict=True):
            governance.witness_vote(session, participation.id, choice, actor_account_id=2)
        choices = session.scalars(select(BallotChoice)).all()
    # No member, no time, no participation id on a choice row; no foreign key to members.
    assert {c.key for c in inspect(BallotChoice).columns} == {
        "id", "ballot_id", "class_id", "choice"}
    assert {fk.column.table.name for fk in BallotChoice.__table__.foreign_keys} == {
        "ballots", "member_classes"}
    assert not {c.key for c in inspect(BallotParticipation).columns} & {"choice", "class_id"}
    assert all(len(c.id) == 36 for c in choices)
    with coop_session(a) as session:
        pairs = session.execute(select(BallotParticipation.member_id, BallotChoice.choice)
                                .join(BallotChoice, BallotChoice.ballot_id ==
                                      BallotParticipation.ballot_id)).all()
    assert len(pairs) == 9  # every participation with every choice: nothing pairs them
    with coop_session(b) as session:
        assert session.scalar(select(func.count(BallotChoice.id))) == 0


def _meeting(session, quorum: int, *, proxies: bool, limit: int = 1):
    meetings.set_rule(session, "proxies_allowed", proxies, actor_account_id=None)
    meetings.set_rule(session, "proxy_limit", limit, actor_account_id=None)
    return meetings.create_meeting(session, {
        "kind": "annual", "title": "Annual general meeting", "quorum": quorum,
        "held_at": utcnow() + timedelta(days=30), "place": "Neuadd y Dref"},
        actor_account_id=None)


def test_a_proxy_over_its_limit_is_refused_and_quorum_comes_from_attendance(
        app, two_coops, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    proxy_account, proxy_api = person(app, a, "member")
    with coop_session(a) as session:
        m1, m2, m3, m4 = bulk_members(session, "worker", 4, account_base=BASE)
        session.execute(update(members.Member).where(members.Member.id == m1)
                        .values(account_id=proxy_account.id))
        meeting = _meeting(session, quorum=3, proxies=True, limit=1)
        meeting_id = meeting.id
    with coop_session(b) as session:
        b_meeting = _meeting(session, quorum=1, proxies=False).id
        [b1, b2] = bulk_members(session, "dp_holder", 2)
        with pytest.raises(Conflict, match="do not allow proxies"):
            meetings.appoint_proxy(session, b_meeting, b1, b2, actor_account_id=None)
    admin = person(app, a, "admin")[1]
    url = f"/api/v1/c/{a.slug}/meetings/{meeting_id}"
    first = admin.post(f"{url}/proxies", json={"member_id": m2, "proxy_member_id": m1})
    assert first.status_code == 201, first.get_json()
    over = admin.post(f"{url}/proxies", json={"member_id": m3, "proxy_member_id": m1})
    assert over.status_code == 409
    assert over.headers["Content-Type"] == "application/problem+json"
    assert "already holds 1 proxies for this meeting" in over.get_json()["detail"]
    # The quorum counts members in the attendance register, and those their proxy represents.
    assert admin.post(f"{url}/attendance", json={"member_id": m4}).get_json() == {
        "present": 1, "by_proxy": 0, "counted": 1, "needed": 3, "met": False}
    now = admin.post(f"{url}/attendance", json={"member_id": m1}).get_json()
    assert now == {"present": 2, "by_proxy": 1, "counted": 3, "needed": 3, "met": True}
    assert admin.post(f"{url}/attendance", json={"member_id": m1}).status_code == 409
    with coop_session(a) as session:
        assert session.scalar(select(func.count(ProxyAppointment.id))) == 1
        audited = session.scalars(select(TenantAuditEvent.detail).where(
            TenantAuditEvent.action == "proxy.appointed")).all()
        assert audited == [{"member_id": m2, "proxy_member_id": m1}]
        # A resolution before the meeting: in-room, online and proxy votes in one result.
        proposal = governance.create_proposal(
            session, {"title": "Adopt the accounts", "kind": "ordinary",
                      "meeting_id": meeting_id, "easy_read": "We agree the money report."},
            actor_account_id=None, ballot={
                "opens_at": utcnow() - timedelta(hours=1),
                "closes_at": utcnow() + timedelta(hours=2), "quorum": 0})
        ballot_id = governance.ballot_for_proposal(session, proposal.id).id
        governance.cast_vote(session, ballot_id, BASE + 3, "for")  # m4, online
        room = governance.record_offline_vote(session, ballot_id, m1, "in_room",
                                              actor_account_id=1)
        governance.witness_vote(session, room.id, "for", actor_account_id=2)
        with pytest.raises(Exception, match="attendance register"):
            governance.record_offline_vote(session, ballot_id, m3, "in_room",
                                           actor_account_id=1)
    vote = proxy_api.post(f"/api/v1/c/{a.slug}/ballots/{ballot_id}/proxy-votes",
                          json={"member_id": m2, "choice": "against"})
    assert vote.status_code == 201, vote.get_json()
    refused = proxy_api.post(f"/api/v1/c/{a.slug}/ballots/{ballot_id}/proxy-votes",
                             json={"member_id": m3, "choice": "for"})
    assert refused.status_code == 403
    with coop_session(a) as session:
        close_ballot(session, ballot_id)
        result = governance.tally(session, ballot_id)
        assert result.raw == {"for": 2, "against": 1, "abstain": 0}
        assert (result.passed, result.reason) == (True, "majority")
        # Without m1 present, m2's proxy no longer counts and the meeting is not quorate.
        session.execute(MeetingAttendance.__table__.delete().where(
            MeetingAttendance.member_id == m1))
        assert meetings.quorum(session, meeting_id).counted == 1
        result = governance.tally(session, ballot_id)
        assert (result.passed, result.reason) == (False, "meeting_not_quorate")
    with coop_session(b) as session:
        assert meetings.quorum(session, b_meeting).present == 0
        assert session.scalar(select(func.count(ProxyAppointment.id))) == 0
    # Co-op B's admin cannot reach A's meeting; the same id in B is B's own meeting.
    other = signed_in(app, admin_b)
    assert other.get(f"/api/v1/c/{a.slug}/meetings/{meeting_id}").status_code == 404
    own = other.get(f"/api/v1/c/{b.slug}/meetings/{b_meeting}").get_json()
    assert own["proxies_allowed"] is False and own["quorum"] == 1


def test_a_meeting_needs_its_clear_days_of_notice(two_coops, coop_session):
    (a, _), (b, _) = two_coops
    with coop_session(a) as session:
        meetings.set_rule(session, "meeting_notice_clear_days", 21, actor_account_id=None)
        with pytest.raises(Exception, match="21 clear days"):
            meetings.create_meeting(session, {
                "kind": "general", "title": "Too soon", "quorum": 2,
                "held_at": utcnow() + timedelta(days=10)}, actor_account_id=None)
    with coop_session(b) as session:
        # Co-op B keeps the default 14 clear days: 20 days ahead is fine there.
        meeting = meetings.create_meeting(session, {
            "kind": "general", "title": "In time", "quorum": 2,
            "held_at": utcnow() + timedelta(days=20)}, actor_account_id=None)
        assert meeting.notice_days == 14
