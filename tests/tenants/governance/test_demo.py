"""The demo seeds fill a co-op plausibly, once, and only that co-op."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tenants.governance import demo as governance_demo
from tenants.governance import service as governance
from tenants.governance.models import Ballot
from tenants.members import demo as members_demo
from tenants.members.models import Member


def test_demo_seeds_are_idempotent_and_stay_in_their_coop(two_coops, coop_session):
    (a, _), (b, _) = two_coops
    today = date.today()
    for _ in range(2):
        with coop_session(a) as session:
            members_demo.seed(session, a.coop_type, today)
            governance_demo.seed(session, a.coop_type, today)
    with coop_session(a) as session:
        assert session.scalar(select(func.count(Member.id))) == len(members_demo.NAMES)
        ballots = session.scalars(select(Ballot)).all()
        statuses = sorted(governance.ballot_status(b) for b in ballots)
        assert statuses == ["closed", "open"]
        closed = next(b for b in ballots if governance.ballot_status(b) == "closed")
        result = governance.tally(session, closed.id)
        assert result.turnout > 0 and result.passed is not None
    with coop_session(b) as session:
        assert session.scalar(select(func.count(Member.id))) == 0
        assert session.scalar(select(func.count(Ballot.id))) == 0
