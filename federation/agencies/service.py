"""An agency's portfolio: the groups it supports, their stage, checklist, notes and next
contact, and an advisor's read-only summary of a co-op that granted the agency access.

Everything here is the agency's own record, kept in the federation's store. A co-op's
own data is read only in ``coop_summary``, after ``access.advisor_coop`` has found a
live grant. Every change is audited in the same transaction; a refusal answers NotFound
(exactly as for a group that does not exist) and is audited despite the rollback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.timeutil import local_now
from federation.accounts.models import Account
from federation.agencies.access import advisor_agency_ids, visible_coops_query
from federation.agencies.models import (
    CHECKLIST_KEYS,
    Agency,
    ChecklistItem,
    GroupNote,
    Stage,
    SupportedGroup,
)
from federation.agencies.schemas import (
    DATE_DONE,
    DUPLICATE_NAME,
    NEXT_CONTACT,
    NOT_YOUR_AGENCY,
)
from federation.onboarding import service as onboarding
from federation.onboarding.models import Draft
from tenants.context import bind_tenant, tenant_session
from tenants.members.service import members_query
from tenants.officers.service import list_tasks, task_text
from tenants.registry.models import Coop
from tenants.registry.service import check_serving
from tenants.rota.models import Visit
from tenants.store import TenantRef
from tenants.workforce.models import Worker


def today() -> date:
    """Today in Wales: checklist days and next contacts are Welsh calendar days."""
    return local_now().date()


# -- who is an advisor -----------------------------------------------------------------


def advisor_agencies(account_id: int) -> list[Agency]:
    """The agencies ``account_id`` advises for, by name."""
    ids = advisor_agency_ids(account_id)
    if not ids:
        return []
    return list(db.session.scalars(select(Agency).where(Agency.id.in_(ids))
                                   .order_by(Agency.name)))


def check_advisor(account_id: int, *, ip: str | None = None) -> list[int]:
    """The advisor's agency ids; NotFound (audited) for anyone who advises for none."""
    ids = advisor_agency_ids(account_id)
    if not ids:
        audit.record_despite_rollback("agency.portal_refused", actor_account_id=account_id,
                                      outcome="refused", ip=ip)
        raise NotFound()
    return ids


# -- the portfolio ---------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioRow:
    """One group as the portfolio shows it.

    ``coop`` is set only when the group became a co-op AND that co-op has granted the
    advisor's agency access; ``became_coop`` says whether it became one at all.
    """

    group: SupportedGroup
    agency: Agency
    became_coop: bool
    coop: Coop | None
    done: int


def _coop_id():
    """A group's co-op: recorded on the group, or the co-op its wizard draft became."""
    return func.coalesce(SupportedGroup.coop_id, Draft.coop_id)


def portfolio(account_id: int, *, stage: str | None = None,
              sort: str = "next_contact") -> list[PortfolioRow]:
    """The groups of the advisor's agencies, filtered by stage, in the order asked for.

    By next contact: soonest first, groups with no date last.
    """
    agency_ids = advisor_agency_ids(account_id)
    done = (select(func.count(ChecklistItem.id))
            .where(ChecklistItem.group_id == SupportedGroup.id).scalar_subquery())
    stmt = (select(SupportedGroup, Agency, _coop_id().label("coop_id"), done.label("done"))
            .join(Agency, Agency.id == SupportedGroup.agency_id)
            .outerjoin(Draft, Draft.id == SupportedGroup.draft_id)
            .where(SupportedGroup.agency_id.in_(agency_ids)))
    if stage:
        stmt = stmt.where(SupportedGroup.stage == stage)
    if sort == "name":
        stmt = stmt.order_by(func.lower(SupportedGroup.name), SupportedGroup.id)
    else:
        stmt = stmt.order_by(case((SupportedGroup.next_contact_on.is_(None), 1), else_=0),
                             SupportedGroup.next_contact_on, SupportedGroup.id)
    rows = db.session.execute(stmt).all()
    visible = _visible_coops(account_id, {r.coop_id for r in rows if r.coop_id})
    return [PortfolioRow(r.SupportedGroup, r.Agency, r.coop_id is not None,
                         visible.get(r.coop_id), r.done) for r in rows]


def _visible_coops(account_id: int, coop_ids: set[int]) -> dict[int, Coop]:
    if not coop_ids:
        return {}
    coops = db.session.scalars(visible_coops_query(account_id).where(Coop.id.in_(coop_ids)))
    return {coop.id: coop for coop in coops}


def granted_coops(account_id: int) -> list[Coop]:
    """Co-ops that granted one of the advisor's agencies access but are in no group of theirs."""
    agency_ids = advisor_agency_ids(account_id)
    in_groups = (select(_coop_id()).select_from(SupportedGroup)
                 .outerjoin(Draft, Draft.id == SupportedGroup.draft_id)
                 .where(SupportedGroup.agency_id.in_(agency_ids), _coop_id().is_not(None)))
    return list(db.session.scalars(visible_coops_query(account_id)
                                   .where(Coop.id.not_in(in_groups)).order_by(Coop.name)))


