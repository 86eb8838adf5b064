"""The register of members, its member classes, and invitations to sign in.

Every change writes a co-op audit row in the same transaction. Functions flush; the
request or job boundary commits. Invitations are sent by a job (``member.invited``
goes through the outbox), which calls ``issue_invitation`` to make the token.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import Select, func, select, update

from core.csvsafe import safe_cell
from core.errors import Conflict, DomainError, NotFound, ValidationError
from core.timeutil import as_utc, utcnow
from tenants.audit.service import record
from tenants.members.models import Invitation, Member, MemberClass
from tenants.outbox.service import emit
from tenants.registry.models import Role
from tenants.store import TenantSession

INVITATION_DAYS = 14
REGISTER_COLUMNS = ("Name", "Postal address", "Date admitted", "Date ceased", "Shares held",
                    "Class(es)")
_CLASS_FIELDS = ("voting", "vote_cap_pct", "min_shares", "eligibility_en", "eligibility_cy",
                 "care_related")
_MEMBER_FIELDS = ("display_name", "email", "postal_address", "joined_on", "left_on",
                  "shares_held")


def _(text: str, **values) -> str:
    """Translate for the person asking; in a job or a shell, the English text."""
    if has_request_context():
        return gettext(text, **values)
    return text % values if values else text


# -- member classes ------------------------------------------------------------------
def classes_query() -> Select:
    """The co-op's member classes, in the order they were made."""
    return select(MemberClass).order_by(MemberClass.id)


def list_classes(session: TenantSession) -> list[MemberClass]:
    """The co-op's member classes, in the order they were made."""
    return list(session.scalars(classes_query()))


def get_class(session: TenantSession, class_id: int) -> MemberClass:
    """One member class; NotFound if it is not this co-op's."""
    member_class = session.get(MemberClass, class_id)
    if member_class is None:
        raise NotFound(_("No such member class."))
    return member_class


def update_class(session: TenantSession, class_id: int, changes: dict, *,
                 actor_account_id: int | None) -> MemberClass:
    """Change a class's vote, vote cap, minimum shareholding or eligibility (admins).

    A vote cap only makes sense on a voting class; the database refuses it as well.
    """
    member_class = get_class(session, class_id)
    voting = changes.get("voting", member_class.voting)
    cap = changes.get("vote_cap_pct", member_class.vote_cap_pct)
    if cap is not None and not voting:
        raise ValidationError({"vote_cap_pct": [_(
            "A class without a vote cannot have a vote cap. Remove the cap or give the "
            "class a vote.")]})
    changed = sorted(k for k in _CLASS_FIELDS
                     if k in changes and changes[k] != getattr(member_class, k))
    for key in changed:
        setattr(member_class, key, changes[key])
    record(session, "member_class.updated", actor_account_id=actor_account_id,
           subject_type="member_class", subject_id=member_class.id, fields=changed)
    session.flush()
    return member_class


# -- who sees what in the register (CCBS Act 2014 s.103) ---------------------------------
SEES_EVERYTHING = (Role.ADMIN, Role.COORDINATOR)


@dataclass(frozen=True)
class Viewer:
    """Someone reading the register: their role, and their own entry if they have one.

    A member may inspect the register except other members' shareholdings (s.103); a
    class label that reveals care is special-category data. So members and workers see
    names, dates and the other classes; their own entry in full; admins and coordinators,
    who keep the register, see everything.
    """

    role: str
    member_id: int | None

    @property
    def sees_everything(self) -> bool:
        """Whether this person keeps the register."""
        return self.role in SEES_EVERYTHING

    def sees_account_of(self, member_id: int) -> bool:
        """Whether they may see this member's shareholding and every class."""
        return self.sees_everything or member_id == self.member_id


def viewer_for(session: TenantSession, role: str, account_id: int | None) -> Viewer:
    """The viewer for a role and account in this co-op."""
    own = None if account_id is None else session.scalar(
        select(Member.id).where(Member.account_id == account_id))
    return Viewer(str(role), own)


def visible_classes(member: Member, viewer: Viewer) -> list[MemberClass]:
    """The member's classes this viewer may see: care-related labels only on their own
    entry, or to those who keep the register."""
    if viewer.sees_account_of(member.id):
        return list(member.classes)
    return [c for c in member.classes if not c.care_related]


def visible_holding(member: Member, viewer: Viewer) -> int | None:
    """The member's shareholding, or None where this viewer may not see it."""
    return member.shares_held if viewer.sees_account_of(member.id) else None


# -- the register --------------------------------------------------------------------
def members_query(*, current_only: bool = False, today: date | None = None) -> Select:
    """The register, by name; ``current_only`` leaves out members who have left."""
    stmt = select(Member).order_by(Member.display_name, Member.id)
    if current_only:
        today = today or date.today()
        stmt = stmt.where((Member.left_on.is_(None)) | (Member.left_on > today))
    return stmt


