"""The person receiving care: linking them, their week, their wishes, and their family.

Verbs as elsewhere: ``do_*`` changes something, ``check_*`` validates then changes,
``access_*`` fetches with a permission check, ``*_view`` builds what a page shows.

Access is a ``Seat``: one account's place at one client's care page, as the person,
their representative, or a family member the person invited. Seats come only from this
co-op's store (a ``CareLink`` or a live ``FamilyGrant``), so a person can never see a
client of another co-op, nor another client of this one. Every view of the page is
audited, and every change writes an audit row in the same transaction; the request
boundary commits. The federation's ``care_access`` index is kept in step here.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, update

from core.errors import Forbidden, NotFound, ValidationError
from core.jobs import enqueue_after_commit
from core.timeutil import as_utc, utcnow
from tenants.audit.service import record
from tenants.care_person.access import set_care_access
from tenants.care_person.models import CareLink, CarerPreference, FamilyGrant
from tenants.clients.models import Client, RegularCarer
from tenants.context import current_tenant, tenant_session
from tenants.lending.models import GuestAssignment
from tenants.rota.models import Visit
from tenants.rota.service import UNWANTED_PAIRS, monday_of
from tenants.workforce.models import Worker

#: An invitation link works for this long.
INVITATION_DAYS = 14
FAMILY_MAIL_JOB = "federation.care.tasks:send_family_invitation"
#: Visits the person is told about: not the ones called off.
SHOWN_STATUSES = ("scheduled", "completed")


# -- who may see what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """One account's place at one client's care page, and what it may see."""

    client_id: int
    first_name: str
    role: str  # "person", "representative" or "family"
    sees_times: bool = True
    sees_names: bool = True
    grant_id: int | None = None

    @property
    def speaks_for_person(self) -> bool:
        """The person or their representative: may state wishes and invite family."""
        return self.role in ("person", "representative")


def first_name(display_name: str) -> str:
    """Only the first name: what the person is told about who is coming."""
    return (display_name or "").strip().split(" ")[0]


def seats_for(account_id: int) -> list[Seat]:
    """Every client whose care page ``account_id`` may open in this co-op."""
    session = tenant_session()
    seats = [Seat(client_id, first_name(name), role) for client_id, name, role in
             session.execute(select(CareLink.client_id, Client.display_name, CareLink.role)
                             .join(Client, Client.id == CareLink.client_id)
                             .where(CareLink.account_id == account_id)
                             .order_by(CareLink.client_id)).all()]
    seats += [Seat(grant.client_id, first_name(name), "family", grant.sees_times,
                   grant.sees_names, grant.id) for grant, name in session.execute(
        select(FamilyGrant, Client.display_name).join(Client, Client.id == FamilyGrant.client_id)
        .where(FamilyGrant.account_id == account_id, FamilyGrant.revoked_at.is_(None),
               FamilyGrant.accepted_at.is_not(None)).order_by(FamilyGrant.id)).all()]
    return seats


def access_seat(account_id: int, client_id: int | None = None) -> Seat:
    """The account's seat (at ``client_id``, or its first); NotFound when it has none.

    NotFound, never Forbidden: whether a client exists is not the caller's business.
    """
    for seat in seats_for(account_id):
        if client_id is None or seat.client_id == client_id:
            return seat
    raise NotFound()


def has_any_seat(account_id: int) -> bool:
    """Whether the account still has a link or a live, accepted grant in this co-op."""
    session = tenant_session()
    return bool(session.scalar(select(exists().where(CareLink.account_id == account_id)))
                or session.scalar(select(exists().where(
                    FamilyGrant.account_id == account_id, FamilyGrant.revoked_at.is_(None),
                    FamilyGrant.accepted_at.is_not(None)))))


def _sync_access(account_id: int) -> None:
    set_care_access(account_id, current_tenant().id, has_any_seat(account_id))


# -- the coordinator links a client record to a person ----------------------------------------


def links_of(client_id: int) -> list[CareLink]:
    """The accounts linked to a client record, the person first."""
    return list(tenant_session().scalars(select(CareLink).where(
        CareLink.client_id == client_id).order_by(CareLink.role, CareLink.id)))


def check_link(client_id: int, data: dict, *, account_id: int, actor_account_id: int) -> CareLink:
    """Link ``account_id`` to a client record as the person or their representative.

    ``data``: ``role``, ``consent_given_on`` and ``consent_how`` (loaded by the schema).
    The person's consent is recorded with the day, how it was given and by whom.
    """
    session = tenant_session()
    if session.get(Client, client_id) is None:
        raise NotFound()
    if data["consent_given_on"] > date.today():
        raise ValidationError({"consent_given_on": [str(_l(
            "The day consent was given cannot be in the future."))]})
    taken = session.scalar(select(CareLink).where(
        CareLink.client_id == client_id,
        or_(CareLink.role == data["role"], CareLink.account_id == account_id)))
    if taken is not None:
        field_name = "email" if taken.account_id == account_id else "role"
        raise ValidationError({field_name: [str(
            _l("This account is already linked to this person.") if field_name == "email"
            else _l("Someone is already linked in this role. End that link first."))]})
    link = CareLink(client_id=client_id, account_id=account_id, role=data["role"],
                    consent_given_on=data["consent_given_on"], consent_how=data["consent_how"],
                    consent_recorded_by=actor_account_id)
    session.add(link)
    session.flush()
    record(session, "care.linked", actor_account_id=actor_account_id, subject_type="client",
           subject_id=client_id, account_id=account_id, role=link.role,
           consent_given_on=link.consent_given_on.isoformat(), consent_how=link.consent_how)
    _sync_access(account_id)
    return link


def do_unlink(client_id: int, link_id: int, *, actor_account_id: int) -> None:
    """End a link: the account loses the page at once (the audit log keeps the history)."""
    session = tenant_session()
    link = session.get(CareLink, link_id)
    if link is None or link.client_id != client_id:
        raise NotFound()
    account_id, role = link.account_id, link.role
    session.delete(link)
    session.flush()
    record(session, "care.unlinked", actor_account_id=actor_account_id, subject_type="client",
           subject_id=client_id, account_id=account_id, role=role)
    _sync_access(account_id)


# -- the person's week ---------------------------------------------------------------------------


@dataclass
class Coming:
    """One visit as the person (or their family) is told about it."""

    day: date
    starts: time | None
    ends: time | None
    worker: str | None  # a first name, or None when not shared or not yet known
    worker_key: str | None  # "w<id>" (home worker) or "r<ref>" (lent), for wishes
    lent_from: str | None = None
    wish: str | None = None


@dataclass
class Week:
    """What a seat may see of one week."""

    seat: Seat
    monday: date
    visits: list[Coming] = field(default_factory=list)


def _wishes(client_id: int) -> dict[str, str]:
    rows = tenant_session().execute(select(
        CarerPreference.worker_id, CarerPreference.worker_ref, CarerPreference.wish).where(
        CarerPreference.client_id == client_id)).all()
    return {(f"w{wid}" if wid is not None else f"r{ref}"): wish for wid, ref, wish in rows}


def _visits(client_id: int, start: datetime, end: datetime) -> list[Coming]:
    session = tenant_session()
    guests = list(session.scalars(select(GuestAssignment).where(
        GuestAssignment.client_id == client_id, GuestAssignment.cancelled_at.is_(None),
        GuestAssignment.starts_at >= start, GuestAssignment.starts_at < end)))
    by_visit = {g.visit_id: g for g in guests if g.visit_id is not None}
    loose = [g for g in guests if g.visit_id is None]
    found = []
    for visit, name in session.execute(
            select(Visit, Worker.display_name).outerjoin(Worker, Worker.id == Visit.worker_id)
            .where(Visit.client_id == client_id, Visit.starts_at >= start, Visit.starts_at < end,
                   Visit.status.in_(SHOWN_STATUSES)).order_by(Visit.starts_at, Visit.id)).all():
        guest = by_visit.pop(visit.id, None)
        if guest is None and visit.worker_id is None:
            # A lent slot not tied to a visit covers the unstaffed visit at its time.
            guest = next((g for g in loose if g.starts_at == visit.starts_at), None)
            if guest is not None:
                loose.remove(guest)
        if visit.worker_id is not None:
            who, key, lender = first_name(name), f"w{visit.worker_id}", None
        elif guest is not None:
            who, key, lender = guest.worker_first_name, f"r{guest.worker_ref}", guest.lender_name
        else:
            who = key = lender = None
        found.append(Coming(visit.starts_at.date(), visit.starts_at.time(),
                            visit.ends_at.time(), who, key, lender))
    found += [Coming(g.starts_at.date(), g.starts_at.time(), g.ends_at.time(),
                     g.worker_first_name, f"r{g.worker_ref}", g.lender_name)
              for g in [*by_visit.values(), *loose]]
    return sorted(found, key=lambda c: (c.day, c.starts or time()))


def week_view(seat: Seat, week: date, *, actor_account_id: int, via: str) -> Week:
    """The seat's week of visits, cut to what it may see; the view is audited."""
    monday = monday_of(week)
    start = datetime.combine(monday, time())
    visits = _visits(seat.client_id, start, start + timedelta(days=7))
    wishes = _wishes(seat.client_id) if seat.speaks_for_person else {}
    for coming in visits:
        coming.wish = wishes.get(coming.worker_key)
        if not seat.sees_times:
            coming.starts = coming.ends = None
        if not seat.sees_names:
            coming.worker = coming.worker_key = coming.lent_from = None
        if not seat.speaks_for_person:
            coming.worker_key = None
    record(tenant_session(), "care.week_viewed", actor_account_id=actor_account_id,
           subject_type="client", subject_id=seat.client_id, via=via, seat=seat.role,
           week=monday.isoformat(), grant_id=seat.grant_id)
    return Week(seat, monday, visits)