def stage_counts(account_id: int) -> dict[str, int]:
    """How many of the advisor's groups are at each stage."""
    rows = db.session.execute(
        select(SupportedGroup.stage, func.count()).where(
            SupportedGroup.agency_id.in_(advisor_agency_ids(account_id)))
        .group_by(SupportedGroup.stage)).all()
    counts = dict.fromkeys(Stage, 0)
    counts.update({stage: n for stage, n in rows})
    return {str(k): v for k, v in counts.items()}


# -- one group -------------------------------------------------------------------------


def access_group(group_id: int, account_id: int, *, ip: str | None = None) -> SupportedGroup:
    """The group, if it belongs to one of the advisor's agencies; otherwise NotFound."""
    group = db.session.get(SupportedGroup, group_id)
    if group is None or group.agency_id not in advisor_agency_ids(account_id):
        audit.record_despite_rollback("agency.group_refused", actor_account_id=account_id,
                                      outcome="refused", ip=ip, group_id=group_id)
        raise NotFound()
    return group


def group_coop(group: SupportedGroup, account_id: int) -> tuple[bool, Coop | None]:
    """Whether the group became a co-op, and the co-op if it granted the advisor access."""
    coop_id = group.coop_id
    if coop_id is None and group.draft_id is not None:
        coop_id = db.session.scalar(select(Draft.coop_id).where(Draft.id == group.draft_id))
    if coop_id is None:
        return False, None
    return True, _visible_coops(account_id, {coop_id}).get(coop_id)


def checklist(group: SupportedGroup) -> dict[str, date | None]:
    """Every default item, in order, with the day it was done (None: not yet)."""
    done = dict(db.session.execute(select(ChecklistItem.item_key, ChecklistItem.done_on)
                                   .where(ChecklistItem.group_id == group.id)).all())
    return {key: done.get(key) for key in CHECKLIST_KEYS}


def notes(group: SupportedGroup) -> list[tuple[GroupNote, str | None]]:
    """The group's notes, newest first, with each author's name."""
    return [tuple(row) for row in db.session.execute(
        select(GroupNote, Account.display_name)
        .outerjoin(Account, Account.id == GroupNote.author_account_id)
        .where(GroupNote.group_id == group.id)
        .order_by(GroupNote.created_at.desc(), GroupNote.id.desc())).all()]


def do_create_group(data: dict, *, actor_account_id: int) -> SupportedGroup:
    """Add a group at the enquiry stage, led by the advisor who added it."""
    agency_ids = advisor_agency_ids(actor_account_id)
    agency_id = data.get("agency_id")
    if agency_id is None and len(agency_ids) == 1:
        agency_id = agency_ids[0]
    if agency_id not in agency_ids:
        raise ValidationError({"agency_id": [NOT_YOUR_AGENCY]})
    errors = {}
    if data.get("next_contact_on") and data["next_contact_on"] < today():
        errors["next_contact_on"] = [NEXT_CONTACT]
    if _name_taken(agency_id, data["name"]):
        errors["name"] = [DUPLICATE_NAME]
    if errors:
        raise ValidationError(errors)
    group = SupportedGroup(agency_id=agency_id, lead_advisor_account_id=actor_account_id,
                           name=data["name"], name_cy=data.get("name_cy"),
                           stage=Stage.ENQUIRY, next_contact_on=data.get("next_contact_on"))
    db.session.add(group)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Two advisors added the same name at once; the database kept one.
        raise ValidationError(
            {"name": [DUPLICATE_NAME]}) from None
    audit.record(db.session, "agency.group_added", actor_account_id=actor_account_id,
                 agency_id=agency_id, group_id=group.id)
    return group


def _name_taken(agency_id: int, name: str) -> bool:
    return db.session.scalar(select(SupportedGroup.id).where(
        SupportedGroup.agency_id == agency_id,
        func.lower(SupportedGroup.name) == name.lower())) is not None


def do_update_group(group: SupportedGroup, data: dict, *, actor_account_id: int) -> None:
    """Change the group's stage and next contact date; each change audited.

    A new next contact date must not be in the past; an unchanged overdue one may stay,
    so that moving an overdue group to another stage does not fail.
    """
    when = data["next_contact_on"]
    if when is not None and when != group.next_contact_on and when < today():
        raise ValidationError({"next_contact_on": [NEXT_CONTACT]})
    if data["stage"] != group.stage:
        audit.record(db.session, "agency.group_stage_changed",
                     actor_account_id=actor_account_id, agency_id=group.agency_id,
                     group_id=group.id, before=group.stage, after=data["stage"])
        group.stage = data["stage"]
    if data["next_contact_on"] != group.next_contact_on:
        audit.record(db.session, "agency.group_next_contact_set",
                     actor_account_id=actor_account_id, agency_id=group.agency_id,
                     group_id=group.id)
        group.next_contact_on = data["next_contact_on"]
    db.session.flush()


