"""The co-op's side of lending: pool consent, the published snapshot, and rota projections.

The shared services call these with the session of the co-op concerned (the request's
``tenant_session()``, or a store session a job opened for one co-op), so every read and
write stays inside that co-op's own store. Functions flush; the caller's boundary commits.
Nothing returned to the federation names a client.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy import select

from core.errors import Conflict, NotFound
from tenants.audit.service import record
from tenants.clients.models import Client
from tenants.lending.models import GuestAssignment, LendingCommitment, PoolConsent, RequestClient
from tenants.outbox.service import emit
from tenants.rota import rules
from tenants.rota.models import Visit
from tenants.rota.service import GUESTS, LENT_OUT
from tenants.workforce.checks import dbs_last_valid_on, scw_registered, scw_required_from
from tenants.workforce.models import Worker

PROFILE_EVENT = "pool.profile_changed"
#: How far ahead a worker's home shifts are published as committed time.
HORIZON = timedelta(weeks=8)
#: How far back: the 48-hour average is over 17 weeks.
HISTORY = timedelta(weeks=rules.REFERENCE_WEEKS)
NOT_WORKED = ("cancelled", "missed")


def _now() -> datetime:
    return datetime.now(UTC)


def live_consent(session, worker_id: int) -> PoolConsent | None:
    """The worker's consent that has not been withdrawn, if any."""
    return session.scalar(select(PoolConsent).where(PoolConsent.worker_id == worker_id,
                                                    PoolConsent.withdrawn_at.is_(None)))


def do_opt_in(session, worker: Worker, *, actor: int | None) -> PoolConsent:
    """Record the worker's consent; a coordinator must approve it before anything is shared.

    The pseudonymous ref stays the same if the worker opts in again, so a borrower's
    continuity hint still recognises them.
    """
    if live_consent(session, worker.id) is not None:
        raise Conflict(gettext("This worker has already opted in."))
    previous = session.scalar(select(PoolConsent.worker_ref).where(
        PoolConsent.worker_id == worker.id).order_by(PoolConsent.id.desc()).limit(1))
    consent = PoolConsent(worker_id=worker.id, worker_ref=previous or str(uuid.uuid4()),
                          consented_at=_now(), consented_by_account_id=actor)
    session.add(consent)
    session.flush()
    record(session, "pool.consent_given", actor_account_id=actor, subject_type="worker",
           subject_id=worker.id, consent_id=consent.id)
    return consent


def do_approve_consent(session, consent_id: int, *, actor: int) -> PoolConsent:
    """Approve a consent, and signal the federation to publish the minimal profile."""
    consent = session.get(PoolConsent, consent_id)
    if consent is None or consent.withdrawn_at is not None:
        raise NotFound()
    if consent.approved_at is None:
        consent.approved_at = _now()
        consent.approved_by_account_id = actor
        session.flush()
        record(session, "pool.consent_approved", actor_account_id=actor,
               subject_type="worker", subject_id=consent.worker_id, consent_id=consent.id)
        emit(session, PROFILE_EVENT, consent_id=consent.id)
    return consent


def do_withdraw(session, worker: Worker, *, actor: int | None) -> PoolConsent:
    """Withdraw the worker's consent; the relay removes them from the pool."""
    consent = live_consent(session, worker.id)
    if consent is None:
        raise NotFound()
    consent.withdrawn_at = _now()
    session.flush()
    record(session, "pool.consent_withdrawn", actor_account_id=actor, subject_type="worker",
           subject_id=worker.id, consent_id=consent.id)
    emit(session, PROFILE_EVENT, consent_id=consent.id)
    return consent


def do_request_refresh(session, *, actor: int | None = None) -> int:
    """Ask the federation to republish every approved profile (after rota changes)."""
    consents = session.scalars(select(PoolConsent).where(
        PoolConsent.withdrawn_at.is_(None), PoolConsent.approved_at.is_not(None))).all()
    for consent in consents:
        emit(session, PROFILE_EVENT, consent_id=consent.id)
    return len(consents)