# -- "I'd like ‹name› again" / "please not ‹name›" ------------------------------------------------


def _worker_of(client_id: int, worker_key: str) -> dict:
    """Resolve a wish's worker key; only someone who has visited (or will) can be named."""
    session = tenant_session()
    number = worker_key[1:]
    if worker_key.startswith("w") and number.isascii() and number.isdigit() \
            and len(worker_key) <= 10:
        worker_id = int(worker_key[1:])  # at most 9 digits: inside the INTEGER column's range
        known = session.scalar(select(exists().where(
            Visit.client_id == client_id, Visit.worker_id == worker_id))) or session.scalar(
            select(exists().where(RegularCarer.client_id == client_id,
                                  RegularCarer.worker_id == worker_id)))
        if known:
            return {"worker_id": worker_id}
    elif worker_key.startswith("r") and 0 < len(worker_key) - 1 <= 36:
        ref = worker_key[1:]
        if session.scalar(select(exists().where(GuestAssignment.client_id == client_id,
                                                GuestAssignment.worker_ref == ref))):
            return {"worker_ref": ref}
    raise ValidationError({"worker": [str(_l(
        "Choose one of the care workers who visit you."))]})


def check_set_wish(seat: Seat, worker_key: str, wish: str | None, *,
                   actor_account_id: int) -> str | None:
    """Record the person's wish about a carer ("again" or "not"), or clear it with None."""
    if not seat.speaks_for_person:
        raise Forbidden(str(_l("Only the person, or their representative, can say this.")))
    who = _worker_of(seat.client_id, worker_key)
    session = tenant_session()
    column = CarerPreference.worker_id if "worker_id" in who else CarerPreference.worker_ref
    value = next(iter(who.values()))
    current = session.scalar(select(CarerPreference).where(
        CarerPreference.client_id == seat.client_id, column == value))
    if wish is None:
        if current is not None:
            session.delete(current)
    elif current is None:
        session.add(CarerPreference(client_id=seat.client_id, wish=wish,
                                    set_by_account_id=actor_account_id, **who))
    else:
        current.wish, current.set_by_account_id, current.set_at = wish, actor_account_id, utcnow()
    session.flush()
    record(session, "care.wish_set", actor_account_id=actor_account_id, subject_type="client",
           subject_id=seat.client_id, wish=wish, seat=seat.role, **who)
    return wish


