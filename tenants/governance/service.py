"""Proposals and secret ballots: one member, one vote, with class vote caps.

**Secrecy.** Casting a vote writes two rows in one transaction: a
``BallotParticipation`` (this member voted) and a ``BallotChoice`` (a random key, the
ballot, the voting class and the choice: no member and no time). Nothing joins them.

**Class vote caps.** Let ``n_k`` be the votes cast (for, against and abstain) in class
``k``, and ``c_k`` its cap as a fraction (10% → 0.1). Every class starts with weight 1.
A capped class whose share of the weighted total ``T`` is more than ``c_k`` is *bound*:
its votes are scaled so that it counts for exactly ``c_k`` of the total. With ``B`` the
bound classes and ``F`` the raw votes of all the others::

    T   = F / (1 - Σ_{k∈B} c_k)
    w_k = c_k · T / n_k          for k in B (each of its votes counts w_k)
    w_k = 1                      otherwise

Binding a class lowers ``T``, so any class over its cap stays over; classes are bound
until none is over its cap. Example: 9 votes from an uncapped class and 6 from a class
capped at 10%: T = 9 / 0.9 = 10, the capped class counts 0.1 · 10 = 1 (w = 1/6), i.e.
exactly 10%. If no uncapped class voted there is nothing to hold the caps against, and
votes count as cast. Arithmetic is exact (fractions).

**Votes not cast online.** A coordinator records that a member voted on paper, by
post, with assistance or in the room (a participation, no choice); a second account
witnesses it and enters the choice from the paper, which writes the anonymous choice. Only
witnessed votes count. A proxy votes for the member who appointed them at a meeting. Every
method is one participation row per member and ballot, so a later online vote is refused.

**Outcome.** The quorum is a number of votes cast (abstentions count toward it). An
ordinary resolution passes with more weighted votes for than against; a special one
with at least 75% of the weighted votes for and against being for. Abstentions are not
votes for or against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core import formatting
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.timeutil import as_utc, utcnow
from tenants.audit.service import record
from tenants.governance.models import (
    Ballot,
    BallotChoice,
    BallotParticipation,
    GeneralMeeting,
    Proposal,
    ProxyAppointment,
)
from tenants.members.models import Member, MemberClass
from tenants.store import TenantSession

KINDS = ("ordinary", "special")
CHOICES = ("for", "against", "abstain")
OFFLINE_METHODS = ("paper", "postal", "assisted", "in_room")
SPECIAL_MAJORITY = Fraction(3, 4)


def _(text: str, **values) -> str:
    """Translate for the person asking; in a job or a shell, the English text."""
    if has_request_context():
        return gettext(text, **values)
    return text % values if values else text


# -- proposals and ballots -------------------------------------------------------------
def proposals_query() -> Select:
    """Proposals, newest first."""
    return select(Proposal).order_by(Proposal.id.desc())


def ballots_query() -> Select:
    """Ballots, the latest to open first."""
    return select(Ballot).order_by(Ballot.opens_at.desc(), Ballot.id.desc())


def overview(session: TenantSession) -> list[tuple[Proposal, Ballot | None]]:
    """Every proposal with its ballot, if it has one, newest first."""
    stmt = (select(Proposal, Ballot).outerjoin(Ballot, Ballot.proposal_id == Proposal.id)
            .order_by(Proposal.id.desc()))
    return [(row.Proposal, row.Ballot) for row in session.execute(stmt)]


def create_proposal(session: TenantSession, data: dict, *, actor_account_id: int | None,
                    ballot: dict | None = None) -> Proposal:
    """Put a resolution to the members, with its ballot when ``ballot`` gives the times."""
    meeting_id = data.get("meeting_id")
    if meeting_id is not None and session.get(GeneralMeeting, meeting_id) is None:
        raise ValidationError({"meeting_id": [_("There is no meeting with this id.")]})
    proposal = Proposal(title=data["title"].strip(), body=data.get("body", ""),
                        kind=data["kind"], created_by_account_id=actor_account_id,
                        meeting_id=meeting_id, easy_read=data.get("easy_read", "").strip())
    session.add(proposal)
    session.flush()
    record(session, "proposal.created", actor_account_id=actor_account_id,
           subject_type="proposal", subject_id=proposal.id, kind=proposal.kind)
    if ballot is not None:
        create_ballot(session, dict(ballot, proposal_id=proposal.id),
                      actor_account_id=actor_account_id)
    return proposal


def create_ballot(session: TenantSession, data: dict, *,
                  actor_account_id: int | None) -> Ballot:
    """Schedule the ballot on a proposal (one per proposal)."""
    proposal_id = data["proposal_id"]
    if session.get(Proposal, proposal_id) is None:
        raise ValidationError({"proposal_id": [_("There is no proposal with this id.")]})
    if session.scalar(select(Ballot.id).where(Ballot.proposal_id == proposal_id)):
        raise ValidationError({"proposal_id": [_("This proposal already has a ballot.")]})
    if data["closes_at"] <= data["opens_at"]:
        raise ValidationError({"closes_at": [_("The ballot must close after it opens.")]})
    ballot = Ballot(proposal_id=proposal_id, quorum=data["quorum"],
                    opens_at=data["opens_at"].astimezone(UTC),
                    closes_at=data["closes_at"].astimezone(UTC))
    session.add(ballot)
    session.flush()
    record(session, "ballot.created", actor_account_id=actor_account_id,
           subject_type="ballot", subject_id=ballot.id, proposal_id=proposal_id)
    return ballot


def get_proposal(session: TenantSession, proposal_id: int) -> Proposal:
    """One proposal; NotFound if it is not this co-op's."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("No such proposal."))
    return proposal