def consents(session) -> list[tuple[PoolConsent, Worker]]:
    """Every consent not withdrawn, with its worker, those awaiting approval first."""
    rows = session.execute(select(PoolConsent, Worker).join(Worker).where(
        PoolConsent.withdrawn_at.is_(None)).order_by(
        PoolConsent.approved_at.is_not(None), Worker.display_name)).all()
    return [tuple(r) for r in rows]


# -- what the federation may know -------------------------------------------------------------


def home_shifts(session, worker_id: int, start: datetime, end: datetime, *,
                include_commitments: bool = True) -> list[rules.Shift]:
    """The worker's working time in this co-op starting in [start, end): visits, and the
    slots it has lent them out for (unless ``include_commitments`` is false)."""
    shifts = [rules.Shift(r.starts_at, r.ends_at, r.travel_minutes or 0)
              for r in session.execute(select(Visit.starts_at, Visit.ends_at,
                                              Visit.travel_minutes).where(
                  Visit.worker_id == worker_id, Visit.starts_at >= start,
                  Visit.starts_at < end, Visit.status.not_in(NOT_WORKED)))]
    if include_commitments:
        shifts += commitment_shifts(session, [worker_id], start, end).get(worker_id, [])
    return shifts


@LENT_OUT.answer
def commitment_shifts(session, worker_ids, start: datetime,
                      end: datetime) -> dict[int, list[rules.Shift]]:
    """Lent-out slots of these workers starting in [start, end), as shifts."""
    found: dict[int, list[rules.Shift]] = {}
    if not worker_ids:
        return found
    for row in session.execute(select(
            LendingCommitment.worker_id, LendingCommitment.starts_at, LendingCommitment.ends_at,
            LendingCommitment.travel_minutes).where(
            LendingCommitment.worker_id.in_(list(worker_ids)),
            LendingCommitment.cancelled_at.is_(None),
            LendingCommitment.starts_at >= start, LendingCommitment.starts_at < end)):
        found.setdefault(row.worker_id, []).append(
            rules.Shift(row.starts_at, row.ends_at, row.travel_minutes or 0))
    return found


@dataclass(frozen=True)
class Snapshot:
    """The minimal profile of one pooled worker, and their committed time at home."""

    worker_ref: str
    account_id: int | None
    skills: tuple[str, ...]
    welsh_level: str
    la_code: str | None
    postcode_district: str | None
    travel_radius_km: int
    dbs_valid_from: date | None
    dbs_valid_until: date | None
    scw_status: str
    scw_valid_until: date | None
    wt_opt_out: bool
    availability: tuple[tuple[int, str, str], ...]
    shifts: tuple[rules.Shift, ...]
    engagement: str = "employee"
    dbs_update_service: bool = False


