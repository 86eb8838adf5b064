"""Bad input on every route that writes: a 4xx problem+json naming the field, nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.timeutil import utcnow
from tenants.audit.models import TenantAuditEvent
from tenants.governance.models import Ballot, BallotParticipation, Proposal
from tenants.members.models import Invitation, Member, MemberClass
from tests.tenants.members.helpers import bulk_members, class_id, signed_in

NOW = utcnow()
LATER = (NOW + timedelta(days=2)).isoformat()
SOONER = (NOW + timedelta(days=1)).isoformat()
MEMBER = {"display_name": "Siân", "joined_on": "2025-01-01", "classes": ["worker"]}
BALLOT = {"opens_at": SOONER, "closes_at": LATER, "quorum": 1}

# (route, body, field named in the errors); {member}, {cls}, {proposal}, {ballot} are ids.
CASES = [
    ("POST members", {k: v for k, v in MEMBER.items() if k != "display_name"}, "display_name"),
    ("POST members", dict(MEMBER, joined_on=20250101), "joined_on"),
    ("POST members", dict(MEMBER, display_name="Si\x00n"), "display_name"),
    ("POST members", dict(MEMBER, shares_held="lots"), "shares_held"),
    ("POST members", dict(MEMBER, classes=["nope"]), "classes"),
    ("POST members", dict(MEMBER, left_on="2024-01-01"), "left_on"),
    ("POST members", dict(MEMBER, surprise=1), "surprise"),
    ("PATCH members/{member}", {"left_on": "2000-01-01"}, "left_on"),
    ("PATCH members/{member}", {"email": "not an email"}, "email"),
    ("PATCH members/{member}", {"postal_address": "a\x00b"}, "postal_address"),
    ("PATCH member-classes/{cls}", {"min_shares": "one"}, "min_shares"),
    ("PATCH member-classes/{cls}", {"vote_cap_pct": 150}, "vote_cap_pct"),
    ("PATCH member-classes/{cls}", {"eligibility_cy": "\x00"}, "eligibility_cy"),
    ("POST invitations", {}, "member_id"),
    ("POST invitations", {"member_id": "x"}, "member_id"),
    ("POST invitations", {"member_id": "{member}"}, "member_id"),  # no email on record
    ("POST proposals", {"kind": "ordinary"}, "title"),
    ("POST proposals", {"title": "T\x00", "kind": "ordinary"}, "title"),
    ("POST proposals", {"title": "T", "kind": "extraordinary"}, "kind"),
    ("POST ballots", dict(BALLOT), "proposal_id"),
    ("POST ballots", dict(BALLOT, proposal_id="{proposal}", closes_at=SOONER,
                          opens_at=LATER), "closes_at"),
    ("POST ballots", dict(BALLOT, proposal_id="{proposal}", quorum="many"), "quorum"),
    ("POST ballots", dict(BALLOT, proposal_id="{proposal}", opens_at="tomorrow"), "opens_at"),
    ("POST ballots", dict(BALLOT, proposal_id=987654), "proposal_id"),
    ("POST ballots/{ballot}/votes", {}, "choice"),
    ("POST ballots/{ballot}/votes", {"choice": "maybe"}, "choice"),
    ("POST ballots/{ballot}/votes", {"choice": 1}, "choice"),
    ("POST ballots/{ballot}/votes", {"choice": "for\x00"}, "choice"),
]

TABLES = (Member, MemberClass, Invitation, Proposal, Ballot, BallotParticipation,
          TenantAuditEvent)


def _counts(coop_session, coop):
    with coop_session(coop) as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t))
                for t in TABLES}


@pytest.fixture
def setting(app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    client = signed_in(app, admin_a)
    with coop_session(a) as session:
        member = bulk_members(session, "worker", 1, account_base=admin_a.id)[0]
        ids = {"member": member, "cls": class_id(session, "worker")}
    proposal = client.post(f"/api/v1/c/{a.slug}/proposals",
                           json={"title": "Adopt the rules", "kind": "special"}).get_json()
    ids["proposal"] = proposal["id"]
    other = client.post(f"/api/v1/c/{a.slug}/proposals",
                        json={"title": "Open now", "kind": "ordinary"}).get_json()
    with coop_session(a) as session:
        session.add(Ballot(proposal_id=other["id"], opens_at=NOW - timedelta(hours=1),
                           closes_at=NOW + timedelta(days=1), quorum=0))
        session.flush()
        ids["ballot"] = session.scalar(select(Ballot.id).where(
            Ballot.proposal_id == other["id"]))
    return a, b, client, ids


def _fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


@pytest.mark.parametrize(("route", "body", "field"), CASES)
def test_bad_input_names_the_field_and_writes_nothing(setting, coop_session, route, body,
                                                      field):
    a, b, client, ids = setting
    method, path = route.split(" ")
    path = path.format(**ids)
    before_a, before_b = _counts(coop_session, a), _counts(coop_session, b)
    response = getattr(client, method.lower())(
        f"/api/v1/c/{a.slug}/{path}", json={k: _fill(v, ids) for k, v in body.items()})
    assert 400 <= response.status_code < 500, response.get_json()
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.get_json()["errors"], response.get_json()
    assert _counts(coop_session, a) == before_a
    assert _counts(coop_session, b) == before_b


def test_a_10_mb_body_gets_413_problem_json(setting, coop_session):
    a, _, client, _ = setting
    before = _counts(coop_session, a)
    response = client.post(f"/api/v1/c/{a.slug}/members", data="x" * (10 * 1024 * 1024),
                           content_type="application/json")
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "body" in response.get_json()["errors"]
    assert _counts(coop_session, a) == before