def page_of_members(session: TenantSession, page: int, size: int) -> tuple[list[Member], int]:
    """One page of the register, and how many entries it has in all."""
    stmt = members_query()
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return list(session.scalars(stmt.offset((page - 1) * size).limit(size))), total


def get_member(session: TenantSession, member_id: int) -> Member:
    """One register entry; NotFound if it is not this co-op's."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(_("No such member."))
    return member


def member_for_account(session: TenantSession, account_id: int) -> Member | None:
    """The register entry linked to a federation account, if any."""
    return session.scalar(select(Member).where(Member.account_id == account_id))


def _classes_by_code(session: TenantSession, codes: list[str]) -> list[MemberClass]:
    found = {c.code: c for c in session.scalars(
        select(MemberClass).where(MemberClass.code.in_(codes)))}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError({"classes": [_("Unknown member class: %(code)s.", code=code)
                                          for code in unknown]})
    return [found[code] for code in dict.fromkeys(codes)]


def _check_member(member: Member, classes: list[MemberClass]) -> None:
    errors: dict[str, list[str]] = {}
    needed = max((c.min_shares for c in classes), default=0)
    if member.shares_held < needed:
        errors["shares_held"] = [_(
            "Members of this class must hold at least %(count)s shares.", count=needed)]
    if member.left_on is not None and member.left_on < member.joined_on:
        errors["left_on"] = [_(
            "The date they left must be on or after the date they joined.")]
    if errors:
        raise ValidationError(errors)


def _apply(member: Member, data: dict) -> list[str]:
    changed = []
    for key in _MEMBER_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "email" and value:
            value = value.strip().lower()
        if isinstance(value, str) and key != "display_name":
            value = value.strip() or None
        if getattr(member, key) != value:
            setattr(member, key, value)
            changed.append(key)
    return changed


def create_member(session: TenantSession, data: dict, *,
                  actor_account_id: int | None) -> Member:
    """Add a person to the register, in one or more classes."""
    classes = _classes_by_code(session, data["classes"])
    # Unless told otherwise, a new member holds the least their classes require.
    member = Member(shares_held=max((c.min_shares for c in classes), default=0))
    _apply(member, data)
    member.classes = classes
    _check_member(member, classes)
    session.add(member)
    session.flush()
    record(session, "member.added", actor_account_id=actor_account_id, subject_type="member",
           subject_id=member.id, classes=[c.code for c in classes])
    from tenants.members.shares import settle_opening

    # The shares they hold on admission open their share account.
    settle_opening(session, member, member.shares_held, on=member.joined_on,
                   actor_account_id=actor_account_id, note="Held on admission")
    return member


def update_member(session: TenantSession, member_id: int, data: dict, *,
                  actor_account_id: int | None) -> Member:
    """Change a register entry (name, contact, dates, shares, classes)."""
    member = get_member(session, member_id)
    shares_before = member.shares_held
    # Check before the database does, so the refusal names the field.
    with session.no_autoflush:
        changed = _apply(member, data)
        classes = member.classes
        if "classes" in data:
            classes = _classes_by_code(session, data["classes"])
            if [c.id for c in classes] != [c.id for c in member.classes]:
                member.classes = classes
                changed.append("classes")
        _check_member(member, classes)
    record(session, "member.updated", actor_account_id=actor_account_id, subject_type="member",
           subject_id=member.id, fields=changed)
    session.flush()
    if member.shares_held != shares_before:
        from tenants.members.shares import settle_opening

        # A figure changed in the register is a correction to the share account.
        settle_opening(session, member, member.shares_held - shares_before, on=date.today(),
                       actor_account_id=actor_account_id, note="Correction in the register")
    return member


def mark_left(session: TenantSession, member_id: int, left_on: date, *,
              actor_account_id: int | None) -> Member:
    """Record the date a member ceased to be a member; the entry stays in the register."""
    return update_member(session, member_id, {"left_on": left_on},
                         actor_account_id=actor_account_id)


def register_csv(session: TenantSession, *, actor_account_id: int | None) -> str:
    """The register in the layout of a society's statutory register (CCBS Act 2014 s.30).

    Name, postal address, date admitted, date ceased and shares held, plus class(es);
    former members stay in it. Exporting it is audited, since it holds addresses.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REGISTER_COLUMNS)
    members = session.scalars(select(Member).order_by(Member.joined_on, Member.id)).all()
    for m in members:
        writer.writerow([safe_cell(m.display_name), safe_cell(m.postal_address or ""),
                         m.joined_on.isoformat(), m.left_on.isoformat() if m.left_on else "",
                         m.shares_held, "; ".join(c.name_en for c in m.classes)])
    record(session, "member.register_exported", actor_account_id=actor_account_id,
           rows=len(members))
    return out.getvalue()


