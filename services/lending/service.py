"""Lending requests and agreements: the workflow, its state machine, and confirmation.

Verbs: ``check_*`` validates then acts, ``do_*`` acts, ``access_*`` fetches what the
calling co-op may see (anything else is NotFound, never Forbidden). Functions flush; the
request boundary or the job runner commits. Notifications and rota projections go as
jobs after the commit, with ids only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.jobs import enqueue_after_commit
from core.timeutil import LOCAL, local_now
from services.lending import compliance, matching, notices, pair_agreements
from services.lending.models import (
    BOOKED_STATES,
    LIVE_STATES,
    LedgerEntry,
    LendingAgreement,
    LendingRequest,
    LendingSlot,
    Notification,
)
from services.pool.areas import centroids
from services.pool.models import SKILL_BITS, PoolProfile, skills_mask
from tenants.care_person import service as care_person
from tenants.context import tenant_session
from tenants.lending import service as tenant_lending
from tenants.rota import rules

OFFER_TTL = timedelta(hours=48)
NOTIFY_JOB = "services.lending.tasks:notify"
PROJECT_JOB = "services.lending.tasks:project"
UNPROJECT_JOB = "services.lending.tasks:unproject"
#: Which state each action moves an agreement from, and to.
TRANSITIONS = {
    "approve": ("offered", "approved"),
    "decline": ("offered", "declined"),
    "accept": ("approved", "accepted"),
    "refuse": ("approved", "declined"),
    "confirm": ("accepted", "confirmed"),
    "complete": ("confirmed", "completed"),
}
RULE_MESSAGES = {
    "checks": _l("DBS check not valid on a slot's date"),
    "dbs_turnaround": _l("Not on the DBS Update Service: the borrower needs its own DBS check, "
                         "and a slot is sooner than one typically takes"),
    "registration": _l("Social Care Wales registration not valid on a slot's date"),
    "skills": _l("Lacks a skill the request needs"),
    "welsh": _l("Does not speak Welsh"),
    "travel": _l("Outside their travel radius"),
    "availability": _l("Not available at that time"),
    "double_booking": _l("Already working at that time"),
    "rest_11h": _l("Would not get 11 hours' rest"),
    "max_48h": _l("Would work more than 48 hours a week across employers"),
    "break_20m": _l("Would work more than 6 hours without a break"),
    "withdrawn": _l("No longer in the pool"),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands timestamps back without a zone; every stored one is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


# -- requests ---------------------------------------------------------------------------------


def check_request_values(data: dict, now: datetime) -> dict[str, list[str]]:
    """Errors by field for a request's values (the schema has already typed them)."""
    errors: dict[str, list[str]] = {}
    slots = data.get("slots") or []
    if not slots:
        errors["slots"] = [str(_l("Add at least one slot."))]
    for i, slot in enumerate(slots):
        if slot["starts_at"] <= now:
            errors.setdefault(f"slots.{i}.starts_at", []).append(
                str(_l("The slot must start in the future.")))
        if slot["ends_at"] <= slot["starts_at"]:
            errors.setdefault(f"slots.{i}.ends_at", []).append(
                str(_l("The end must be after the start.")))
        elif slot["ends_at"] - slot["starts_at"] > timedelta(hours=13):
            errors.setdefault(f"slots.{i}.ends_at", []).append(
                str(_l("A slot may last at most 13 hours.")))
    ordered = sorted((s for s in slots if s["ends_at"] > s["starts_at"]),
                     key=lambda s: s["starts_at"])
    if any(b["starts_at"] < a["ends_at"] for a, b in zip(ordered, ordered[1:], strict=False)):
        errors.setdefault("slots", []).append(str(_l("Slots must not overlap.")))
    unknown = sorted(set(data.get("skills") or ()) - set(SKILL_BITS))
    if unknown:
        errors["skills"] = [str(_l("Unknown skills: %(skills)s", skills=", ".join(unknown)))]
    if data.get("la_code") not in centroids():
        errors["la_code"] = [str(_l("Choose a Welsh local authority."))]
    rate = data.get("rate")
    if rate is None or Decimal(rate) < 0:
        errors["rate"] = [str(_l("The rate must be zero or more."))]
    return errors


