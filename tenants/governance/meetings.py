"""General meetings: notice, attendance, proxies, quorum, minutes and discussion.

A meeting is called with a set number of *clear days'* notice (the day notice is given
and the day of the meeting do not count), from the co-op's rules. Each current member is
given notice once: by email where the register has an address, otherwise by a printed
letter. The quorum is a number of members present, counting members represented by a
proxy where the co-op's rules allow proxies. Proposals (resolutions) can be tied to a
meeting; their ballots then combine votes cast online, in the room, on paper and by
proxy into one result, and a resolution before a meeting that was not quorate fails.

The co-op's rules are per-co-op settings (``settings`` table) over these defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from core import formatting
from core.errors import Conflict, NotFound, ValidationError
from core.timeutil import LOCAL, as_utc, utcnow
from tenants.audit.service import record
from tenants.governance.models import (
    GeneralMeeting,
    MeetingAttendance,
    MeetingNotice,
    Proposal,
    ProposalComment,
    ProxyAppointment,
)
from tenants.governance.service import _, check_member_votes
from tenants.members.models import Member
from tenants.members.service import members_query
from tenants.outbox.service import emit
from tenants.settings_models import CoopSetting
from tenants.store import TenantSession

MEETING_KINDS = ("annual", "general")

# The co-op's rules (its registered rules say which), over these defaults. The last three
# are read by the reminders and the share account; they are set here with the others.
RULE_DEFAULTS = {
    "meeting_notice_clear_days": 14,
    "proxies_allowed": False,
    "proxy_limit": 2,
    "financial_year_end": "12-31",
    "agm_within_months": 6,
    "share_value_pence": 100,
}


def rule(session: TenantSession, key: str):
    """The co-op's setting ``key``, or the default."""
    setting = session.get(CoopSetting, key)
    return RULE_DEFAULTS[key] if setting is None or setting.value is None else setting.value


def society_rules(session: TenantSession) -> dict:
    """Every rule, the co-op's own value or the default."""
    return {key: rule(session, key) for key in RULE_DEFAULTS}


def update_rules(session: TenantSession, changes: dict, *,
                 actor_account_id: int | None) -> dict:
    """Change some of the co-op's rules (admins); each change is audited."""
    if "financial_year_end" in changes:
        try:
            month, day = (int(p) for p in changes["financial_year_end"].split("-"))
            date(2024, month, day)  # a leap year, so 02-29 is allowed
        except ValueError:
            raise ValidationError({"financial_year_end": [_(
                "Enter the year end as month and day, like 03-31.")]}) from None
    for key, value in changes.items():
        if value != rule(session, key):
            set_rule(session, key, value, actor_account_id=actor_account_id)
    return society_rules(session)


def set_rule(session: TenantSession, key: str, value, *, actor_account_id: int | None) -> None:
    """Change one of the co-op's rules (admins), audited."""
    if key not in RULE_DEFAULTS:
        raise ValidationError({key: [_("Unknown setting.")]})
    setting = session.get(CoopSetting, key)
    if setting is None:
        session.add(CoopSetting(key=key, value=value))
    else:
        setting.value = value
    record(session, "governance.rule_changed", actor_account_id=actor_account_id,
           setting=key, value=value)
    session.flush()


# -- meetings --------------------------------------------------------------------------
def meetings_query():
    """Meetings, the latest first."""
    return select(GeneralMeeting).order_by(GeneralMeeting.held_at.desc(), GeneralMeeting.id.desc())


def get_meeting(session: TenantSession, meeting_id: int) -> GeneralMeeting:
    """One meeting; NotFound if it is not this co-op's."""
    meeting = session.get(GeneralMeeting, meeting_id)
    if meeting is None:
        raise NotFound(_("No such meeting."))
    return meeting


def last_notice_day(held_at: datetime, notice_days: int) -> date:
    """The last day notice can be given, leaving ``notice_days`` clear days before."""
    return as_utc(held_at).astimezone(LOCAL).date() - timedelta(days=notice_days + 1)