def get_ballot(session: TenantSession, ballot_id: int) -> Ballot:
    """One ballot; NotFound if it is not this co-op's."""
    ballot = session.get(Ballot, ballot_id)
    if ballot is None:
        raise NotFound(_("No such ballot."))
    return ballot


def ballot_for_proposal(session: TenantSession, proposal_id: int) -> Ballot | None:
    """The ballot on a proposal, if it has one."""
    return session.scalar(select(Ballot).where(Ballot.proposal_id == proposal_id))


def ballot_status(ballot: Ballot, now: datetime | None = None) -> str:
    """``scheduled``, ``open`` or ``closed``."""
    now = now or utcnow()
    if now < as_utc(ballot.opens_at):
        return "scheduled"
    return "open" if now < as_utc(ballot.closes_at) else "closed"


# -- voting ----------------------------------------------------------------------------
def voting_class(classes: list[MemberClass]) -> MemberClass | None:
    """The class a member's one vote counts in: an uncapped voting class if they have one,
    else the voting class with the largest cap (the one that restricts them least)."""
    voting = [c for c in classes if c.voting]
    if not voting:
        return None
    return min(voting, key=lambda c: (c.vote_cap_pct is not None,
                                      -(c.vote_cap_pct or 0), c.id))


def check_voter(session: TenantSession, account_id: int,
                today: date | None = None) -> tuple[Member, MemberClass]:
    """The member an account votes as, and their voting class; Forbidden says why not."""
    member = session.scalar(select(Member).where(Member.account_id == account_id))
    if member is None:
        raise Forbidden(_("You are not in this co-op's register of members, so you cannot "
                          "vote. Ask a coordinator to invite you."))
    return member, check_member_votes(member, today)


def check_member_votes(member: Member, today: date | None = None) -> MemberClass:
    """The class a member's vote counts in; Forbidden says why they have no vote today."""
    today = today or date.today()
    if member.left_on is not None and member.left_on <= today:
        raise Forbidden(_("You are no longer a member of this co-op, so you cannot vote."))
    if member.joined_on > today:
        raise Forbidden(_("Your membership starts on %(date)s; you can vote from then.",
                          date=formatting.day(member.joined_on)))
    member_class = voting_class(member.classes)
    if member_class is None:
        raise Forbidden(_("Your member class has no vote, so you cannot vote. Associate "
                          "members, supporters and foster carers take part without a vote."))
    return member_class