def check_create_request(borrower_coop_id: int, data: dict, *, actor: int | None,
                         continuity_refs=(), avoid_refs=(),
                         scw_engagements=None) -> LendingRequest:
    """Post a request for cover; refused naming every bad field, with nothing written."""
    errors = check_request_values(data, local_now())
    if errors:
        raise ValidationError(errors)
    lat, lon = centroids()[data["la_code"]]
    skills = sorted(set(data.get("skills") or ()))
    request = LendingRequest(
        borrower_coop_id=borrower_coop_id, la_code=data["la_code"], lat=lat, lon=lon,
        skills=skills, skills_mask=skills_mask(skills),
        welsh_required=bool(data.get("welsh_required")),
        continuity_refs=sorted(set(continuity_refs) - set(avoid_refs)),
        avoid_refs=sorted(set(avoid_refs)), rate=Decimal(data["rate"]),
        scw_engagements=None if scw_engagements is None else sorted(scw_engagements),
        on_board=bool(data.get("on_board")), state="open", created_by_account_id=actor,
        slots=[LendingSlot(starts_at=s["starts_at"], ends_at=s["ends_at"],
                           travel_minutes=s.get("travel_minutes", 0))
               for s in sorted(data["slots"], key=lambda s: s["starts_at"])])
    db.session.add(request)
    db.session.flush()
    audit.record(db.session, "lending.request_created", actor_account_id=actor,
                 coop_id=borrower_coop_id, request_id=request.id)
    return request


def check_create_request_here(borrower_coop_id: int, data: dict, *,
                              actor: int | None) -> LendingRequest:
    """Post a request from the borrower's workspace, with a continuity hint computed in
    its own store from ``client_id`` (which goes no further than that store)."""
    data = dict(data)
    client_id = data.pop("client_id", None)
    refs = set(data.pop("continuity_refs", None) or ())
    avoid: set[str] = set()
    session = tenant_session()
    if client_id is not None:
        try:
            tenant_lending.check_client(session, client_id)
        except NotFound:
            raise ValidationError({"client_id": [str(_l("No such client in this co-op."))]}
                                  ) from None
        refs |= set(tenant_lending.continuity_refs(session, client_id))
        # The person's own wishes about lent workers (issue 12), as pseudonymous refs.
        again, avoid = care_person.lending_hints(client_id)
        refs |= again
    request = check_create_request(borrower_coop_id, data, actor=actor, continuity_refs=refs,
                                   avoid_refs=avoid,
                                   scw_engagements=compliance.scw_engagements_here(data))
    if client_id is not None:
        tenant_lending.do_link_request_client(session, request.id, client_id)
    return request


def access_request(request_id: int, coop_id: int) -> LendingRequest:
    """One of the co-op's own requests."""
    request = db.session.get(LendingRequest, request_id)
    if request is None or request.borrower_coop_id != coop_id:
        raise NotFound()
    return request


def requests_stmt(coop_id: int):
    """The co-op's requests, newest first (for paging)."""
    return (select(LendingRequest).where(LendingRequest.borrower_coop_id == coop_id)
            .order_by(LendingRequest.id.desc()))


def _live_refs(request_id: int) -> set[str]:
    return set(db.session.scalars(select(LendingAgreement.worker_ref).where(
        LendingAgreement.request_id == request_id, LendingAgreement.state.in_(LIVE_STATES))))


def candidates(request_id: int, coop_id: int, limit: int = 5) -> list[matching.Candidate]:
    """The best eligible workers for an open request, with reasons."""
    request = access_request(request_id, coop_id)
    if request.state != "open":
        return []
    return matching.find_candidates(
        matching.need_of(request, exclude_refs=_live_refs(request.id)), limit)


def do_cancel_request(request_id: int, coop_id: int, *, actor: int | None) -> LendingRequest:
    """Cancel a request and every live agreement on it."""
    request = access_request(request_id, coop_id)
    if request.state not in ("open", "filled"):
        raise Conflict("This request is already closed.")
    for agreement in db.session.scalars(select(LendingAgreement).where(
            LendingAgreement.request_id == request.id,
            LendingAgreement.state.in_(LIVE_STATES))):
        _cancel(agreement, actor)
    request.state = "cancelled"
    audit.record(db.session, "lending.request_cancelled", actor_account_id=actor,
                 coop_id=coop_id, request_id=request.id)
    db.session.flush()
    return request


