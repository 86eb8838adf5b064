"""Demo governance: one open ballot before the coming AGM, and one closed ballot with votes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from tenants.governance.models import (
    Ballot,
    BallotChoice,
    BallotParticipation,
    GeneralMeeting,
    Proposal,
)
from tenants.governance.service import voting_class
from tenants.members.models import Member

PATTERN = ("for", "for", "against", "for", "abstain", "for", "against")


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def seed(session, coop_type: str, today: date) -> None:
    """Add the two ballots unless the co-op has proposals already (run members' seed first)."""
    del coop_type
    if session.scalar(select(Proposal.id).limit(1)) is not None:
        return
    closed = Proposal(title="Adopt the 2025 annual accounts", kind="ordinary",
                      body="The board proposes that the members adopt the annual accounts.")
    agm = GeneralMeeting(kind="annual", title=f"Annual general meeting {today.year}",
                         held_at=_at(today + timedelta(days=30), 18), quorum=5,
                         notice_days=14, place="Neuadd y Dref / Town Hall")
    session.add(agm)
    session.flush()
    open_ = Proposal(title="Change the rules to admit community members", kind="special",
                     body="A special resolution to add a community member class to the rules.",
                     meeting_id=agm.id,
                     easy_read="People who live nearby could join the co-op too.")
    session.add_all([closed, open_])
    session.flush()
    past = Ballot(proposal_id=closed.id, opens_at=_at(today - timedelta(days=40), 9),
                  closes_at=_at(today - timedelta(days=26), 17), quorum=5)
    current = Ballot(proposal_id=open_.id, opens_at=_at(today - timedelta(days=2), 9),
                     closes_at=_at(today + timedelta(days=12), 17), quorum=8)
    session.add_all([past, current])
    session.flush()
    members = session.scalars(select(Member).where(Member.left_on.is_(None))
                              .order_by(Member.id)).all()
    voters = [(m, voting_class(m.classes)) for m in members]
    voters = [(m, c) for m, c in voters if c is not None]
    for n, (member, member_class) in enumerate(voters):
        # Participation and choice are separate rows with nothing to join them by.
        session.add(BallotParticipation(ballot_id=past.id, member_id=member.id))
        session.add(BallotChoice(ballot_id=past.id, class_id=member_class.id,
                                 choice=PATTERN[n % len(PATTERN)]))
        if n % 2:
            session.add(BallotParticipation(ballot_id=current.id, member_id=member.id))
            session.add(BallotChoice(ballot_id=current.id, class_id=member_class.id,
                                     choice=PATTERN[(n + 3) % len(PATTERN)]))
    session.flush()