# -- invitations -----------------------------------------------------------------------
def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_member(session: TenantSession, member_id: int, *,
                  actor_account_id: int | None) -> Invitation:
    """Invite a member to sign in: an invitation row and a ``member.invited`` event.

    The token is made and emailed by the job. Until then the row holds a random
    placeholder hash that no token was ever made for.
    """
    member = session.get(Member, member_id)
    if member is None:
        raise ValidationError({"member_id": [_("There is no member with this id.")]})
    if not member.email:
        raise ValidationError({"member_id": [_(
            "This member has no email address in the register. Add one first.")]})
    if member.left_on is not None and member.left_on <= date.today():
        raise ValidationError({"member_id": [_("This person is no longer a member.")]})
    if member.account_id is not None:
        raise ValidationError({"member_id": [_("This member already signs in.")]})
    waiting = session.scalar(select(Invitation).where(
        Invitation.member_id == member.id, Invitation.sent_at.is_(None),
        Invitation.accepted_at.is_(None)))
    if waiting is not None:
        return waiting  # already on its way (a double click, a second run of a job)
    invitation = Invitation(member_id=member.id, token_hash=secrets.token_hex(32),
                            expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    session.add(invitation)
    session.flush()
    emit(session, "member.invited", invitation_id=invitation.id)
    record(session, "member.invited", actor_account_id=actor_account_id, subject_type="member",
           subject_id=member.id, invitation_id=invitation.id)
    return invitation


@dataclass(frozen=True)
class IssuedInvitation:
    """What the mail job needs to send an invitation: read in the job, never queued."""

    invitation_id: int
    email: str
    display_name: str
    token: str
    expires_at: datetime


def issue_invitation(session: TenantSession, invitation_id: int, *,
                     resend: bool = False) -> IssuedInvitation | None:
    """Make the invitation's token and mark it sent; None if it was sent already or is void.

    Only the token's sha256 is stored. If sending then fails, the caller rolls back and
    a retry makes a new token, so a link that was never stored is never emailed twice.
    ``resend`` makes a new token for an invitation marked sent whose email never went
    out (its sender died: the mail job knows this from its claim on the email).
    """
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.accepted_at or (
            invitation.sent_at is not None and not resend):
        return None
    member = session.get(Member, invitation.member_id)
    if member is None or not member.email or as_utc(invitation.expires_at) <= utcnow():
        return None
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.sent_at = utcnow()
    record(session, "invitation.sent", subject_type="member", subject_id=member.id,
           invitation_id=invitation.id)
    session.flush()
    return IssuedInvitation(invitation.id, member.email, member.display_name, token,
                            as_utc(invitation.expires_at))


def unsent_invitations(session: TenantSession, created_before: datetime,
                       limit: int = 500) -> list[int]:
    """Ids of live invitations not yet emailed, made before ``created_before`` (for the
    sweeper, which queues their email again when its job was lost)."""
    return list(session.scalars(select(Invitation.id).where(
        Invitation.sent_at.is_(None), Invitation.accepted_at.is_(None),
        Invitation.expires_at > utcnow(), Invitation.created_at < created_before)
        .order_by(Invitation.id).limit(limit)))


class InvitationUnusable(DomainError):
    """This invitation link cannot be used."""

    status = 410
    code = "invitation_unusable"

    def __init__(self, reason: str):
        super().__init__(reason, reason=reason)
        self.reason = reason
        if reason == "unknown":
            self.status = 404


def find_invitation(session: TenantSession, token: str) -> Invitation:
    """The usable invitation for ``token``; InvitationUnusable says why not (unknown,
    used or expired)."""
    invitation = session.scalar(select(Invitation).where(
        Invitation.token_hash == _hash(token), Invitation.sent_at.is_not(None)))
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.accepted_at is not None:
        raise InvitationUnusable("used")
    if as_utc(invitation.expires_at) <= utcnow():
        raise InvitationUnusable("expired")
    return invitation


def accept_invitation(session: TenantSession, token: str, account_id: int) -> Member:
    """Link the invited member to the signed-in account, once."""
    invitation = find_invitation(session, token)
    member = get_member(session, invitation.member_id)
    if member.account_id not in (None, account_id):
        raise InvitationUnusable("used")
    other = member_for_account(session, account_id)
    if other is not None and other.id != member.id:
        raise Conflict(_("Your account is already linked to another member of this co-op."))
    # Conditional update: of two acceptances racing, only one finds it unused.
    claimed = session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise InvitationUnusable("used")
    member.account_id = account_id
    record(session, "invitation.accepted", actor_account_id=account_id, subject_type="member",
           subject_id=member.id, invitation_id=invitation.id)
    session.flush()
    return member
