"""The register of officers, officer elections, and the co-op's tasks.

Naming: ``list_*``/``get_*`` read; ``appoint_*``, ``update_*``, ``propose_*``, ``carry_*``,
``add_*``, ``complete_*`` change. Functions flush; the request boundary or the job
wrapper commits. Every change writes an audit row in the same transaction.

**CIW notifications.** A corporate provider of a CIW-registered service notifies CIW of
changes to its managing committee (WSI 2017/1264, Schedule 3; wales-care-rules.md §4).
So every officer change in a co-op that has a registered service (read from the co-op's
legal position) raises a dated task saying what to notify, and where the change came
from. A co-op with no registered service gets none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from core.errors import Conflict, NotFound, ValidationError
from core.timeutil import LOCAL, as_utc, local_now, utcnow
from tenants.audit.service import record
from tenants.context import tenant_session
from tenants.governance import service as governance
from tenants.governance.models import Ballot
from tenants.members.models import Member
from tenants.members.registers import OFFICER_REGISTER, OfficerRow
from tenants.officers.labels import OFFICE_NAMES
from tenants.officers.models import OFFICES, CoopTask, Officer, OfficerElection
from tenants.position.service import get_facts
from tenants.store import TenantSession


def secretary_emails(session: TenantSession) -> list[str]:
    """The email of the co-op's current secretary, from the register of officers.

    Here, not in tenants.governance (whose reminders job asks for it): officers build on
    governance, so governance must not import officers.
    """
    today = date.today()
    rows = session.execute(
        select(Member.email).join(Officer, Officer.member_id == Member.id)
        .where(Officer.office == "secretary", Officer.appointed_on <= today,
               (Officer.ended_on.is_(None)) | (Officer.ended_on > today),
               Member.email.is_not(None)))
    return sorted({row[0] for row in rows})


def _(text: str, **values) -> str:
    """Translate for the person asking; in a job or a shell, the English text."""
    if has_request_context():
        return gettext(text, **values)
    return text % values if values else text


@dataclass(frozen=True)
class NotifyRule:
    """How soon CIW must be told of an officer change, and where that comes from."""

    days: int
    source: str  # stored with each task, in English, as the regulations' own title
    confirm: bool
    source_shown: object = None  # the title in the reader's language (lazy gettext)


# The brief marks the deadline "confirm": it is data, shown on screen with its source.
CIW_OFFICER_NOTICE = NotifyRule(
    days=28, confirm=True,
    source="Regulated Services (Service Providers and Responsible Individuals) (Wales) "
           "Regulations 2017 (WSI 2017/1264), Schedule 3",
    source_shown=_l("Regulated Services (Service Providers and Responsible Individuals) "
                    "(Wales) Regulations 2017 (WSI 2017/1264), Schedule 3"))

NOTIFY_CODE = "notify_ciw_officer_change"
REGISTER_CODE = "register_with_ciw"


def today() -> date:
    """Today in Wales."""
    return local_now().date()


# -- reading ---------------------------------------------------------------------------
def officers_query(*, current_only: bool = False) -> Select:
    """Officers by office, then the latest appointed first."""
    stmt = select(Officer).order_by(Officer.office, Officer.appointed_on.desc(), Officer.id)
    if current_only:
        stmt = stmt.where((Officer.ended_on.is_(None)) | (Officer.ended_on > today()))
    return stmt


def list_officers(*, current_only: bool = False) -> list[Officer]:
    """The register of officers (s.30): everyone appointed, with appointed and ended dates.

    For the society registers' export: each row has ``office``, ``name``, ``member_id``,
    ``appointed_on`` and ``ended_on``.
    """
    return list(tenant_session().scalars(officers_query(current_only=current_only)))


@OFFICER_REGISTER.answer
def register_rows() -> list[OfficerRow]:
    """The register of officers as the society registers print it, offices named in the
    current locale."""
    return [OfficerRow(o.name, str(OFFICE_NAMES.get(o.office, o.office)), o.appointed_on,
                       o.ended_on) for o in list_officers()]


def get_officer(officer_id: int) -> Officer:
    """One officer; NotFound if not this co-op's."""
    officer = tenant_session().get(Officer, officer_id)
    if officer is None:
        raise NotFound(_("No such officer."))
    return officer