def do_update_checklist(group: SupportedGroup, items: dict, *, actor_account_id: int) -> None:
    """Tick items with the day they were done, and untick others; refuses future days.

    ``items`` maps each key to a date, ``"today"``, or None (not done).
    """
    now = today()
    errors = {f"on-{key}": [DATE_DONE] for key, when in items.items()
              if isinstance(when, date) and when > now}
    if errors:
        raise ValidationError(errors)
    stored = {item.item_key: item for item in db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.group_id == group.id))}
    for key, when in items.items():
        item = stored.get(key)
        if when is None:
            if item is not None:
                db.session.delete(item)
                _audit_item(group, key, "agency.checklist_unticked", actor_account_id)
            continue
        if when == "today":
            # Ticked with no date: keep the day it was first done, or today if new.
            when = item.done_on if item is not None else now
        if item is None:
            db.session.add(ChecklistItem(group_id=group.id, item_key=key, done_on=when))
            _audit_item(group, key, "agency.checklist_ticked", actor_account_id)
        elif item.done_on != when:
            item.done_on = when
            _audit_item(group, key, "agency.checklist_redated", actor_account_id)
    db.session.flush()


def _audit_item(group: SupportedGroup, key: str, action: str, actor_account_id: int) -> None:
    audit.record(db.session, action, actor_account_id=actor_account_id,
                 agency_id=group.agency_id, group_id=group.id, item=key)


def do_add_note(group: SupportedGroup, body: str, *, actor_account_id: int) -> GroupNote:
    """Add a note by the advisor; the note's text is not copied into the audit log."""
    note = GroupNote(group_id=group.id, author_account_id=actor_account_id, body=body.strip())
    db.session.add(note)
    db.session.flush()
    audit.record(db.session, "agency.note_added", actor_account_id=actor_account_id,
                 agency_id=group.agency_id, group_id=group.id, note_id=note.id)
    return note


def do_start_wizard(group: SupportedGroup, *, actor_account_id: int, locale: str) -> str:
    """Start an onboarding draft on the group's behalf, with the group's names filled in,
    and link it; returns the draft's resume path.

    A group whose wizard already became a co-op cannot start another (Conflict). An
    unfinished earlier draft is replaced: only its owner holds its link, and the advisor
    starting again is that owner.
    """
    became, _coop = group_coop(group, actor_account_id)
    if became:
        raise Conflict(gettext("This group's wizard has already been submitted."))
    draft, token = onboarding.start_draft(locale=locale, advisor_account_id=actor_account_id,
                                          agency_id=group.agency_id)
    # The first step starts with the names the agency already has, as if typed there.
    onboarding.keep_step(draft.id, "group", {"name": group.name,
                                             "name_cy": group.name_cy or ""})
    previous = group.draft_id
    group.draft_id = draft.id
    if group.stage == Stage.ENQUIRY:
        group.stage = Stage.FORMING
    audit.record(db.session, "agency.wizard_started", actor_account_id=actor_account_id,
                 agency_id=group.agency_id, group_id=group.id, draft_id=draft.id,
                 replaced_draft_id=previous)
    db.session.flush()
    return onboarding.resume_path(token)


# -- an advisor's view of a co-op ------------------------------------------------------


@dataclass(frozen=True)
class CoopSummary:
    """What an advisor sees of a co-op that granted their agency access: counts only
    (current members, care workers still working for it, visits in its rota)."""

    coop: Coop
    members: int
    workers: int
    visits: int
    # The co-op's own open start-up checklist items, in words (e.g. "register with CIW").
    checklist: tuple[str, ...] = ()


def coop_summary(coop: Coop, *, account_id: int, ip: str | None = None) -> CoopSummary:
    """Counts read from the co-op's own store, entered as a workspace request enters it.

    The caller has already checked the grant (``access.advisor_coop``); the read is
    audited, as every crossing into a co-op's store by someone outside it is.
    """
    check_serving(coop)
    audit.record(db.session, "agency.coop_viewed", actor_account_id=account_id,
                 coop_id=coop.id, ip=ip)
    bind_tenant(TenantRef(coop.id, coop.slug))
    session = tenant_session()
    current = members_query(current_only=True, today=today()).order_by(None).subquery()
    active_workers = select(Worker).where(Worker.active.is_(True)).subquery()
    return CoopSummary(
        coop, members=session.scalar(select(func.count()).select_from(current)),
        workers=session.scalar(select(func.count()).select_from(active_workers)),
        visits=session.scalar(select(func.count()).select_from(Visit)),
        checklist=tuple(task_text(t) for t in list_tasks(open_only=True)
                        if t.kind == "startup"))