def cast_vote(session: TenantSession, ballot_id: int, account_id: int, choice: str, *,
              now: datetime | None = None) -> Ballot:
    """Record one member's one vote, secretly: participation and choice in one transaction.

    The unique (ballot, member) constraint refuses a second vote even when two requests
    race; the losing one gets a Conflict.
    """
    if choice not in CHOICES:
        raise ValidationError({"choice": [_("Choose for, against or abstain.")]})
    ballot = get_ballot(session, ballot_id)
    status = ballot_status(ballot, now)
    if status == "scheduled":
        raise Conflict(_("This ballot has not opened yet."))
    if status == "closed":
        raise Conflict(_("This ballot has closed."))
    member, member_class = check_voter(session, account_id)
    try:
        with session.begin_nested():
            session.add(BallotParticipation(ballot_id=ballot.id, member_id=member.id))
            session.add(BallotChoice(ballot_id=ballot.id, class_id=member_class.id,
                                     choice=choice))
            session.flush()
    except IntegrityError:
        raise _already_voted(session, ballot.id, member.id, yourself=True) from None
    # The audit row says who voted, never how.
    record(session, "ballot.voted", actor_account_id=account_id, subject_type="ballot",
           subject_id=ballot.id)
    return ballot


def _already_voted(session: TenantSession, ballot_id: int, member_id: int, *,
                   yourself: bool) -> Conflict:
    method = session.scalar(select(BallotParticipation.method).where(
        BallotParticipation.ballot_id == ballot_id, BallotParticipation.member_id == member_id))
    if yourself and method not in (None, "online"):
        return Conflict(_("A vote has already been recorded for you in this ballot (%(how)s). "
                          "Each member has one vote.", how=method_label(method)))
    if yourself:
        return Conflict(_("You have already voted in this ballot. Each member has one vote."))
    return Conflict(_("This member has already voted in this ballot (%(how)s). Each member "
                      "has one vote.", how=method_label(method or "online")))


def method_label(method: str) -> str:
    """How a vote was given, in words."""
    return {"online": _("online"), "paper": _("on paper"), "postal": _("by post"),
            "assisted": _("with assistance"), "in_room": _("in the room at the meeting"),
            "proxy": _("by proxy")}[method]


def _open_ballot(session: TenantSession, ballot_id: int, now: datetime | None) -> Ballot:
    ballot = get_ballot(session, ballot_id)
    status = ballot_status(ballot, now)
    if status == "scheduled":
        raise Conflict(_("This ballot has not opened yet."))
    if status == "closed":
        raise Conflict(_("This ballot has closed."))
    return ballot


def record_offline_vote(session: TenantSession, ballot_id: int, member_id: int, method: str,
                        *, actor_account_id: int, now: datetime | None = None
                        ) -> BallotParticipation:
    """Record that a member voted on paper, by post, with assistance or in the room.

    This writes the participation only: from now on the member cannot vote again, online
    or otherwise. The vote counts once another account witnesses it (``witness_vote``).
    """
    if method not in OFFLINE_METHODS:
        raise ValidationError({"method": [_("Choose paper, postal, assisted or in the room.")]})
    ballot = _open_ballot(session, ballot_id, now)
    member = session.get(Member, member_id)
    if member is None:
        raise ValidationError({"member_id": [_("There is no member with this id.")]})
    try:
        check_member_votes(member)
    except Forbidden as exc:
        raise ValidationError({"member_id": [exc.message]}) from None
    if method == "in_room":
        _check_in_room(session, ballot, member.id)
    participation = BallotParticipation(ballot_id=ballot.id, member_id=member.id, method=method,
                                        recorded_by_account_id=actor_account_id)
    try:
        with session.begin_nested():
            session.add(participation)
            session.flush()
    except IntegrityError:
        raise _already_voted(session, ballot.id, member.id, yourself=False) from None
    record(session, "ballot.vote_recorded", actor_account_id=actor_account_id,
           subject_type="ballot", subject_id=ballot.id, member_id=member.id, method=method)
    return participation