def create_meeting(session: TenantSession, data: dict, *, actor_account_id: int | None,
                   today: date | None = None) -> GeneralMeeting:
    """Call a general meeting, with the notice period and proxy rule the co-op has now."""
    today = today or datetime.now(LOCAL).date()
    notice_days = int(rule(session, "meeting_notice_clear_days"))
    held_at = data["held_at"].astimezone(UTC)
    latest = last_notice_day(held_at, notice_days)
    if latest < today:
        raise ValidationError({"held_at": [_(
            "The co-op's rules need %(days)s clear days' notice, so the meeting can be held "
            "on %(date)s at the earliest.", days=notice_days,
            date=formatting.day(today + timedelta(days=notice_days + 1)))]})
    meeting = GeneralMeeting(kind=data["kind"], title=data["title"].strip(), held_at=held_at,
                             place=data.get("place", "").strip(), quorum=data["quorum"],
                             notice_days=notice_days,
                             proxies_allowed=bool(rule(session, "proxies_allowed")),
                             created_by_account_id=actor_account_id)
    session.add(meeting)
    session.flush()
    record(session, "meeting.called", actor_account_id=actor_account_id,
           subject_type="meeting", subject_id=meeting.id, kind=meeting.kind,
           notice_days=notice_days)
    return meeting


def send_notice(session: TenantSession, meeting_id: int, *, actor_account_id: int | None,
                today: date | None = None) -> dict[str, int]:
    """Give every current member notice: email where they have one, otherwise a letter.

    Idempotent: a member already given notice is not given it twice. Emails go by a job
    after the commit (``meeting.notice`` through the outbox); letters are printed from
    the meeting's letters page. Refused once the last day for notice has passed.
    """
    meeting = get_meeting(session, meeting_id)
    today = today or datetime.now(LOCAL).date()
    latest = last_notice_day(meeting.held_at, meeting.notice_days)
    if today > latest:
        raise Conflict(_(
            "Notice had to be given by %(date)s (%(days)s clear days before the meeting). "
            "Call the meeting again for a later date.", date=latest.isoformat(),
            days=meeting.notice_days))
    done = set(session.scalars(select(MeetingNotice.member_id).where(
        MeetingNotice.meeting_id == meeting.id)))
    counts = {"email": 0, "letter": 0}
    for member in session.scalars(members_query(current_only=True, today=today)):
        if member.id in done:
            continue
        channel = "email" if member.email else "letter"
        session.add(MeetingNotice(meeting_id=meeting.id, member_id=member.id, channel=channel,
                                  sent_at=utcnow() if channel == "letter" else None))
        counts[channel] += 1
    if meeting.notice_sent_at is None:
        meeting.notice_sent_at = utcnow()
    session.flush()
    if counts["email"]:
        emit(session, "meeting.notice", meeting_id=meeting.id)
    record(session, "meeting.notice_given", actor_account_id=actor_account_id,
           subject_type="meeting", subject_id=meeting.id, **counts)
    return counts


def kind_label(kind: str) -> str:
    """A meeting's kind in words."""
    return {"annual": _("Annual general meeting"), "general": _("General meeting")}[kind]


def notice_text(session: TenantSession, meeting: GeneralMeeting, coop_name: str,
                locale: str) -> tuple[str, str]:
    """The notice of a meeting in ``locale``: a subject and a plain-text body, for the
    email and the printed letter alike."""
    held_at = as_utc(meeting.held_at)
    with force_locale(locale):
        when = formatting.when(held_at)
        subject = gettext("%(kind)s of %(coop)s on %(date)s", kind=kind_label(meeting.kind),
                          coop=coop_name, date=formatting.day(held_at))
        lines = [gettext("%(coop)s gives notice of its %(kind)s.", coop=coop_name,
                         kind=kind_label(meeting.kind).lower()),
                 "", gettext("When: %(when)s", when=when),
                 gettext("Where: %(place)s", place=meeting.place or gettext("to be confirmed")),
                 "", gettext("Resolutions to be put to the meeting:")]
        resolutions = meeting_proposals(session, meeting.id)
        for proposal in resolutions:
            lines.append(f"- {proposal.title}")
            if proposal.easy_read:
                lines.append("  " + gettext("In short: %(summary)s", summary=proposal.easy_read))
        if not resolutions:
            lines.append("- " + gettext("None yet: any will be sent before the meeting."))
        lines += ["", gettext("At least %(count)s members must be present for the meeting to "
                              "decide anything.", count=meeting.quorum)]
        if meeting.proxies_allowed:
            lines.append(gettext("If you cannot come, you may appoint another member as your "
                                 "proxy: tell the secretary before the meeting."))
        lines.append(gettext("If you cannot come or vote online, you can vote on paper or by "
                             "post, or ask for help to vote: contact the secretary."))
    return subject, "\n".join(lines)


