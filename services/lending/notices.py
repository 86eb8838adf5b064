"""What a lent worker is told: the offer's facts in their language, and emails sent once.

A step that concerns the worker writes a :class:`LendingEmail` row in the same
transaction as the step (:func:`record`), and asks for the sending job after the commit.
The row is the outbox: if the queue loses the job, the sweeper finds the row unsent.
The facts (:func:`describe`) are shared by the email and the worker's offer page, so the
two never disagree about place, time, pay or status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.areas import local_authority
from core.db import db
from core.jobs import enqueue_after_commit
from core.timeutil import LOCAL, as_utc
from services.lending.models import EMAIL_KINDS, LendingAgreement, LendingEmail
from tenants.registry.models import Coop

SEND_JOB = "services.lending.tasks:send_email"
#: The worker is reminded this long before an offer waiting for their answer lapses.
REMIND_BEFORE = timedelta(hours=12)
#: An unsent row younger than this may still have its job in flight; older, the sweeper sends.
SWEEP_GRACE = timedelta(seconds=30)

#: Each state as the worker sees it.
WORKER_STATES = {
    "offered": _l("Waiting for your co-op"),
    "approved": _l("Waiting for your answer"),
    "accepted": _l("Awaiting confirmation"),
    "confirmed": _l("Confirmed"),
    "completed": _l("Completed"),
    "declined": _l("Declined"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}


@dataclass(frozen=True)
class OfferFacts:
    """An offer as a worker reads it, in one language. Never the client's address."""

    place: str
    times: list[str]
    pay_per_hour: str
    status: str
    expires: str | None
    borrower: str


def email_key(email_id: int) -> str:
    """The idempotency key of one worker email (``services.mail`` SentMail)."""
    return f"lending-email-{int(email_id)}"


def pay_per_hour(agreement: LendingAgreement) -> Decimal:
    """What the worker is paid for each hour: the agreement's rate is the wage part (the
    co-ops' recharge, with NI, pension, holiday, travel and overheads, is not for workers)."""
    return Decimal(agreement.rate)


def _when(moment, locale: str) -> str:
    return f"{format_date(moment.date(), 'EEEE d MMMM yyyy', locale=locale)}, {moment:%H:%M}"


def describe(agreement: LendingAgreement, locale: str) -> OfferFacts:
    """The facts of an offer in ``locale``: area, times, pay per hour, status, deadline."""
    request = agreement.request
    area = local_authority(request.la_code)
    borrower = db.session.get(Coop, agreement.borrower_coop_id)
    expires = as_utc(agreement.expires_at)
    with force_locale(locale):
        return OfferFacts(
            place=area.name(locale) if area else request.la_code,
            times=[f"{_when(s.starts_at, locale)}–{s.ends_at:%H:%M}" for s in request.slots],
            pay_per_hour=_("£%(pay)s an hour", pay=f"{pay_per_hour(agreement):.2f}"),
            status=str(WORKER_STATES[agreement.state]),
            expires=(_when(expires.astimezone(LOCAL), locale)
                     if expires is not None and agreement.state == "approved" else None),
            borrower=borrower.display_name(locale) if borrower else "")


def worker_knows(agreement: LendingAgreement) -> bool:
    """Whether the worker has heard of this loan: they offered, or it was offered to them
    (for a loan that has since ended, its "offered to you" email says so)."""
    return (agreement.volunteered
            or agreement.state in ("approved", "accepted", "confirmed", "completed")
            or db.session.scalar(select(LendingEmail.id).where(
                LendingEmail.agreement_id == agreement.id,
                LendingEmail.kind == "approved")) is not None)