# -- agreements -------------------------------------------------------------------------------


def _profile(worker_ref: str) -> PoolProfile | None:
    return db.session.scalar(select(PoolProfile).where(PoolProfile.worker_ref == worker_ref))


def _refuse_if_ineligible(profile_id: int | None, request: LendingRequest,
                          offered_on: date | None = None) -> None:
    failed = (["withdrawn"] if profile_id is None
              else matching.profile_failures(
                  profile_id, matching.need_of(request, offered_on=offered_on)))
    if failed:
        raise ValidationError({"worker_ref": [f"{code}: {RULE_MESSAGES[code]}"
                                              for code in failed]})


def check_offer(request_id: int, coop_id: int, worker_ref: str, *, actor: int | None,
                volunteered: bool = False) -> LendingAgreement:
    """Offer an open request to one eligible worker's co-op."""
    request = (access_request(request_id, coop_id) if not volunteered
               else db.session.get(LendingRequest, request_id))
    if request is None or request.state != "open":
        raise NotFound() if request is None else Conflict("This request is not open.")
    profile = _profile(worker_ref)
    if profile is None or profile.coop_id == request.borrower_coop_id:
        raise ValidationError({"worker_ref": [str(_l("No such worker in the pool."))]})
    if worker_ref in _live_refs(request.id):
        raise Conflict("This worker already has an offer for this request.")
    _refuse_if_ineligible(profile.id, request)
    agreement = LendingAgreement(
        request_id=request.id, borrower_coop_id=request.borrower_coop_id,
        lender_coop_id=profile.coop_id, profile_id=profile.id, worker_ref=worker_ref,
        worker_account_id=profile.account_id, rate=request.rate, state="offered",
        volunteered=volunteered, expires_at=_now() + OFFER_TTL, updated_at=_now())
    db.session.add(agreement)
    db.session.flush()
    pair_agreements.ensure_for_pair(agreement.lender_coop_id, agreement.borrower_coop_id)
    audit.record(db.session, "lending.offered", actor_account_id=actor, coop_id=coop_id,
                 agreement_id=agreement.id, request_id=request.id, volunteered=volunteered)
    _notify(agreement, "offered")
    return agreement


def access_agreement(agreement_id: int, *, coop_id: int | None = None,
                     account_id: int | None = None) -> LendingAgreement:
    """An agreement the co-op is party to (or, with ``account_id``, the worker's own)."""
    agreement = db.session.get(LendingAgreement, agreement_id)
    if agreement is None:
        raise NotFound()
    if coop_id is not None and coop_id in (agreement.borrower_coop_id, agreement.lender_coop_id):
        return agreement
    if account_id is not None and agreement.worker_account_id == account_id:
        return agreement
    raise NotFound()


def _move(agreement: LendingAgreement, action: str, actor: int | None, coop_id: int | None):
    source, target = TRANSITIONS[action]
    if agreement.state != source:
        raise Conflict(str(_l("This offer is %(state)s and cannot be changed that way.",
                              state=agreement.state)))
    if (_aware(agreement.expires_at) is not None and _aware(agreement.expires_at) < _now()
            and action in ("approve", "accept", "confirm")):
        raise Conflict(str(_l("This offer has expired.")))  # the sweep records it
    agreement.state = target
    agreement.updated_at = _now()
    if target == "approved":  # the worker gets the full time to answer
        agreement.expires_at = _now() + OFFER_TTL
    db.session.flush()
    audit.record(db.session, f"lending.{action}", actor_account_id=actor, coop_id=coop_id,
                 agreement_id=agreement.id, before=source, after=target)
    _notify(agreement, target)
    return agreement