@UNWANTED_PAIRS.answer
def unwanted_pairs(client_ids) -> set[tuple[int, int]]:
    """(client id, worker id) for every "please not" about a home worker (the rota's hook)."""
    ids = list(client_ids)
    if not ids:
        return set()
    return {(c, w) for c, w in tenant_session().execute(
        select(CarerPreference.client_id, CarerPreference.worker_id).where(
            CarerPreference.client_id.in_(ids), CarerPreference.wish == "not",
            CarerPreference.worker_id.is_not(None))).all()}


def lending_hints(client_id: int) -> tuple[set[str], set[str]]:
    """Pool refs of lent workers the person asked for again, and asked not to have.

    Computed here, at home; only the pseudonymous refs go to the lending request.
    """
    again: set[str] = set()
    avoid: set[str] = set()
    for ref, wish in tenant_session().execute(
            select(CarerPreference.worker_ref, CarerPreference.wish).where(
                CarerPreference.client_id == client_id,
                CarerPreference.worker_ref.is_not(None))).all():
        (again if wish == "again" else avoid).add(ref)
    return again, avoid


# -- family: invited by the person, revocable ----------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def grants_of(client_id: int) -> list[FamilyGrant]:
    """The family invitations the person has made, newest first."""
    return list(tenant_session().scalars(select(FamilyGrant).where(
        FamilyGrant.client_id == client_id).order_by(FamilyGrant.id.desc())))