def snapshot(session, consent_id: int, today: date) -> tuple[str, Snapshot | None]:
    """(worker_ref, profile) for a consent; the profile is None when it must not be published.

    Check *dates* go out, never certificate or registration numbers. Committed time is
    the worker's home visits from 17 weeks back to 8 weeks ahead (lent slots are already
    known to the federation, so they are not sent twice).

    Social Care Wales goes out as facts about the worker (registered until a day, a new
    starter until their grace ends, or not registered), with their engagement: whether a
    loan needs registration is the *borrower's* rule set's decision, taken by the matcher
    (issue 11), not this co-op's. A suspended registration counts only until the day
    before the suspension. Whether the certificate is on the DBS Update Service goes too:
    a borrower can check its status itself only then.
    """
    consent = session.get(PoolConsent, consent_id)
    if consent is None:
        raise NotFound()
    worker = session.get(Worker, consent.worker_id)
    if consent.state != "approved" or worker is None or not worker.active:
        return consent.worker_ref, None
    if scw_registered(worker):
        scw_status, scw_until = "registered", worker.scw_expires_on
        suspended = worker.scw_suspended_from
        if suspended is not None and (worker.scw_suspended_until is None
                                      or today <= worker.scw_suspended_until):
            scw_until = min(scw_until, suspended - timedelta(days=1))
            if scw_until < today:
                scw_status = "unregistered"
    else:
        scw_status = "new_starter" if today < scw_required_from(worker) else "unregistered"
        scw_until = scw_required_from(worker) - timedelta(days=1)
    midnight = datetime.combine(today, time())
    shifts = home_shifts(session, worker.id, midnight - HISTORY, midnight + HORIZON,
                         include_commitments=False)
    return consent.worker_ref, Snapshot(
        worker_ref=consent.worker_ref, account_id=worker.account_id,
        skills=tuple(sorted(s.skill for s in worker.skills)), welsh_level=worker.welsh_level,
        la_code=worker.base_la_code, postcode_district=worker.base_postcode_district,
        travel_radius_km=worker.travel_radius_km or 0,
        dbs_valid_from=worker.dbs_certificate_date,
        dbs_valid_until=(None if worker.dbs_certificate_date is None
                         else dbs_last_valid_on(worker)),
        scw_status=scw_status, scw_valid_until=scw_until, wt_opt_out=worker.wt_opt_out,
        engagement=worker.engagement or "employee",
        dbs_update_service=bool(worker.dbs_update_service),
        availability=tuple((a.weekday, a.starts.strftime("%H:%M"), a.ends.strftime("%H:%M"))
                           for a in worker.availability),
        shifts=tuple(sorted(shifts, key=lambda s: s.start)))


def worker_by_ref(session, worker_ref: str) -> Worker:
    """The worker behind a pseudonymous ref, inside this co-op only."""
    worker_id = session.scalar(select(PoolConsent.worker_id).where(
        PoolConsent.worker_ref == worker_ref).limit(1))
    if worker_id is None:
        raise NotFound()
    return session.get(Worker, worker_id)


def first_name_by_ref(session, worker_ref: str) -> str | None:
    """The lent worker's first name only: what the person cared for is told (issue 12)."""
    try:
        worker = worker_by_ref(session, worker_ref)
    except NotFound:
        return None
    return (worker.display_name or "").strip().split(" ")[0] or None


# -- projections of a confirmed loan -------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A confirmed slot, as the projections need it."""

    slot_id: int
    starts_at: datetime
    ends_at: datetime
    travel_minutes: int = 0


def do_record_commitment(session, *, agreement_id: int, worker_ref: str, borrower_coop_id: int,
                         borrower_name: str, slots: list[Slot]) -> int:
    """Write the lent slots into the lender's rota; a slot already there is left alone."""
    worker = worker_by_ref(session, worker_ref)
    known = set(session.scalars(select(LendingCommitment.slot_id).where(
        LendingCommitment.agreement_id == agreement_id)))
    added = 0
    for slot in slots:
        if slot.slot_id not in known:
            session.add(LendingCommitment(
                agreement_id=agreement_id, slot_id=slot.slot_id, worker_id=worker.id,
                borrower_coop_id=borrower_coop_id, borrower_name=borrower_name,
                starts_at=slot.starts_at, ends_at=slot.ends_at,
                travel_minutes=slot.travel_minutes))
            added += 1
    if added:
        session.flush()
        record(session, "lending.commitment_recorded", subject_type="worker",
               subject_id=worker.id, agreement_id=agreement_id, slots=added)
    return added