def elections_query() -> Select:
    """Officer elections, newest first."""
    return select(OfficerElection).order_by(OfficerElection.id.desc())


def list_elections() -> list[tuple[OfficerElection, Ballot | None, str | None]]:
    """Each election with its ballot and the ballot's status (scheduled, open, closed)."""
    session = tenant_session()
    rows = []
    for election in session.scalars(elections_query()):
        ballot = governance.ballot_for_proposal(session, election.proposal_id)
        rows.append((election, ballot, governance.ballot_status(ballot) if ballot else None))
    return rows


def get_election(election_id: int) -> OfficerElection:
    """One officer election; NotFound if not this co-op's."""
    election = tenant_session().get(OfficerElection, election_id)
    if election is None:
        raise NotFound(_("No such election."))
    return election


def election_for_proposal(proposal_id: int) -> OfficerElection | None:
    """The officer election a governance proposal puts to the members, if it is one."""
    return tenant_session().scalar(select(OfficerElection).where(
        OfficerElection.proposal_id == proposal_id))


def tasks_query(*, open_only: bool = False) -> Select:
    """The co-op's tasks, soonest due first (undated last)."""
    stmt = select(CoopTask).order_by(CoopTask.done_on.is_not(None), CoopTask.due_on.is_(None),
                                     CoopTask.due_on, CoopTask.id)
    if open_only:
        stmt = stmt.where(CoopTask.done_on.is_(None))
    return stmt


def list_tasks(*, open_only: bool = False) -> list[CoopTask]:
    """The co-op's tasks (CIW notifications, start-up checklist)."""
    return list(tenant_session().scalars(tasks_query(open_only=open_only)))


# -- checking input --------------------------------------------------------------------
def _check_member(member_id: int | None, errors: dict) -> Member | None:
    if member_id is None:
        return None
    member = tenant_session().get(Member, member_id)
    if member is None:
        errors["member_id"] = [_("There is no member with this id.")]
    return member


def _check(values: dict) -> Member | None:
    """Refuse values that disagree, naming each field; returns the linked member."""
    errors: dict[str, list[str]] = {}
    if values.get("office") not in OFFICES:
        errors["office"] = [_("Choose an office from the list.")]
    name = (values.get("name") or "").strip()
    member = _check_member(values.get("member_id"), errors)
    if not name and member is None:
        errors["name"] = [_("Enter the officer's name, or choose a member.")]
    appointed = values.get("appointed_on")
    if appointed is None:
        errors["appointed_on"] = [_("Enter the date of appointment.")]
    elif appointed > today():
        errors["appointed_on"] = [_("The date of appointment must be today or earlier.")]
    ended = values.get("ended_on")
    if ended is not None and appointed is not None and ended < appointed:
        errors["ended_on"] = [_("The term cannot end before the appointment.")]
    if errors:
        raise ValidationError(errors)
    return member


# -- CIW notification tasks ------------------------------------------------------------
def _notify_ciw(officer: Officer, change: str, on: date, source: str) -> CoopTask | None:
    """A dated "notify CIW" task for an officer change, if the co-op runs a registered
    service; None otherwise. Made once per source."""
    if not get_facts().registered_service:
        return None
    session = tenant_session()
    task = session.scalar(select(CoopTask).where(CoopTask.code == NOTIFY_CODE,
                                                 CoopTask.source == source))
    if task is not None:
        return task
    task = CoopTask(kind="ciw_notification", code=NOTIFY_CODE, source=source,
                    due_on=on + timedelta(days=CIW_OFFICER_NOTICE.days),
                    detail={"change": change, "office": officer.office, "name": officer.name,
                            "officer_id": officer.id, "on": on.isoformat(),
                            "days": CIW_OFFICER_NOTICE.days,
                            "rule_source": CIW_OFFICER_NOTICE.source})
    session.add(task)
    session.flush()
    record(session, "task.added", subject_type="task", subject_id=task.id, code=task.code,
           source=source)
    return task