def do_lender_decide(agreement_id: int, lender_coop_id: int, approve: bool, *,
                     actor: int | None, live_shifts=None) -> LendingAgreement:
    """The lending co-op approves (offering it to the worker) or declines.

    ``live_shifts`` are the worker's home shifts read from the lender's own store just
    now; approval re-runs the rules on them, so a rota change since the profile was last
    published cannot slip through.
    """
    agreement = access_agreement(agreement_id, coop_id=lender_coop_id)
    if agreement.lender_coop_id != lender_coop_id:
        raise NotFound()
    if not approve:
        return _move(agreement, "decline", actor, lender_coop_id)
    _refuse_if_ineligible(agreement.profile_id, agreement.request, _offered_on(agreement))
    if live_shifts is not None:
        need = matching.need_of(agreement.request, offered_on=_offered_on(agreement))
        failed = matching.failed_rules(_profile_row(agreement.profile_id), need,
                                       [*live_shifts, *_loans_only(agreement.worker_ref, need)])
        if failed:
            raise ValidationError({"worker_ref": [f"{c}: {RULE_MESSAGES[c]}" for c in failed]})
    _move(agreement, "approve", actor, lender_coop_id)
    if agreement.volunteered:  # the worker already said yes on the board
        _move(agreement, "accept", actor, lender_coop_id)
    return agreement


def _offered_on(agreement: LendingAgreement) -> date:
    """The day the offer was made: the DBS turnaround keeps counting from it."""
    made = _aware(agreement.created_at) or _now()
    return made.astimezone(LOCAL).date()


def _profile_row(profile_id: int):
    return db.session.execute(select(*matching.PROFILE_COLUMNS).where(
        PoolProfile.id == profile_id)).first()


def _loans_only(worker_ref: str, need) -> list[rules.Shift]:
    start, end = matching.rule_window(need.slots)
    return [rules.Shift(r.starts_at, r.ends_at, r.travel_minutes) for r in db.session.execute(
        select(LendingSlot.starts_at, LendingSlot.ends_at, LendingSlot.travel_minutes)
        .join(LendingAgreement, LendingAgreement.request_id == LendingSlot.request_id)
        .where(LendingAgreement.worker_ref == worker_ref,
               LendingAgreement.state.in_(BOOKED_STATES),
               LendingSlot.starts_at >= start, LendingSlot.starts_at < end))]


def do_worker_respond(agreement_id: int, account_id: int, accept: bool) -> LendingAgreement:
    """The worker accepts or declines an offer the lender approved."""
    agreement = access_agreement(agreement_id, account_id=account_id)
    return _move(agreement, "accept" if accept else "refuse", account_id, None)


def _lock_profile(profile_id: int | None) -> None:
    """Serialise confirmations of one worker: a row lock on their pool profile.

    On PostgreSQL this is SELECT … FOR UPDATE, held to the end of the transaction, so a
    second confirmation for the same worker waits and then sees the first one's slots.
    SQLite transactions here begin IMMEDIATE, so writers are serialised already.
    """
    if profile_id is None:
        return
    db.session.execute(select(PoolProfile.id).where(PoolProfile.id == profile_id)
                       .with_for_update())


def do_confirm(agreement_id: int, borrower_coop_id: int, *, actor: int | None) -> LendingAgreement:
    """The borrower confirms an accepted offer: exactly one of two overlapping loans wins."""
    agreement = db.session.get(LendingAgreement, agreement_id)
    if agreement is None or agreement.borrower_coop_id != borrower_coop_id:
        raise NotFound()
    _lock_profile(agreement.profile_id)
    db.session.refresh(agreement)
    if agreement.state != "accepted":
        raise Conflict(str(_l("This offer is %(state)s and cannot be confirmed.",
                              state=agreement.state)))
    try:
        _refuse_if_ineligible(agreement.profile_id, agreement.request, _offered_on(agreement))
    except ValidationError as refused:
        audit.record_despite_rollback(
            "lending.confirm_refused", actor_account_id=actor, coop_id=borrower_coop_id,
            outcome="refused", agreement_id=agreement.id,
            rules=[m.split(":")[0] for m in refused.errors.get("worker_ref", [])])
        raise
    compliance.refuse_unless_complete(agreement, actor=actor)
    pair_agreements.check_confirm(agreement, actor)  # accepted pair agreement; fixes the rate
    _move(agreement, "confirm", actor, borrower_coop_id)
    request = agreement.request
    request.state = "filled"
    for other in db.session.scalars(select(LendingAgreement).where(
            LendingAgreement.request_id == request.id, LendingAgreement.id != agreement.id,
            LendingAgreement.state.in_(LIVE_STATES))):
        _cancel(other, actor)
    db.session.flush()
    enqueue_after_commit(db.session, PROJECT_JOB, agreement.id, job_id=f"project-{agreement.id}")
    return agreement


