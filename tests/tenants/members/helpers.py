"""Helpers for the members and governance tests: people with roles, and fast bulk members."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, insert, select

from core.timeutil import utcnow
from federation.extensions import limiter
from tenants.governance import service as governance
from tenants.members.models import Member, MemberClass, MemberClassLink
from tests.fixtures.app import api_client_for
from tests.fixtures.factories import PASSWORD, add_member, create_account

JOINED = date(2024, 4, 1)


def person(app, coop, role: str):
    """A new account with ``role`` in ``coop``, and an API client signed in as them."""
    account = create_account(app)
    add_member(app, coop, account, role)
    return account, signed_in(app, account)


def signed_in(app, account):
    """An API client signed in as ``account`` (sign-in rate limits reset first)."""
    limiter.reset()
    return api_client_for(app, account.email, PASSWORD)


def class_id(session, code: str) -> int:
    """The id of the co-op's member class ``code``."""
    return session.scalar(select(MemberClass.id).where(MemberClass.code == code))


def bulk_members(session, code: str, count: int, *, account_base: int | None = None,
                 prefix: str = "Member") -> list[int]:
    """Insert ``count`` members of class ``code`` in two statements; returns their ids.

    With ``account_base`` each is linked to a (made-up) account id, so it can vote.
    """
    start = session.scalar(select(func.count(Member.id))) or 0
    rows = [{"display_name": f"{prefix} {start + n}", "joined_on": JOINED, "shares_held": 1,
             "account_id": None if account_base is None else account_base + n,
             "email": None}
            for n in range(count)]
    ids = list(session.scalars(insert(Member).returning(Member.id), rows))
    cid = class_id(session, code)
    session.execute(insert(MemberClassLink), [{"member_id": i, "class_id": cid} for i in ids])
    return ids


def open_ballot(session, kind: str = "ordinary", quorum: int = 0) -> int:
    """A proposal with a ballot open now; returns the ballot id."""
    now = utcnow()
    proposal = governance.create_proposal(
        session, {"title": f"A {kind} resolution", "body": "", "kind": kind},
        actor_account_id=None,
        ballot={"opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=7),
                "quorum": quorum})
    return governance.ballot_for_proposal(session, proposal.id).id


def close_ballot(session, ballot_id: int) -> None:
    """Move a ballot's times into the past, as if its closing time had come."""
    from tenants.governance.models import Ballot

    ballot = session.get(Ballot, ballot_id)
    now = utcnow()
    ballot.opens_at = now - timedelta(days=8)
    ballot.closes_at = now - timedelta(seconds=1)
    session.flush()