# -- changing the register -------------------------------------------------------------
def appoint_officer(data: dict, actor_account_id: int | None, *,
                    source: str | None = None) -> Officer:
    """Enter an appointment in the register; audited, and a CIW task if one is due.

    ``data``: ``office``, ``name`` (or ``member_id``, whose register name is used),
    ``appointed_on`` and optionally ``ended_on``. ``source`` says where the change came
    from (default: an edit of the register).
    """
    member = _check(data)
    session = tenant_session()
    officer = Officer(office=data["office"],
                      name=(data.get("name") or "").strip() or member.display_name,
                      member_id=member.id if member else None,
                      appointed_on=data["appointed_on"], ended_on=data.get("ended_on"))
    session.add(officer)
    session.flush()
    record(session, "officer.appointed", actor_account_id=actor_account_id,
           subject_type="officer", subject_id=officer.id, office=officer.office,
           source=source or "register")
    _notify_ciw(officer, "appointed", officer.appointed_on,
                source or f"officer:{officer.id}:appointed")
    return officer


def update_officer(officer_id: int, data: dict, actor_account_id: int | None) -> Officer:
    """Change an entry (most often: end a term). Audited; a change of office, name or end
    of term raises a CIW task if one is due."""
    officer = get_officer(officer_id)
    fields = ("office", "name", "member_id", "appointed_on", "ended_on")
    current = {k: getattr(officer, k) for k in fields}
    wanted = {**current, **{k: v for k, v in data.items() if k in fields}}
    if isinstance(wanted.get("name"), str):
        wanted["name"] = wanted["name"].strip()
    member = _check(wanted)
    if not wanted.get("name") and member is not None:
        wanted["name"] = member.display_name
    changed = sorted(k for k in fields if wanted[k] != current[k])
    if not changed:
        return officer
    for key in changed:
        setattr(officer, key, wanted[key])
    session = tenant_session()
    session.flush()
    record(session, "officer.updated", actor_account_id=actor_account_id,
           subject_type="officer", subject_id=officer.id, fields=changed)
    if "ended_on" in changed and officer.ended_on is not None:
        _notify_ciw(officer, "ended", officer.ended_on,
                    f"officer:{officer.id}:ended:{officer.ended_on.isoformat()}")
    elif {"office", "name", "member_id"} & set(changed):
        _notify_ciw(officer, "changed", today(),
                    f"officer:{officer.id}:changed:{utcnow().isoformat()}")
    return officer


# -- elections -------------------------------------------------------------------------
def propose_election(data: dict, actor_account_id: int | None) -> OfficerElection:
    """Put an officer election to the members: a governance proposal (an ordinary
    resolution) with its ballot, and the office and candidate it would appoint.

    ``data``: ``office``, ``candidate_name`` (or ``member_id``), ``opens_at``,
    ``closes_at`` (aware datetimes) and ``quorum``.
    """
    errors: dict[str, list[str]] = {}
    if data.get("office") not in OFFICES:
        errors["office"] = [_("Choose an office from the list.")]
    member = _check_member(data.get("member_id"), errors)
    name = (data.get("candidate_name") or "").strip() or (member.display_name if member else "")
    if not name:
        errors["candidate_name"] = [_("Enter the candidate's name, or choose a member.")]
    if errors:
        raise ValidationError(errors)
    session = tenant_session()
    proposal = governance.create_proposal(
        session, {"title": _("Officer election: %(name)s as %(office)s", name=name,
                             office=office_name(data["office"]))[:200],
                  "body": "", "kind": "ordinary"},
        actor_account_id=actor_account_id,
        ballot={"opens_at": data["opens_at"], "closes_at": data["closes_at"],
                "quorum": data.get("quorum", 0)})
    election = OfficerElection(proposal_id=proposal.id, office=data["office"],
                               candidate_name=name, member_id=member.id if member else None)
    session.add(election)
    session.flush()
    record(session, "officer.election_proposed", actor_account_id=actor_account_id,
           subject_type="officer_election", subject_id=election.id, office=election.office,
           proposal_id=proposal.id)
    return election


