"""Handing a co-op over: the advisor who set it up on a group's behalf passes the admin
role to a named founding member, with that member's consent.

1. ``do_request_handover``: the advisor names the member; a mail job is queued (ids only).
2. ``tasks.send_handover``: the job makes the link's token, stores its hash, emails it.
3. ``do_accept_handover``: the member, signed in with the named email, accepts. They
   become admin, the advisor's membership ends, and the co-op's first admin is the member.
   The agency keeps seeing the co-op only if the co-op granted it access.

Each step is audited in the same transaction. Anyone else holding the link gets
NotFound, audited; a second acceptance changes nothing and answers Conflict.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import Conflict, DomainError, NotFound, ValidationError
from core.jobs import enqueue_after_commit
from core.timeutil import as_utc, utcnow
from federation.accounts.models import Account
from federation.agencies.access import advisor_agency_ids
from federation.agencies.models import Handover
from federation.agencies.schemas import OWN_EMAIL
from tenants.registry.models import Coop, Membership, Role
from tenants.registry.service import check_serving

LINK_LIFETIME = timedelta(days=14)
MAIL_JOB = "federation.agencies.tasks:send_handover"


class HandoverGone(DomainError):
    """This hand-over link was cancelled or has expired."""

    status = 410
    code = "gone"


def token_hash(token: str) -> str:
    """The stored form of a link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_handover(coop_id: int) -> Handover | None:
    """The co-op's hand-over that is waiting to be accepted, if any."""
    return db.session.scalar(select(Handover).where(
        Handover.coop_id == coop_id, Handover.accepted_at.is_(None),
        Handover.cancelled_at.is_(None)))


def role_in(coop_id: int, account_id: int) -> str | None:
    """The person's role in the co-op, or None."""
    return db.session.scalar(select(Membership.role).where(
        Membership.coop_id == coop_id, Membership.account_id == account_id))


def may_hand_over(coop: Coop, account_id: int, role: str) -> bool:
    """Whether this person set the co-op up as an advisor and is still its admin."""
    return (role == Role.ADMIN and coop.first_admin_account_id == account_id
            and bool(advisor_agency_ids(account_id)))


def do_request_handover(coop: Coop, data: dict, *, actor_account_id: int, role: str,
                        ip: str | None = None) -> Handover:
    """Name the founding member to hand ``coop`` over to, and queue the email to them."""
    if not may_hand_over(coop, actor_account_id, role):
        audit.record_despite_rollback("handover.refused", actor_account_id=actor_account_id,
                                      coop_id=coop.id, outcome="refused", ip=ip)
        raise NotFound()
    actor = db.session.get(Account, actor_account_id)
    if data["to_email"] == actor.email:
        raise ValidationError({"to_email": [OWN_EMAIL]})
    if open_handover(coop.id) is not None:
        raise Conflict(gettext("A hand-over is already waiting to be accepted."))
    handover = Handover(coop_id=coop.id, from_account_id=actor_account_id,
                        to_email=data["to_email"], to_name=data["to_name"],
                        expires_at=utcnow() + LINK_LIFETIME)
    db.session.add(handover)
    db.session.flush()
    audit.record(db.session, "handover.requested", actor_account_id=actor_account_id,
                 coop_id=coop.id, ip=ip, handover_id=handover.id)
    enqueue_after_commit(db.session, MAIL_JOB, handover.id, job_id=f"handover-{handover.id}")
    return handover


def do_cancel_handover(coop: Coop, *, actor_account_id: int, role: str,
                       ip: str | None = None) -> None:
    """Withdraw the waiting hand-over; its link stops working."""
    handover = open_handover(coop.id)
    if handover is None or not may_hand_over(coop, actor_account_id, role):
        raise NotFound()
    handover.cancelled_at = utcnow()
    audit.record(db.session, "handover.cancelled", actor_account_id=actor_account_id,
                 coop_id=coop.id, ip=ip, handover_id=handover.id)
    db.session.flush()


def find_handover(token: str) -> tuple[Handover, Coop]:
    """The hand-over behind a link, and its co-op, whatever state it is in; else NotFound."""
    handover = db.session.scalar(select(Handover).where(
        Handover.token_hash == token_hash(token)))
    if handover is None:
        raise NotFound()
    return handover, db.session.get(Coop, handover.coop_id)


def check_recipient(handover: Handover, account_id: int, *, ip: str | None = None) -> None:
    """NotFound, audited, unless ``account_id`` is the person the link was sent to."""
    account = db.session.get(Account, account_id)
    if account is None or account.email != handover.to_email:
        audit.record_despite_rollback("handover.refused", actor_account_id=account_id,
                                      coop_id=handover.coop_id, outcome="refused", ip=ip)
        raise NotFound()


def check_usable(handover: Handover) -> None:
    """Conflict once accepted; HandoverGone when cancelled or expired."""
    if handover.accepted_at is not None:
        raise Conflict(gettext("This co-op has already been handed over."))
    if handover.cancelled_at is not None or as_utc(handover.expires_at) <= utcnow():
        raise HandoverGone()


def do_accept_handover(token: str, account_id: int, *, ip: str | None = None) -> Coop:
    """The named member accepts: they become admin and the advisor's membership ends.

    Only the account whose email the advisor named may accept; anyone else gets
    NotFound, exactly as for a link that does not exist.
    """
    handover = db.session.scalar(select(Handover).where(
        Handover.token_hash == token_hash(token)).with_for_update())
    if handover is None:
        audit.record_despite_rollback("handover.refused", actor_account_id=account_id,
                                      outcome="refused", ip=ip)
        raise NotFound()
    check_recipient(handover, account_id, ip=ip)
    check_usable(handover)
    coop = db.session.get(Coop, handover.coop_id)
    check_serving(coop)
    _make_admin(coop, account_id, ip)
    _end_membership(coop, handover.from_account_id, account_id, ip)
    coop.first_admin_account_id = account_id
    handover.accepted_at = utcnow()
    handover.accepted_by_account_id = account_id
    audit.record(db.session, "handover.accepted", actor_account_id=account_id,
                 coop_id=coop.id, ip=ip, handover_id=handover.id,
                 from_account_id=handover.from_account_id)
    db.session.flush()
    return coop


def _make_admin(coop: Coop, account_id: int, ip: str | None) -> None:
    membership = db.session.scalar(select(Membership).where(
        Membership.coop_id == coop.id, Membership.account_id == account_id))
    if membership is None:
        db.session.add(Membership(coop_id=coop.id, account_id=account_id, role=Role.ADMIN))
        audit.record(db.session, "membership.granted", actor_account_id=account_id,
                     coop_id=coop.id, ip=ip, subject_account_id=account_id,
                     role=str(Role.ADMIN), via="handover")
    elif membership.role != Role.ADMIN:
        audit.record(db.session, "membership.role_changed", actor_account_id=account_id,
                     coop_id=coop.id, ip=ip, subject_account_id=account_id,
                     before=membership.role, after=str(Role.ADMIN), via="handover")
        membership.role = Role.ADMIN


def _end_membership(coop: Coop, advisor_id: int | None, account_id: int,
                    ip: str | None) -> None:
    if advisor_id is None or advisor_id == account_id:
        return
    membership = db.session.scalar(select(Membership).where(
        Membership.coop_id == coop.id, Membership.account_id == advisor_id))
    if membership is not None:
        db.session.delete(membership)
        audit.record(db.session, "membership.ended", actor_account_id=account_id,
                     coop_id=coop.id, ip=ip, subject_account_id=advisor_id,
                     role=membership.role, via="handover")