def do_record_guest(session, *, agreement_id: int, worker_ref: str, lender_coop_id: int,
                    lender_name: str, welsh_level: str, client_id: int | None,
                    slots: list[Slot], worker_first_name: str | None = None) -> int:
    """Write the lent worker's slots into the borrower's rota as guest assignments."""
    known = set(session.scalars(select(GuestAssignment.slot_id).where(
        GuestAssignment.agreement_id == agreement_id)))
    added = 0
    for slot in slots:
        if slot.slot_id not in known:
            session.add(GuestAssignment(
                agreement_id=agreement_id, slot_id=slot.slot_id, worker_ref=worker_ref,
                lender_coop_id=lender_coop_id, lender_name=lender_name,
                welsh_level=welsh_level, client_id=client_id, starts_at=slot.starts_at,
                ends_at=slot.ends_at, worker_first_name=worker_first_name))
            added += 1
    if added:
        session.flush()
        record(session, "lending.guest_recorded", subject_type="agreement",
               subject_id=agreement_id, slots=added)
    return added


def do_cancel_projections(session, agreement_id: int) -> int:
    """Mark a cancelled loan's guest assignments and commitments cancelled (idempotent)."""
    changed = 0
    for model in (GuestAssignment, LendingCommitment):
        for row in session.scalars(select(model).where(model.agreement_id == agreement_id,
                                                       model.cancelled_at.is_(None))):
            row.cancelled_at = _now()
            changed += 1
    if changed:
        session.flush()
        record(session, "lending.projection_cancelled", subject_type="agreement",
               subject_id=agreement_id, rows=changed)
    return changed


def check_client(session, client_id: int) -> Client:
    """One of this co-op's clients; NotFound otherwise."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound()
    return client


def do_link_request_client(session, request_id: int, client_id: int) -> None:
    """Remember, at home only, which client a lending request is for."""
    session.add(RequestClient(request_id=request_id, client_id=client_id))
    session.flush()


def client_for_request(session, request_id: int) -> int | None:
    """The client a request was for, if the borrower said."""
    return session.scalar(select(RequestClient.client_id).where(
        RequestClient.request_id == request_id))


def continuity_refs(session, client_id: int) -> list[str]:
    """Refs of lent workers who have worked for this client before (computed here, at home)."""
    return sorted(set(session.scalars(select(GuestAssignment.worker_ref).where(
        GuestAssignment.client_id == client_id, GuestAssignment.cancelled_at.is_(None)))))


@GUESTS.answer
def guests_between(session, start: datetime, end: datetime) -> list[GuestAssignment]:
    """Guest assignments starting in [start, end), for the rota's week views."""
    return list(session.scalars(select(GuestAssignment).where(
        GuestAssignment.starts_at >= start, GuestAssignment.starts_at < end,
        GuestAssignment.cancelled_at.is_(None)).order_by(GuestAssignment.starts_at)))


@dataclass(frozen=True)
class MyShift:
    """One line of a worker's "my shifts": a home visit or a lent slot."""

    starts_at: datetime
    ends_at: datetime
    kind: str  # "home" or "lent"
    where: str
    #: "confirmed", or "accepted" for a loan the worker said yes to that awaits the borrower.
    status: str = "confirmed"
    agreement_id: int | None = None


def my_shifts(session, worker: Worker, start: datetime, end: datetime,
              home_name: str) -> list[MyShift]:
    """The worker's home visits and lent slots in [start, end), in time order."""
    found = [MyShift(v.starts_at, v.ends_at, "home", home_name) for v in session.scalars(
        select(Visit).where(Visit.worker_id == worker.id, Visit.starts_at >= start,
                            Visit.starts_at < end, Visit.status.not_in(NOT_WORKED)))]
    found += [MyShift(c.starts_at, c.ends_at, "lent", c.borrower_name,
                      agreement_id=c.agreement_id) for c in session.scalars(
        select(LendingCommitment).where(LendingCommitment.worker_id == worker.id,
                                        LendingCommitment.cancelled_at.is_(None),
                                        LendingCommitment.starts_at >= start,
                                        LendingCommitment.starts_at < end))]
    return sorted(found, key=lambda s: s.starts_at)