def carry_election(election_id: int, actor_account_id: int | None) -> OfficerElection:
    """Carry out a passed election: appoint the candidate from the day the ballot closed.

    Conflict (saying why) while the ballot is open or if it did not pass. Carrying it
    again changes nothing.
    """
    election = get_election(election_id)
    if election.carried_at is not None:
        return election
    session = tenant_session()
    ballot = governance.ballot_for_proposal(session, election.proposal_id)
    if ballot is None:
        raise Conflict(_("This election has no ballot yet."))
    result = governance.tally(session, ballot.id)
    if result.status != "closed":
        raise Conflict(_("The ballot has not closed yet."))
    if not result.passed:
        raise Conflict(_("The election was not carried: %(why)s", why=result.explanation))
    closed_on = min(today(), as_utc(ballot.closes_at).astimezone(LOCAL).date())
    officer = appoint_officer(
        {"office": election.office, "name": election.candidate_name,
         "member_id": election.member_id, "appointed_on": closed_on},
        actor_account_id, source=f"election:{election.id}")
    election.officer_id = officer.id
    election.carried_at = utcnow()
    session.flush()
    record(session, "officer.election_carried", actor_account_id=actor_account_id,
           subject_type="officer_election", subject_id=election.id, officer_id=officer.id,
           ballot_id=ballot.id)
    return election


# -- tasks -----------------------------------------------------------------------------
def add_startup_task(code: str, actor_account_id: int | None, *,
                     source: str = "onboarding") -> CoopTask:
    """Put an item on the co-op's start-up checklist, once per source."""
    session = tenant_session()
    task = session.scalar(select(CoopTask).where(CoopTask.code == code,
                                                 CoopTask.source == source))
    if task is None:
        task = CoopTask(kind="startup", code=code, source=source, detail={})
        session.add(task)
        session.flush()
        record(session, "task.added", actor_account_id=actor_account_id,
               subject_type="task", subject_id=task.id, code=code, source=source)
    return task


def complete_task(task_id: int, actor_account_id: int | None) -> CoopTask:
    """Mark a task done today; audited. Doing it again changes nothing."""
    session = tenant_session()
    task = session.get(CoopTask, task_id)
    if task is None:
        raise NotFound(_("No such task."))
    if task.done_on is None:
        task.done_on = today()
        session.flush()
        record(session, "task.done", actor_account_id=actor_account_id,
               subject_type="task", subject_id=task.id, code=task.code)
    return task


# -- words -----------------------------------------------------------------------------
def office_name(office: str) -> str:
    """The office in the reader's language."""
    return str(OFFICE_NAMES.get(office, office))


def task_text(task: CoopTask) -> str:
    """What the task asks, in the reader's language."""
    d = task.detail or {}
    if task.code == NOTIFY_CODE:
        change = {"appointed": _("appointment"), "ended": _("end of term"),
                  "changed": _("change")}.get(d.get("change"), _("change"))
        return _("Notify CIW of a change of officer (%(change)s: %(name)s, %(office)s, on "
                 "%(on)s) within %(days)s days.", change=change, name=d.get("name", ""),
                 office=office_name(d.get("office", "")), on=d.get("on", ""),
                 days=d.get("days", CIW_OFFICER_NOTICE.days))
    if task.code == REGISTER_CODE:
        return _("Register with CIW before providing personal care or domiciliary support: "
                 "providing a regulated service without registration is an offence.")
    return task.code


def task_source(task: CoopTask) -> str:
    """Where the task came from, in words."""
    kind, _sep, rest = task.source.partition(":")
    if kind == "election":
        return _("Election %(id)s, carried by the members' vote", id=rest)
    if kind == "officer":
        return _("Edit of the register of officers")
    if kind == "onboarding":
        return _("Start-up checklist, from the onboarding wizard")
    return task.source
