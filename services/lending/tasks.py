"""Jobs of lending: notifications, workers' emails, rota projections of a confirmed loan,
and expiry.

Each takes ids only and is idempotent: a notification is unique per person, agreement
and kind; an email is claimed under its key and sent once; a projection skips slots
already written; expiry only moves stale rows.
"""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.jobs import JobRequest, dispatch_now
from core.timeutil import utcnow
from services.lending import notices, service
from services.lending.models import LendingAgreement, LendingEmail, Notification
from services.mail import service as mail
from services.pool.models import PoolProfile
from tenants.context import store
from tenants.lending import service as tenant_lending
from tenants.registry.models import Coop, Membership
from tenants.store import TenantRef
from tenants.web import MANAGERS

#: Who hears about each step: the lender's or borrower's managers, and the worker.
RECIPIENTS = {
    "offered": ("lender",),
    "approved": ("worker",),
    "accepted": ("borrower",),
    "confirmed": ("borrower", "lender", "worker"),
    "completed": ("borrower", "lender", "worker"),
    "declined": ("borrower", "worker"),
    "cancelled": ("borrower", "lender", "worker"),
    "expired": ("borrower", "lender", "worker"),
}
#: Steps the worker hears of only if they knew of the loan (their email row says so).
WORKER_IF_TOLD = ("declined", "expired")


def _managers(coop_id: int) -> list[int]:
    return list(db.session.scalars(select(Membership.account_id).where(
        Membership.coop_id == coop_id, Membership.role.in_([str(r) for r in MANAGERS]))))


def _emailed(agreement: LendingAgreement, kind: str) -> bool:
    return db.session.scalar(select(LendingEmail.id).where(
        LendingEmail.agreement_id == agreement.id, LendingEmail.kind == kind)) is not None


def notify(agreement_id: int, kind: str) -> int:
    """Job: tell everyone concerned about a step of an agreement; returns rows added."""
    agreement = db.session.get(LendingAgreement, int(agreement_id))
    if agreement is None:
        return 0
    wanted: list[tuple[int, int]] = []
    for side in RECIPIENTS[kind]:
        if side == "worker":
            if kind in WORKER_IF_TOLD and not _emailed(agreement, kind):
                continue
            if agreement.worker_account_id is not None:
                wanted.append((agreement.worker_account_id, agreement.lender_coop_id))
            continue
        coop_id = agreement.lender_coop_id if side == "lender" else agreement.borrower_coop_id
        wanted += [(account_id, coop_id) for account_id in _managers(coop_id)]
    have = set(db.session.scalars(select(Notification.account_id).where(
        Notification.agreement_id == agreement.id, Notification.kind == kind)))
    added = 0
    for account_id, coop_id in dict(wanted).items():
        if account_id not in have:
            db.session.add(Notification(account_id=account_id, coop_id=coop_id,
                                        agreement_id=agreement.id, kind=kind))
            added += 1
    db.session.flush()
    return added


def _slots(agreement: LendingAgreement) -> list[tenant_lending.Slot]:
    return [tenant_lending.Slot(s.id, s.starts_at, s.ends_at, s.travel_minutes)
            for s in agreement.request.slots]


def _in_store(coop: Coop, action) -> int:
    session = store().session(TenantRef(coop.id, coop.slug))
    try:
        done = action(session)
        session.commit()
        return done
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def project(agreement_id: int) -> int:
    """Job: write a confirmed loan into the lender's rota and the borrower's rota."""
    agreement = db.session.get(LendingAgreement, int(agreement_id))
    if agreement is None or agreement.state not in ("confirmed", "completed"):
        return 0
    lender = db.session.get(Coop, agreement.lender_coop_id)
    borrower = db.session.get(Coop, agreement.borrower_coop_id)
    welsh = db.session.scalar(select(PoolProfile.welsh_level).where(
        PoolProfile.worker_ref == agreement.worker_ref)) or "none"
    slots = _slots(agreement)
    # The person cared for is told the first name of who is coming (issue 12); it moves
    # store to store here, inside the job, never through the queue or the federation.
    first_name = _in_store(lender, lambda s: tenant_lending.first_name_by_ref(
        s, agreement.worker_ref))
    written = _in_store(lender, lambda s: tenant_lending.do_record_commitment(
        s, agreement_id=agreement.id, worker_ref=agreement.worker_ref,
        borrower_coop_id=borrower.id, borrower_name=borrower.name, slots=slots))
    written += _in_store(borrower, lambda s: tenant_lending.do_record_guest(
        s, agreement_id=agreement.id, worker_ref=agreement.worker_ref,
        lender_coop_id=lender.id, lender_name=lender.name, welsh_level=welsh,
        client_id=tenant_lending.client_for_request(s, agreement.request_id), slots=slots,
        worker_first_name=first_name))
    return written


def unproject(agreement_id: int) -> int:
    """Job: mark a cancelled loan's rota rows cancelled in both co-ops."""
    agreement = db.session.get(LendingAgreement, int(agreement_id))
    if agreement is None:
        return 0
    done = 0
    for coop_id in (agreement.lender_coop_id, agreement.borrower_coop_id):
        coop = db.session.get(Coop, coop_id)
        done += _in_store(coop, lambda s: tenant_lending.do_cancel_projections(s, agreement.id))
    return done


def expire() -> dict[str, int]:
    """Job (every few minutes): expire stale offers and requests whose time has come."""
    return service.expire_stale()


def send_email(email_id: int) -> bool:
    """Job: send one worker email (a ``lending_emails`` row) once, in the worker's language.

    The same order as invitations: claim the key (a committed lease), send, then mark the
    key sent and the row sent in one commit. A retry after that finds the key sent and
    sends nothing; a sender that died holding the claim is run again by the mail sweeper.
    """
    email = db.session.get(LendingEmail, int(email_id))
    if email is None or email.sent_at is not None:
        return False
    key = notices.email_key(email.id)
    if not mail.claim(key, notices.SEND_JOB, email.id):
        return False
    try:
        email = db.session.get(LendingEmail, int(email_id))
        address, locale = notices.address_of(email.account_id)
        agreement = db.session.get(LendingAgreement, email.agreement_id)
        subject, body = notices.text(agreement, email.kind, locale)
        mail.send(address, subject, body, key=key)
    except Exception:
        mail.release(key)  # nothing went out: a retry may claim it at once
        raise
    email.sent_at = utcnow()
    mail.mark_sent(key)  # commits the row's sent_at with the key
    return True


def sweep_emails() -> int:
    """Periodic job: queue again every worker email still unsent (its job was lost)."""
    before = utcnow() - notices.SWEEP_GRACE
    unsent = list(db.session.scalars(select(LendingEmail.id).where(
        LendingEmail.sent_at.is_(None), LendingEmail.created_at < before)
        .order_by(LendingEmail.id).limit(500)))
    db.session.rollback()
    dispatch_now([JobRequest(notices.SEND_JOB, (email_id,), "default",
                             notices.email_key(email_id)) for email_id in unsent])
    return len(unsent)
