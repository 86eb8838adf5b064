"""Co-ops, members and invitations for the fault tests, and reading the mail sink."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from sqlalchemy import select

from core.db import db
from tenants.context import store
from tenants.members import service as members
from tenants.members.models import Invitation
from tenants.registry.models import Coop
from tenants.store import TenantRef
from tests.fixtures.factories import unique

LINK = re.compile(r"https?://[^/\s]+/invitations/[\w-]+/([\w-]+)")


def invite(app, coop, count: int = 1) -> list[tuple[int, str]]:
    """Add ``count`` members to ``coop`` and invite each (committed, as an admin's request
    would); returns (invitation id, email) pairs."""
    made = []
    with app.app_context():
        session = store().session(TenantRef(coop.id, coop.slug))
        try:
            for _ in range(count):
                email = f"{unique('founder')}@example.org"
                member = members.create_member(session, {
                    "display_name": "Eleri Jones", "email": email,
                    "joined_on": date(2025, 3, 1), "classes": ["worker"]}, actor_account_id=None)
                invitation = members.invite_member(session, member.id, actor_account_id=None)
                made.append((invitation.id, email))
            session.commit()  # the relay is queued after this commit
        finally:
            session.close()
    return made


def body(message) -> str:
    """The decoded text of a message from the sink."""
    return message.get_payload(decode=True).decode("utf-8")


def link_works(app, coop, invitation_id: int, message) -> bool:
    """Whether the link in ``message`` is the invitation's live link."""
    token = LINK.search(body(message)).group(1)
    with app.app_context():
        session = store().session(TenantRef(coop.id, coop.slug))
        try:
            invitation = session.get(Invitation, invitation_id)
            return (invitation.accepted_at is None and invitation.token_hash
                    == hashlib.sha256(token.encode()).hexdigest())
        finally:
            session.close()



def emailed_exactly_once(rig, coop, invited) -> None:
    """Each (invitation id, email) in ``invited`` emailed once, with a link that works; still
    once after more sweeps."""
    rig.eventually(lambda: all(rig.sink.to(email) for _, email in invited),
                   what="every invitation emailed")
    rig.settle()  # a duplicate, if any, would be sent by the end of this
    for invitation_id, email in invited:
        received = rig.sink.to(email)
        assert len(received) == 1, f"{email} received {len(received)} emails"
        assert link_works(rig.app, coop, invitation_id, received[0])

def coop_state(app, coop_id: int) -> str:
    """The co-op's lifecycle state, read afresh."""
    with app.app_context():
        return db.session.scalar(select(Coop.state).where(Coop.id == coop_id))
