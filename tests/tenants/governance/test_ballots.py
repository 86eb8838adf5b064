"""One member, one vote, secret ballots and class vote caps, with real numbers, on two co-ops."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sqlalchemy import func, inspect, select

from core.errors import Conflict, Forbidden
from tenants.governance import service as governance
from tenants.governance.models import Ballot, BallotChoice, BallotParticipation
from tenants.members.models import Member
from tests.tenants.members.helpers import (
    bulk_members,
    close_ballot,
    open_ballot,
    person,
)

BASE = 5_000_000  # made-up account ids for bulk voters


def _vote(session, ballot_id, account_ids, choice):
    for account_id in account_ids:
        governance.cast_vote(session, ballot_id, account_id, choice)


def test_investor_class_capped_at_10_percent_flips_the_outcome(make_coop, coop_session):
    (a, _), (b, _) = make_coop(coop_type="multi_stakeholder"), make_coop(coop_type="community")
    with coop_session(a) as session:
        workers = bulk_members(session, "worker", 9, account_base=BASE)
        investors = bulk_members(session, "investor", 6, account_base=BASE + 100)
        ballot_id = open_ballot(session)
        _vote(session, ballot_id, [BASE + i for i in range(4)], "for")
        _vote(session, ballot_id, [BASE + i for i in range(4, 9)], "against")
        _vote(session, ballot_id, [BASE + 100 + i for i in range(6)], "for")
        close_ballot(session, ballot_id)
    assert len(workers) == 9 and len(investors) == 6
    with coop_session(b) as session:
        b_ballot = open_ballot(session)
    with coop_session(a) as session:
        result = governance.tally(session, ballot_id)
    # Unweighted, 10 for and 5 against would pass.
    assert result.raw == {"for": 10, "against": 5, "abstain": 0}
    investor = next(t for t in result.classes if t.code == "investor")
    worker = next(t for t in result.classes if t.code == "worker")
    # T = 9 / (1 - 0.1) = 10; the investors' 6 votes count 1 in all: exactly 10%.
    assert investor.weighted_share == Fraction(1, 10)
    assert investor.weight == Fraction(1, 6)
    assert worker.weight == 1
    assert result.weighted == {"for": 5, "against": 5, "abstain": 0}
    assert (result.passed, result.reason) == (False, "no_majority")
    with coop_session(b) as session:
        other = governance.tally(session, b_ballot)
    assert other.turnout == 0 and other.status == "open"


def test_class_weights_hold_every_capped_class_to_its_cap():
    caps = {1: None, 2: Fraction(1, 10), 3: Fraction(1, 5)}
    weights = governance.class_weights({1: 10, 2: 50, 3: 50}, caps)
    total = 10 + 50 * weights[2] + 50 * weights[3]
    assert 50 * weights[2] / total == Fraction(1, 10)
    assert 50 * weights[3] / total == Fraction(1, 5)
    # Under its cap, a class is not scaled; with no uncapped votes nothing is.
    assert governance.class_weights({1: 10, 2: 1}, caps) == {1: 1, 2: 1}
    assert governance.class_weights({2: 5}, caps) == {2: 1}


@pytest.mark.parametrize(("for_", "against", "passed"), [(74, 26, False), (75, 25, True)])
def test_special_resolution_needs_75_percent(two_coops, coop_session, for_, against, passed):
    (a, _), (b, _) = two_coops
    with coop_session(a) as session:
        bulk_members(session, "worker", 100, account_base=BASE)
        ballot_id = open_ballot(session, kind="special", quorum=100)
        _vote(session, ballot_id, [BASE + i for i in range(for_)], "for")
        _vote(session, ballot_id, [BASE + for_ + i for i in range(against)], "against")
        close_ballot(session, ballot_id)
    with coop_session(b) as session:
        assert session.scalar(select(func.count(Ballot.id))) == 0
        assert session.scalar(select(func.count(Member.id))) == 0
    with coop_session(a) as session:
        result = governance.tally(session, ballot_id)
    assert result.turnout == 100 and result.quorum_met
    assert result.raw["for"] == for_ and result.raw["against"] == against
    assert result.passed is passed
    assert result.reason == ("special_majority" if passed else "special_not_reached")


def test_ordinary_resolution_fails_without_quorum(two_coops, coop_session):
    (a, _), _ = two_coops
    with coop_session(a) as session:
        bulk_members(session, "worker", 3, account_base=BASE)
        ballot_id = open_ballot(session, quorum=4)
        _vote(session, ballot_id, [BASE, BASE + 1, BASE + 2], "for")
        close_ballot(session, ballot_id)
        result = governance.tally(session, ballot_id)
    assert (result.passed, result.reason) == (False, "quorum_not_met")


def test_associates_left_members_and_strangers_are_refused_and_one_vote_each(
        two_coops, coop_session):
    (a, _), (b, _) = two_coops  # b is a Direct Payment pool with an associate class
    with coop_session(b) as session:
        bulk_members(session, "associate", 1, account_base=BASE)
        bulk_members(session, "dp_holder", 2, account_base=BASE + 10)
        session.execute(Member.__table__.update().where(Member.account_id == BASE + 11)
                        .values(left_on=Member.joined_on))
        ballot_id = open_ballot(session)
        with pytest.raises(Forbidden, match="class has no vote"):
            governance.cast_vote(session, ballot_id, BASE, "for")
        with pytest.raises(Forbidden, match="no longer a member"):
            governance.cast_vote(session, ballot_id, BASE + 11, "for")
        with pytest.raises(Forbidden, match="not in this co-op's register"):
            governance.cast_vote(session, ballot_id, 999_999_999, "for")
        governance.cast_vote(session, ballot_id, BASE + 10, "against")
        with pytest.raises(Conflict, match="already voted"):
            governance.cast_vote(session, ballot_id, BASE + 10, "for")
        assert governance.turnout(session, ballot_id) == 1
        assert session.scalar(select(func.count(BallotChoice.id))) == 1
    with coop_session(a) as session:
        # Co-op A's store has none of it; the same account ids mean nothing there.
        assert session.scalar(select(func.count(BallotParticipation.id))) == 0
        with pytest.raises(Exception, match="No such ballot"):
            governance.cast_vote(session, ballot_id, BASE + 10, "for")


def test_the_ballot_is_secret(two_coops, coop_session):
    (a, _), _ = two_coops
    with coop_session(a) as session:
        bulk_members(session, "worker", 3, account_base=BASE)
        ballot_id = open_ballot(session)
        _vote(session, ballot_id, [BASE], "for")
        _vote(session, ballot_id, [BASE + 1], "against")
        _vote(session, ballot_id, [BASE + 2], "for")
        choices = session.scalars(select(BallotChoice)).all()
    columns = {c.key for c in inspect(BallotChoice).columns}
    assert columns == {"id", "ballot_id", "class_id", "choice"}  # no member, no time
    participation = {c.key for c in inspect(BallotParticipation).columns}
    assert columns & participation == {"id", "ballot_id"}
    # The only shared value is the ballot: ids are random keys, not the participation ids.
    assert all(len(c.id) == 36 for c in choices)
    assert {c.id for c in choices}.isdisjoint({str(i) for i in range(1, 1000)})
    foreign = {fk.column.table.name for fk in BallotChoice.__table__.foreign_keys}
    assert foreign == {"ballots", "member_classes"}
    # Joining on the ballot pairs every participation with every choice: 3 × 3, not 3.
    with coop_session(a) as session:
        pairs = session.execute(select(BallotParticipation.member_id, BallotChoice.choice)
                                .join(BallotChoice, BallotChoice.ballot_id ==
                                      BallotParticipation.ballot_id)).all()
    assert len(pairs) == 9


def test_vote_through_the_api_and_results_only_after_closing(app, two_coops, coop_session):
    (a, _), (b, _) = two_coops
    voter, client = person(app, b, "member")
    associate, associate_client = person(app, b, "member")
    with coop_session(b) as session:
        bulk_members(session, "dp_holder", 1, account_base=voter.id)
        bulk_members(session, "associate", 1, account_base=associate.id)
        ballot_id = open_ballot(session)
    url = f"/api/v1/c/{b.slug}/ballots/{ballot_id}"
    refused = associate_client.post(f"{url}/votes", json={"choice": "for"})
    assert refused.status_code == 403
    assert "no vote" in refused.get_json()["detail"]
    assert client.post(f"{url}/votes", json={"choice": "for"}).status_code == 201
    again = client.post(f"{url}/votes", json={"choice": "against"})
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"
    during = client.get(f"{url}/results").get_json()
    assert during["status"] == "open" and during["turnout"] == 1
    assert during["raw"] is None and during["passed"] is None
    page = client.client.get(f"/c/{b.slug}/governance/ballots/{ballot_id}")
    assert "You have voted" in page.get_data(as_text=True)
    assert 'id="results"' not in page.get_data(as_text=True)
    with coop_session(b) as session:
        close_ballot(session, ballot_id)
    after = client.get(f"{url}/results").get_json()
    assert after["raw"] == {"for": 1, "against": 0, "abstain": 0}
    assert after["passed"] is True and after["reason"] == "majority"
    page = client.client.get(f"/c/{b.slug}/governance/ballots/{ballot_id}").get_data(
        as_text=True)
    assert 'id="results"' in page and "Passed" in page
    # A member of B finds nothing of A's.
    assert client.get(f"/api/v1/c/{a.slug}/ballots/{ballot_id}/results").status_code == 404


def test_proposal_page_refuses_a_ballot_closing_before_it_opens(app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    from tests.tenants.members.helpers import signed_in

    client = signed_in(app, admin_a).client
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    form = {"csrf_token": token, "title": "Buy a minibus", "kind": "ordinary",
            "opens_at": "2099-05-02T10:00", "closes_at": "2099-05-01T10:00", "quorum": "3"}
    bad = client.post(f"/c/{a.slug}/governance/new", data=form)
    assert bad.status_code == 422 and 'href="#closes_at"' in bad.get_data(as_text=True)
    good = client.post(f"/c/{a.slug}/governance/new", data=dict(form, closes_at="2099-05-09T10:00"))
    assert good.status_code == 302
    page = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "Buy a minibus" in page and "This ballot has not opened yet." in page
    assert "Buy a minibus" in client.get(f"/c/{a.slug}/governance/").get_data(as_text=True)
    with coop_session(b) as session:
        assert session.scalar(select(func.count(Ballot.id))) == 0