def _cancel(agreement: LendingAgreement, actor: int | None) -> None:
    was = agreement.state
    agreement.state = "cancelled"
    agreement.updated_at = _now()
    audit.record(db.session, "lending.cancel", actor_account_id=actor,
                 agreement_id=agreement.id, before=was, after="cancelled")
    _notify(agreement, "cancelled")
    if was == "confirmed":
        enqueue_after_commit(db.session, UNPROJECT_JOB, agreement.id,
                             job_id=f"unproject-{agreement.id}")


def do_cancel(agreement_id: int, coop_id: int, *, actor: int | None) -> LendingAgreement:
    """Either co-op cancels a live agreement, at any point before it is completed."""
    agreement = access_agreement(agreement_id, coop_id=coop_id)
    if agreement.state not in LIVE_STATES:
        raise Conflict(str(_l("This offer is %(state)s and cannot be cancelled.",
                              state=agreement.state)))
    _cancel(agreement, actor)
    if agreement.request.state == "filled":
        agreement.request.state = "open"
    db.session.flush()
    return agreement


def worked_minutes(agreement: LendingAgreement) -> int:
    """Lent working time: every slot, travel before it included."""
    return sum(int((s.ends_at - s.starts_at).total_seconds() // 60) + (s.travel_minutes or 0)
               for s in agreement.request.slots)


def value(minutes: int, rate: Decimal) -> Decimal:
    """Minutes at an hourly rate, in pounds to the penny (half up)."""
    return (Decimal(rate) * minutes / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def do_complete(agreement_id: int, borrower_coop_id: int, *, actor: int | None,
                now: datetime | None = None) -> LendingAgreement:
    """Record that a confirmed loan was worked; its approved hours post to the ledger once
    (approving a timesheet completes the loan too)."""
    agreement = db.session.get(LendingAgreement, agreement_id)
    if agreement is None or agreement.borrower_coop_id != borrower_coop_id:
        raise NotFound()
    last_end = max(s.ends_at for s in agreement.request.slots)
    if agreement.state == "confirmed" and last_end > (now or local_now()):
        raise Conflict(str(_l("A loan can be completed once its last slot has ended.")))
    _move(agreement, "complete", actor, borrower_coop_id)
    post_to_ledger(agreement)
    return agreement


def post_to_ledger(agreement: LendingAgreement) -> LedgerEntry | None:
    """The loan's ledger entry for the hours its borrower approved, part by part; None
    until a timesheet is approved. Posting twice finds the first (unique agreement)."""
    from services.lending import timesheets

    return timesheets.post_approved(agreement)


def expire_stale(now: datetime | None = None) -> dict[str, int]:
    """Expire offers past their deadline and open requests whose slots have all begun."""
    now = now or _now()
    stale = list(db.session.scalars(select(LendingAgreement).where(
        LendingAgreement.state.in_(("offered", "approved", "accepted")),
        LendingAgreement.expires_at < now)))
    for agreement in stale:
        agreement.state = "expired"
        agreement.updated_at = now
        audit.record(db.session, "lending.expired", agreement_id=agreement.id)
        _notify(agreement, "expired")
    for agreement in notices.due_reminders(now):
        notices.record(agreement, "expiring")
    local = now.astimezone(LOCAL).replace(tzinfo=None)  # slots are Wales wall-clock times
    started = list(db.session.scalars(select(LendingRequest).where(
        LendingRequest.state == "open",
        ~LendingRequest.slots.any(LendingSlot.starts_at > local))))
    if started:
        db.session.execute(update(LendingRequest).where(
            LendingRequest.id.in_([r.id for r in started])).values(state="expired"))
    db.session.flush()
    return {"offers": len(stale), "requests": len(started)}


def _notify(agreement: LendingAgreement, kind: str) -> None:
    enqueue_after_commit(db.session, NOTIFY_JOB, agreement.id, kind,
                         job_id=f"notify-{agreement.id}-{kind}")
    notices.record(agreement, kind)  # the worker's email: its outbox row is in this transaction


# -- the worker's side and the board -----------------------------------------------------------


def offers_for_worker(account_id: int) -> list[LendingAgreement]:
    """Offers waiting for this worker's answer, and their live loans."""
    return list(db.session.scalars(select(LendingAgreement).where(
        LendingAgreement.worker_account_id == account_id,
        LendingAgreement.state.in_(("approved", "accepted", "confirmed")))
        .order_by(LendingAgreement.id)))


def notifications_for(account_id: int, coop_id: int | None = None,
                      limit: int = 20) -> list[Notification]:
    """The person's latest lending notifications (of one co-op, if given)."""
    stmt = select(Notification).where(Notification.account_id == account_id)
    if coop_id is not None:
        stmt = stmt.where(Notification.coop_id == coop_id)
    return list(db.session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)))