def record(agreement: LendingAgreement, kind: str) -> LendingEmail | None:
    """In the caller's transaction: the worker's email about this step, if they are owed
    one, and its sending job after the commit. Recording a step twice adds nothing."""
    if kind not in EMAIL_KINDS or agreement.worker_account_id is None:
        return None
    if kind != "approved" and not worker_knows(agreement):
        return None  # a lender's "no" or a lapse before the worker ever heard of it
    if kind == "declined" and not agreement.volunteered:
        return None  # the worker's own "no" to an offer: nothing to tell them
    found = db.session.scalar(select(LendingEmail).where(
        LendingEmail.agreement_id == agreement.id,
        LendingEmail.account_id == agreement.worker_account_id, LendingEmail.kind == kind))
    if found is not None:
        return found
    email = LendingEmail(agreement_id=agreement.id, account_id=agreement.worker_account_id,
                         kind=kind)
    db.session.add(email)
    db.session.flush()
    enqueue_after_commit(db.session, SEND_JOB, email.id, job_id=email_key(email.id))
    return email


def due_reminders(now) -> list[LendingAgreement]:
    """Offers waiting for the worker's answer that lapse within :data:`REMIND_BEFORE`."""
    return list(db.session.scalars(select(LendingAgreement).where(
        LendingAgreement.state == "approved", LendingAgreement.expires_at > now,
        LendingAgreement.expires_at <= now + REMIND_BEFORE,
        ~select(LendingEmail.id).where(LendingEmail.agreement_id == LendingAgreement.id,
                                       LendingEmail.kind == "expiring").exists())))


def address_of(account_id: int) -> tuple[str, str]:
    """The account's email address and language (the accounts table is the federation's;
    read through the metadata, as services may not import the federation's code)."""
    accounts = db.metadata.tables["federation.accounts"]
    row = db.session.execute(select(accounts.c.email, accounts.c.locale).where(
        accounts.c.id == account_id)).one()
    return row.email, row.locale or "en"


def offer_link(agreement: LendingAgreement) -> str:
    """The worker's page for the offer, in their own co-op's workspace."""
    lender = db.session.get(Coop, agreement.lender_coop_id)
    return (f"{current_app.config['PUBLIC_URL']}/c/{lender.slug}/worker-pool/offers/"
            f"{agreement.id}")


SUBJECTS = {
    "approved": _l("A shift is offered to you: %(place)s, %(when)s"),
    "declined": _l("Your co-op said no to the shift you offered to take: %(when)s"),
    "confirmed": _l("Your shift is confirmed: %(place)s, %(when)s"),
    "cancelled": _l("A shift was cancelled: %(place)s, %(when)s"),
    "expiring": _l("Please answer soon: the offer of %(when)s lapses"),
    "expired": _l("An offer has lapsed: %(place)s, %(when)s"),
}
OPENINGS = {
    "approved": _l("%(borrower)s would like you to work for them, and your co-op agrees. "
                   "Please say yes or no."),
    "volunteered": _l("Your co-op agrees that you work the shift you offered to take. "
                      "%(borrower)s will now confirm it."),
    "declined": _l("Your co-op has said no to the shift you offered to take for "
                   "%(borrower)s."),
    "confirmed": _l("%(borrower)s has confirmed your shift. It is in your shifts."),
    "cancelled": _l("This shift for %(borrower)s has been cancelled. You do not need to go."),
    "expiring": _l("You have not answered this offer from %(borrower)s yet."),
    "expired": _l("This offer from %(borrower)s has lapsed."),
}


def text(agreement: LendingAgreement, kind: str, locale: str) -> tuple[str, str]:
    """The subject and plain-text body of the worker's email about ``kind``, in ``locale``."""
    facts = describe(agreement, locale)
    opening = "volunteered" if kind == "approved" and agreement.volunteered else kind
    with force_locale(locale):
        subject = str(SUBJECTS[kind]) % {"place": facts.place, "when": facts.times[0]}
        lines = [str(OPENINGS[opening]) % {"borrower": facts.borrower}, "",
                 _("Area: %(place)s", place=facts.place),
                 _("When: %(times)s", times="; ".join(facts.times)),
                 _("Pay: %(pay)s", pay=facts.pay_per_hour),
                 _("Status: %(status)s", status=facts.status)]
        if facts.expires:
            lines.append(_("Please answer by %(when)s. After that the offer lapses.",
                           when=facts.expires))
        lines += ["", _("See the offer and answer it here:"), offer_link(agreement)]
    return subject, "\n".join(lines) + "\n"