def check_invite_family(seat: Seat, data: dict, *, actor_account_id: int) -> FamilyGrant:
    """The person invites a family member by email and chooses what they will see.

    The token is made and emailed by a job after the commit; until then the row holds
    a random placeholder hash that no token was ever made for.
    """
    if not seat.speaks_for_person:
        raise Forbidden(str(_l("Only the person, or their representative, can invite family.")))
    if not (data["sees_times"] or data["sees_names"]):
        raise ValidationError({"sees": [str(_l(
            "Choose at least one thing they may see."))]})
    session = tenant_session()
    email = data["email"].strip().lower()
    live = session.scalar(select(FamilyGrant).where(
        FamilyGrant.client_id == seat.client_id, FamilyGrant.email == email,
        FamilyGrant.revoked_at.is_(None)))
    if live is not None:
        raise ValidationError({"email": [str(_l(
            "You have already invited this person. Stop their access first to change it."))]})
    grant = FamilyGrant(client_id=seat.client_id, email=email,
                        invited_by_account_id=actor_account_id,
                        sees_times=data["sees_times"], sees_names=data["sees_names"],
                        token_hash=secrets.token_hex(32),
                        expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    session.add(grant)
    session.flush()
    record(session, "care.family_invited", actor_account_id=actor_account_id, subject_type="client",
           subject_id=seat.client_id, grant_id=grant.id, sees_times=grant.sees_times,
           sees_names=grant.sees_names)
    enqueue_after_commit(session, FAMILY_MAIL_JOB, current_tenant().id, grant.id,
                         job_id=f"care-invite-{current_tenant().id}-{grant.id}")
    return grant


@dataclass(frozen=True)
class IssuedFamilyInvitation:
    """What the mail job needs: read in the job, never queued."""

    email: str
    person: str
    token: str
    expires_at: datetime


def issue_family_invitation(grant_id: int) -> IssuedFamilyInvitation | None:
    """Make the token and mark the invitation sent; None if already sent, used or void."""
    session = tenant_session()
    grant = session.get(FamilyGrant, grant_id)
    if (grant is None or grant.sent_at is not None or grant.accepted_at is not None
            or grant.revoked_at is not None or as_utc(grant.expires_at) <= utcnow()):
        return None
    token = secrets.token_urlsafe(32)
    grant.token_hash = _hash(token)
    grant.sent_at = utcnow()
    session.flush()
    record(session, "care.family_invitation_sent", subject_type="client",
           subject_id=grant.client_id, grant_id=grant.id)
    person = first_name(session.get(Client, grant.client_id).display_name)
    return IssuedFamilyInvitation(grant.email, person, token, as_utc(grant.expires_at))


class FamilyInvitationUnusable(NotFound):
    """This family invitation link cannot be used (unknown, used, stopped or expired)."""


def find_family_grant(token: str) -> FamilyGrant:
    """The usable invitation behind ``token``."""
    grant = tenant_session().scalar(select(FamilyGrant).where(
        FamilyGrant.token_hash == _hash(token), FamilyGrant.sent_at.is_not(None)))
    if (grant is None or grant.accepted_at is not None or grant.revoked_at is not None
            or as_utc(grant.expires_at) <= utcnow()):
        raise FamilyInvitationUnusable()
    return grant


def do_accept_family(token: str, account_id: int) -> FamilyGrant:
    """The family member accepts, once: the grant is theirs, and the index lets them in."""
    session = tenant_session()
    grant = find_family_grant(token)
    # Conditional update: of two acceptances racing, only one finds it unused.
    claimed = session.execute(update(FamilyGrant).where(
        FamilyGrant.id == grant.id, FamilyGrant.accepted_at.is_(None),
        FamilyGrant.revoked_at.is_(None)).values(accepted_at=utcnow(), account_id=account_id)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise FamilyInvitationUnusable()
    session.expire(grant)
    record(session, "care.family_accepted", actor_account_id=account_id,
           subject_type="client", subject_id=grant.client_id, grant_id=grant.id)
    _sync_access(account_id)
    return grant


def do_revoke_family(seat: Seat, grant_id: int, *, actor_account_id: int) -> FamilyGrant:
    """The person stops a family member's access, at once."""
    if not seat.speaks_for_person:
        raise Forbidden(str(_l("Only the person, or their representative, can do this.")))
    session = tenant_session()
    grant = session.get(FamilyGrant, grant_id)
    if grant is None or grant.client_id != seat.client_id:
        raise NotFound()
    if grant.revoked_at is None:
        grant.revoked_at = utcnow()
        session.flush()
        record(session, "care.family_revoked", actor_account_id=actor_account_id,
               subject_type="client",
               subject_id=seat.client_id, grant_id=grant.id)
        if grant.account_id is not None:
            _sync_access(grant.account_id)
    return grant


__all__ = ["Seat", "access_seat", "check_invite_family", "check_link", "check_set_wish",
           "do_accept_family", "do_revoke_family", "do_unlink", "lending_hints",
           "seats_for", "unwanted_pairs", "week_view"]