def _check_in_room(session: TenantSession, ballot: Ballot, member_id: int) -> None:
    from tenants.governance.models import MeetingAttendance

    meeting_id = session.scalar(select(Proposal.meeting_id).where(
        Proposal.id == ballot.proposal_id))
    if meeting_id is None:
        raise ValidationError({"method": [_(
            "This proposal is not before a meeting, so nobody can vote in the room.")]})
    if session.get(MeetingAttendance, (meeting_id, member_id)) is None:
        raise ValidationError({"member_id": [_(
            "This member is not in the meeting's attendance register. Record that they are "
            "present first.")]})


def pending_votes(session: TenantSession, ballot_id: int) -> list[tuple[BallotParticipation,
                                                                        Member]]:
    """Votes recorded on a member's behalf that nobody has witnessed yet."""
    stmt = (select(BallotParticipation, Member)
            .join(Member, Member.id == BallotParticipation.member_id)
            .where(BallotParticipation.ballot_id == ballot_id,
                   BallotParticipation.method.in_(OFFLINE_METHODS),
                   BallotParticipation.witnessed_at.is_(None))
            .order_by(BallotParticipation.id))
    return [(row[0], row[1]) for row in session.execute(stmt)]


def witness_vote(session: TenantSession, participation_id: int, choice: str, *,
                 actor_account_id: int, now: datetime | None = None) -> BallotParticipation:
    """A second person witnesses a recorded vote and enters the choice from the paper.

    The choice is written as an anonymous row, exactly as an online vote is; the
    participation only gains who witnessed it and when. The person who recorded the vote
    cannot witness it (the database refuses it as well).
    """
    if choice not in CHOICES:
        raise ValidationError({"choice": [_("Choose for, against or abstain.")]})
    participation = session.get(BallotParticipation, participation_id)
    if participation is None or participation.method not in OFFLINE_METHODS:
        raise NotFound(_("No such vote waiting for a witness."))
    if participation.witnessed_at is not None:
        raise Conflict(_("This vote has already been witnessed and counted."))
    if participation.recorded_by_account_id == actor_account_id:
        raise Forbidden(_("You recorded this vote, so someone else must witness it. Ask "
                          "another coordinator or admin."))
    ballot = _open_ballot(session, participation.ballot_id, now)
    member = session.get(Member, participation.member_id)
    member_class = check_member_votes(member)
    # Conditional update: of two witnesses racing, only one counts the vote.
    claimed = session.execute(
        update(BallotParticipation)
        .where(BallotParticipation.id == participation.id,
               BallotParticipation.witnessed_at.is_(None))
        .values(witnessed_at=now or utcnow(), witnessed_by_account_id=actor_account_id)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Conflict(_("This vote has already been witnessed and counted."))
    session.add(BallotChoice(ballot_id=ballot.id, class_id=member_class.id, choice=choice))
    session.flush()
    session.refresh(participation)
    record(session, "ballot.vote_witnessed", actor_account_id=actor_account_id,
           subject_type="ballot", subject_id=ballot.id, member_id=member.id,
           method=participation.method)
    return participation


def cast_proxy_vote(session: TenantSession, ballot_id: int, account_id: int, member_id: int,
                    choice: str, *, now: datetime | None = None) -> Ballot:
    """A proxy votes for the member who appointed them for the proposal's meeting.

    The choice counts in the appointing member's voting class; the participation is the
    appointing member's, so they cannot vote again themselves.
    """
    if choice not in CHOICES:
        raise ValidationError({"choice": [_("Choose for, against or abstain.")]})
    ballot = _open_ballot(session, ballot_id, now)
    proxy, _class = check_voter(session, account_id)
    meeting_id = session.scalar(select(Proposal.meeting_id).where(
        Proposal.id == ballot.proposal_id))
    appointed = meeting_id is not None and session.scalar(select(ProxyAppointment.id).where(
        ProxyAppointment.meeting_id == meeting_id, ProxyAppointment.member_id == member_id,
        ProxyAppointment.proxy_member_id == proxy.id)) is not None
    if not appointed:
        raise Forbidden(_("You are not this member's proxy for the meeting this proposal is "
                          "before."))
    member = get_member_for_vote(session, member_id)
    member_class = check_member_votes(member)
    try:
        with session.begin_nested():
            session.add(BallotParticipation(ballot_id=ballot.id, member_id=member.id,
                                            method="proxy", proxy_member_id=proxy.id))
            session.add(BallotChoice(ballot_id=ballot.id, class_id=member_class.id,
                                     choice=choice))
            session.flush()
    except IntegrityError:
        raise _already_voted(session, ballot.id, member.id, yourself=False) from None
    record(session, "ballot.voted_by_proxy", actor_account_id=account_id,
           subject_type="ballot", subject_id=ballot.id, member_id=member.id,
           proxy_member_id=proxy.id)
    return ballot


def get_member_for_vote(session: TenantSession, member_id: int) -> Member:
    """A member of this co-op by id; NotFound otherwise."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(_("No such member."))
    return member


def counted() -> object:
    """The participations whose vote counts: cast by the member or proxy, or witnessed."""
    return or_(BallotParticipation.method.in_(("online", "proxy")),
               BallotParticipation.witnessed_at.is_not(None))


def turnout(session: TenantSession, ballot_id: int) -> int:
    """How many members' votes count so far (recorded votes once witnessed)."""
    return session.scalar(select(func.count(BallotParticipation.id)).where(
        BallotParticipation.ballot_id == ballot_id, counted())) or 0


def has_voted(session: TenantSession, ballot_id: int, account_id: int) -> bool:
    """Whether the member linked to this account has voted in the ballot."""
    return session.scalar(select(BallotParticipation.id).join(
        Member, Member.id == BallotParticipation.member_id).where(
        BallotParticipation.ballot_id == ballot_id, Member.account_id == account_id)) is not None


# -- results ---------------------------------------------------------------------------
def class_weights(cast: dict[int, int], caps: dict[int, Fraction | None]) -> dict[int, Fraction]:
    """The weight of one vote in each class, given votes cast per class and caps (fractions).

    See the module docstring for the formula.
    """
    weights = {k: Fraction(1) for k in cast}
    if not any(n for k, n in cast.items() if caps.get(k) is None):
        return weights
    bound: set[int] = set()
    while True:
        free = sum(n for k, n in cast.items() if k not in bound)
        total = Fraction(free) / (1 - sum(caps[k] for k in bound))
        over = {k for k, n in cast.items() if k not in bound and n
                and caps.get(k) is not None and n > caps[k] * total}
        if not over:
            break
        bound |= over
    for k in bound:
        weights[k] = caps[k] * total / cast[k]
    return weights


def _counts() -> dict[str, Fraction]:
    return {c: Fraction(0) for c in CHOICES}


@dataclass
class ClassTally:
    """One class's votes, weight and share of the weighted total."""

    class_id: int
    code: str
    name_en: str
    name_cy: str
    cap_pct: Fraction | None
    raw: dict[str, Fraction] = field(default_factory=_counts)
    weight: Fraction = Fraction(1)
    weighted_share: Fraction = Fraction(0)

    def name(self, locale: str) -> str:
        """The class name in ``locale``."""
        return self.name_cy if locale == "cy" else self.name_en


@dataclass
class Result:
    """A ballot's turnout, and once it has closed its counts and outcome."""

    ballot_id: int
    status: str
    turnout: int
    quorum: int
    quorum_met: bool
    raw: dict[str, Fraction] | None = None
    weighted: dict[str, Fraction] | None = None
    classes: list[ClassTally] | None = None
    passed: bool | None = None
    reason: str | None = None

    @property
    def explanation(self) -> str | None:
        """Why it passed or not, in the current language."""
        return explain(self)


def explain(result: Result) -> str | None:
    """The outcome in words."""
    if result.reason is None:
        return None
    messages = {
        "quorum_not_met": _("Not passed: %(turnout)s votes were cast and the quorum is "
                            "%(quorum)s.", turnout=result.turnout, quorum=result.quorum),
        "no_votes": _("Not passed: nobody voted for or against."),
        "meeting_not_quorate": _("Not passed: the meeting it was put to did not have enough "
                                 "members present to be quorate."),
        "majority": _("Passed: more votes for than against (a simple majority of votes "
                      "cast)."),
        "no_majority": _("Not passed: there were not more votes for than against."),
        "special_majority": _("Passed: at least 75% of the votes cast were for, as a "
                              "special resolution needs."),
        "special_not_reached": _("Not passed: a special resolution needs at least 75% of the "
                                 "votes cast to be for."),
    }
    return messages[result.reason]


def tally(session: TenantSession, ballot_id: int, *, now: datetime | None = None) -> Result:
    """Turnout while the ballot is open; once closed, the counts, class weights and outcome."""
    ballot = get_ballot(session, ballot_id)
    proposal = session.get(Proposal, ballot.proposal_id)
    count = turnout(session, ballot.id)
    result = Result(ballot.id, ballot_status(ballot, now), count, ballot.quorum,
                    count >= ballot.quorum)
    if result.status != "closed":
        return result
    rows = session.execute(
        select(BallotChoice.class_id, BallotChoice.choice, func.count())
        .where(BallotChoice.ballot_id == ballot.id)
        .group_by(BallotChoice.class_id, BallotChoice.choice)).all()
    class_ids = {row[0] for row in rows}
    classes = {c.id: c for c in session.scalars(
        select(MemberClass).where(MemberClass.id.in_(class_ids)))}
    tallies: dict[int, ClassTally] = {}
    for class_id, choice, n in rows:
        c = classes[class_id]
        cap = None if c.vote_cap_pct is None else Fraction(c.vote_cap_pct)
        tally_ = tallies.setdefault(class_id, ClassTally(class_id, c.code, c.name_en,
                                                         c.name_cy, cap))
        tally_.raw[choice] += n
    cast = {k: int(sum(t.raw.values())) for k, t in tallies.items()}
    caps = {k: (None if t.cap_pct is None else t.cap_pct / 100) for k, t in tallies.items()}
    weights = class_weights(cast, caps)
    raw, weighted = _counts(), _counts()
    for k, t in tallies.items():
        t.weight = weights[k]
        for choice in CHOICES:
            raw[choice] += t.raw[choice]
            weighted[choice] += t.raw[choice] * t.weight
    total = sum(weighted.values())
    for k, t in tallies.items():
        t.weighted_share = cast[k] * t.weight / total if total else Fraction(0)
    result.raw, result.weighted = raw, weighted
    result.classes = sorted(tallies.values(), key=lambda t: t.class_id)
    result.passed, result.reason = _outcome(proposal.kind, result.quorum_met, weighted)
    if proposal.meeting_id is not None and result.passed:
        from tenants.governance.meetings import quorum

        # A resolution before a meeting needs the meeting to have been quorate.
        if not quorum(session, proposal.meeting_id).met:
            result.passed, result.reason = False, "meeting_not_quorate"
    return result


def _outcome(kind: str, quorum_met: bool, weighted: dict[str, Fraction]) -> tuple[bool, str]:
    decided = weighted["for"] + weighted["against"]
    if not quorum_met:
        return False, "quorum_not_met"
    if decided == 0:
        return False, "no_votes"
    if kind == "special":
        if weighted["for"] >= SPECIAL_MAJORITY * decided:
            return True, "special_majority"
        return False, "special_not_reached"
    if weighted["for"] > weighted["against"]:
        return True, "majority"
    return False, "no_majority"