def incoming_stmt(coop_id: int):
    """Agreements where the co-op lends, live ones first (for paging)."""
    return select(LendingAgreement).where(LendingAgreement.lender_coop_id == coop_id).order_by(
        LendingAgreement.state.not_in(LIVE_STATES), LendingAgreement.id.desc())


def awaiting_confirmation(borrower_coop_id: int) -> list[LendingAgreement]:
    """Offers the worker has accepted, waiting for this borrowing co-op to confirm."""
    return list(db.session.scalars(select(LendingAgreement).where(
        LendingAgreement.borrower_coop_id == borrower_coop_id,
        LendingAgreement.state == "accepted").order_by(LendingAgreement.id)))


def incoming(coop_id: int) -> list[LendingAgreement]:
    """The latest 200 agreements where the co-op lends, live ones first."""
    return list(db.session.scalars(incoming_stmt(coop_id).limit(200)))


def agreements_of(request_id: int) -> list[LendingAgreement]:
    """Every agreement on a request."""
    return list(db.session.scalars(select(LendingAgreement).where(
        LendingAgreement.request_id == request_id).order_by(LendingAgreement.id)))


def board_for(account_id: int) -> list[tuple[LendingRequest, str]]:
    """Open board shifts this pooled worker may take, with the ref they would take it as."""
    profiles = db.session.scalars(select(PoolProfile).where(
        PoolProfile.account_id == account_id)).all()
    if not profiles:
        return []
    found = []
    for request in db.session.scalars(select(LendingRequest).where(
            LendingRequest.state == "open", LendingRequest.on_board.is_(True))
            .order_by(LendingRequest.id).limit(100)):
        for profile in profiles:
            if (profile.coop_id != request.borrower_coop_id
                    and profile.worker_ref not in _live_refs(request.id)
                    and not matching.profile_failures(profile.id, matching.need_of(request))):
                found.append((request, profile.worker_ref))
                break
    return found


def check_volunteer(request_id: int, account_id: int) -> LendingAgreement:
    """A pooled worker offers to take a board shift; their co-op then approves it."""
    for request, ref in board_for(account_id):
        if request.id == request_id:
            return check_offer(request_id, request.borrower_coop_id, ref, actor=account_id,
                               volunteered=True)
    raise NotFound()


def do_lender_decide_here(agreement_id: int, lender_coop_id: int, approve: bool, *,
                          actor: int | None) -> LendingAgreement:
    """The lender decides from its own workspace: the worker's live home rota is read from
    the lender's store (the request's co-op session) and checked again before approval."""
    agreement = access_agreement(agreement_id, coop_id=lender_coop_id)
    if agreement.lender_coop_id != lender_coop_id:
        raise NotFound()
    live = None
    if approve and agreement.state == "offered":
        session = tenant_session()
        worker = tenant_lending.worker_by_ref(session, agreement.worker_ref)
        start, end = matching.rule_window(matching.need_of(agreement.request).slots)
        live = tenant_lending.home_shifts(session, worker.id, start, end,
                                          include_commitments=False)
    return do_lender_decide(agreement_id, lender_coop_id, approve, actor=actor,
                            live_shifts=live)