def letters(session: TenantSession, meeting_id: int) -> list[Member]:
    """The members given notice by letter, for the printable letters."""
    return list(session.scalars(
        select(Member).join(MeetingNotice, MeetingNotice.member_id == Member.id)
        .where(MeetingNotice.meeting_id == meeting_id, MeetingNotice.channel == "letter")
        .order_by(Member.display_name, Member.id)))


@dataclass(frozen=True)
class NoticeEmail:
    """One notice email to send: read in the mail job, never queued."""

    notice_id: int
    email: str
    display_name: str


def emails_to_send(session: TenantSession, meeting_id: int) -> list[NoticeEmail]:
    """Notice emails not sent yet."""
    rows = session.execute(
        select(MeetingNotice.id, Member.email, Member.display_name)
        .join(Member, Member.id == MeetingNotice.member_id)
        .where(MeetingNotice.meeting_id == meeting_id, MeetingNotice.channel == "email",
               MeetingNotice.sent_at.is_(None), Member.email.is_not(None))
        .order_by(MeetingNotice.id))
    return [NoticeEmail(*row) for row in rows]


def mark_notice_sent(session: TenantSession, notice_id: int) -> None:
    """Record that one notice email went."""
    notice = session.get(MeetingNotice, notice_id)
    if notice is not None and notice.sent_at is None:
        notice.sent_at = utcnow()
        session.flush()


# -- attendance, proxies and quorum ----------------------------------------------------
def _member(session: TenantSession, member_id: int, field: str = "member_id") -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise ValidationError({field: [_("There is no member with this id.")]})
    return member


def record_attendance(session: TenantSession, meeting_id: int, member_id: int, *,
                      actor_account_id: int | None) -> MeetingAttendance:
    """Add a member to the meeting's attendance register (once)."""
    meeting = get_meeting(session, meeting_id)
    member = _member(session, member_id)
    if member.left_on is not None and member.left_on <= as_utc(meeting.held_at).date():
        raise ValidationError({"member_id": [_("This person is no longer a member.")]})
    present = MeetingAttendance(meeting_id=meeting.id, member_id=member.id,
                                recorded_by_account_id=actor_account_id)
    try:
        with session.begin_nested():
            session.add(present)
            session.flush()
    except IntegrityError:
        raise Conflict(_("This member is already in the attendance register.")) from None
    record(session, "meeting.attended", actor_account_id=actor_account_id,
           subject_type="meeting", subject_id=meeting.id, member_id=member.id)
    return present


def attendance(session: TenantSession, meeting_id: int) -> list[Member]:
    """The attendance register, by name."""
    return list(session.scalars(
        select(Member).join(MeetingAttendance, MeetingAttendance.member_id == Member.id)
        .where(MeetingAttendance.meeting_id == meeting_id)
        .order_by(Member.display_name, Member.id)))


def appoint_proxy(session: TenantSession, meeting_id: int, member_id: int,
                  proxy_member_id: int, *, actor_account_id: int | None) -> ProxyAppointment:
    """Record that a member appoints another member as their proxy for a meeting.

    Only where the co-op's rules allow proxies, and a proxy may hold at most the co-op's
    ``proxy_limit`` appointments for one meeting. Audited.
    """
    meeting = get_meeting(session, meeting_id)
    if not meeting.proxies_allowed:
        raise Conflict(_("This co-op's rules do not allow proxies at this meeting, so each "
                         "member votes themselves (online, on paper, by post or in the room)."))
    member = _member(session, member_id)
    if proxy_member_id == member_id:
        raise ValidationError({"proxy_member_id": [_(
            "A member cannot be their own proxy. Choose another member.")]})
    # Lock the proxy's entry, so two appointments racing cannot both pass the limit.
    proxy = session.get(Member, proxy_member_id, with_for_update=True)
    if proxy is None:
        raise ValidationError({"proxy_member_id": [_("There is no member with this id.")]})
    for field, who in (("member_id", member), ("proxy_member_id", proxy)):
        try:
            check_member_votes(who)
        except Exception as exc:  # Forbidden, worded for the member themselves
            raise ValidationError({field: [_(
                "%(name)s has no vote, so cannot take part by proxy.",
                name=who.display_name)]}) from exc
    limit = int(rule(session, "proxy_limit"))
    held = session.scalar(select(func.count(ProxyAppointment.id)).where(
        ProxyAppointment.meeting_id == meeting.id,
        ProxyAppointment.proxy_member_id == proxy.id)) or 0
    if held >= limit:
        raise Conflict(_(
            "%(name)s already holds %(count)s proxies for this meeting, the most the co-op's "
            "rules allow one person. Ask the member to choose someone else.",
            name=proxy.display_name, count=held))
    appointment = ProxyAppointment(meeting_id=meeting.id, member_id=member.id,
                                   proxy_member_id=proxy.id,
                                   recorded_by_account_id=actor_account_id)
    try:
        with session.begin_nested():
            session.add(appointment)
            session.flush()
    except IntegrityError:
        raise Conflict(_("This member has already appointed a proxy for this meeting."))\
            from None
    record(session, "proxy.appointed", actor_account_id=actor_account_id,
           subject_type="meeting", subject_id=meeting.id, member_id=member.id,
           proxy_member_id=proxy.id)
    return appointment


def proxies(session: TenantSession, meeting_id: int) -> list[tuple[Member, Member]]:
    """(member, their proxy) for each appointment at the meeting."""
    proxy = aliased(Member)
    rows = session.execute(
        select(Member, proxy).join(ProxyAppointment, ProxyAppointment.member_id == Member.id)
        .join(proxy, proxy.id == ProxyAppointment.proxy_member_id)
        .where(ProxyAppointment.meeting_id == meeting_id).order_by(ProxyAppointment.id))
    return [(row[0], row[1]) for row in rows]


@dataclass(frozen=True)
class Quorum:
    """Who counts towards a meeting's quorum, and whether it is met."""

    present: int
    by_proxy: int
    needed: int

    @property
    def counted(self) -> int:
        """Members counted: present, plus represented by a proxy who is present."""
        return self.present + self.by_proxy

    @property
    def met(self) -> bool:
        """Whether enough members are present (or represented)."""
        return self.counted >= self.needed


def quorum(session: TenantSession, meeting_id: int) -> Quorum:
    """The quorum from the attendance register, plus proxies where the rules allow them.

    A member represented by a proxy counts when their proxy is present and they are not.
    """
    meeting = get_meeting(session, meeting_id)
    present_ids = set(session.scalars(select(MeetingAttendance.member_id).where(
        MeetingAttendance.meeting_id == meeting.id)))
    by_proxy = 0
    if meeting.proxies_allowed:
        for member_id, proxy_id in session.execute(
                select(ProxyAppointment.member_id, ProxyAppointment.proxy_member_id)
                .where(ProxyAppointment.meeting_id == meeting.id)):
            if proxy_id in present_ids and member_id not in present_ids:
                by_proxy += 1
    return Quorum(len(present_ids), by_proxy, meeting.quorum)


def meeting_proposals(session: TenantSession, meeting_id: int) -> list[Proposal]:
    """The resolutions before a meeting."""
    return list(session.scalars(select(Proposal).where(Proposal.meeting_id == meeting_id)
                                .order_by(Proposal.id)))


def set_minutes(session: TenantSession, meeting_id: int, minutes: str, *,
                actor_account_id: int | None) -> GeneralMeeting:
    """Record the meeting's minutes."""
    meeting = get_meeting(session, meeting_id)
    meeting.minutes = minutes.strip()
    record(session, "meeting.minuted", actor_account_id=actor_account_id,
           subject_type="meeting", subject_id=meeting.id)
    session.flush()
    return meeting


# -- discussion ------------------------------------------------------------------------
def comments(session: TenantSession, proposal_id: int) -> list[ProposalComment]:
    """A proposal's discussion thread, oldest first."""
    return list(session.scalars(select(ProposalComment).where(
        ProposalComment.proposal_id == proposal_id).order_by(ProposalComment.id)))


def add_comment(session: TenantSession, proposal_id: int, body: str, *, account_id: int,
                author_name: str) -> ProposalComment:
    """Add to a proposal's discussion thread."""
    if session.get(Proposal, proposal_id) is None:
        raise NotFound(_("No such proposal."))
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Write something to add to the discussion.")]})
    if len(body) > 5000:
        raise ValidationError({"body": [_("Keep it under 5,000 characters.")]})
    comment = ProposalComment(proposal_id=proposal_id, author_account_id=account_id,
                              author_name=author_name[:200], body=body)
    session.add(comment)
    session.flush()
    record(session, "proposal.commented", actor_account_id=account_id,
           subject_type="proposal", subject_id=proposal_id, comment_id=comment.id)
    return comment
