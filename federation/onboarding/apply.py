"""Applying a submitted draft inside its new co-op: classes, founding members, settings,
and the co-op's legal position.

Every part checks what is already there, so applying twice changes nothing the second
time: classes are matched by code, members by email (or, for a founder without one, by
name and postal address), an invitation is made once per member, settings are keyed,
registered services are matched by CIW service ID and start-up tasks by their code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from federation.onboarding.legal import needs_ciw
from federation.onboarding.models import Draft
from tenants.audit.service import record
from tenants.members import service as members
from tenants.members.defaults import DEFAULT_CLASSES
from tenants.members.models import (
    FoundingMember,
    Invitation,
    Member,
    MemberClass,
    MemberClassLink,
)
from tenants.officers.service import REGISTER_CODE, add_startup_task
from tenants.position.models import RegisteredService
from tenants.position.service import add_service, set_position
from tenants.registry.models import CoopType
from tenants.settings_models import CoopSetting
from tenants.store import TenantSession

# The register entry of the founding member the group wants as admin: whoever hands the
# workspace over (an advisor who submitted for the group) makes that member's account admin.
CHOSEN_ADMIN = "onboarding_chosen_admin_member_id"


def apply_classes(session: TenantSession, rows: list[dict], coop_type: str) -> None:
    """Make the co-op's member classes those the group edited, replacing the type's defaults.

    A default class the group removed is deleted unless someone is already in it.
    """
    if not rows:
        return  # never leave a co-op without classes; validation requires at least one
    eligibility = {d.code: (d.eligibility_en, d.eligibility_cy)
                   for d in DEFAULT_CLASSES.get(CoopType(coop_type), ())}
    existing = {c.code: c for c in session.scalars(select(MemberClass))}
    wanted = set()
    for row in rows:
        wanted.add(row["code"])
        cap = Decimal(row["cap"]) if row.get("cap") and row["voting"] == "yes" else None
        values = {"name_en": row["name_en"].strip(), "name_cy": row["name_cy"].strip(),
                  "voting": row["voting"] == "yes", "vote_cap_pct": cap,
                  "min_shares": int(row["min_shares"])}
        member_class = existing.get(row["code"])
        if member_class is None:
            en, cy = eligibility.get(row["code"], ("", ""))
            session.add(MemberClass(code=row["code"], eligibility_en=en, eligibility_cy=cy,
                                    **values))
            continue
        for key, value in values.items():
            if getattr(member_class, key) != value:
                setattr(member_class, key, value)
    in_use = set(session.scalars(select(MemberClassLink.class_id)))
    for code, member_class in existing.items():
        if code not in wanted and member_class.id not in in_use:
            session.delete(member_class)
    session.flush()


def _founder(session: TenantSession, row: dict, email: str | None) -> Member | None:
    """The register entry already made for this founder, if any."""
    if email:
        return session.scalar(select(Member).where(Member.email == email))
    address = (row.get("postal_address") or "").strip() or None
    return session.scalar(select(Member).where(
        Member.email.is_(None), Member.display_name == row["name"].strip(),
        Member.postal_address == address if address else Member.postal_address.is_(None)))


def apply_people(session: TenantSession, people: dict, *, admin_account_id: int | None,
                 admin_email: str | None, draft_id: int | None = None,
                 ) -> tuple[list[int], int | None]:
    """Enter the founding members in the register and invite each of them to sign in.

    The founding member whose email is the first admin's own is linked to that account
    instead of being invited. A founder without an email is entered with their postal
    address and is not invited. Returns the ids of the invitations made now, and the
    member the group chose to run the workspace (for a later hand-over). Each founder
    entered is recorded under the draft and their place in its list, a key the database
    keeps unique, so two runs of the apply job racing cannot both enter the same person.
    """
    invited, chosen = [], None
    for index, row in enumerate(people.get("people", [])):
        email = (row.get("email") or "").strip().lower() or None
        founder = session.get(FoundingMember, (draft_id, index)) if draft_id else None
        member = session.get(Member, founder.member_id) if founder else \
            _founder(session, row, email)
        if member is None:
            member = members.create_member(session, {
                "display_name": row["name"].strip(), "email": email,
                "postal_address": (row.get("postal_address") or "").strip() or None,
                "joined_on": date.today(), "classes": [row["member_class"]]},
                actor_account_id=admin_account_id)
        if draft_id and founder is None and session.scalar(select(FoundingMember.draft_id).where(
                FoundingMember.member_id == member.id)) is None:
            session.add(FoundingMember(draft_id=draft_id, position=index, member_id=member.id))
            session.flush()
        if str(index) == people.get("admin"):
            chosen = member.id
        if email is None:
            continue  # no invitation: the register and the post reach them
        if admin_email and email == admin_email.lower():
            if member.account_id is None and members.member_for_account(
                    session, admin_account_id) is None:
                member.account_id = admin_account_id
                session.flush()
            continue
        if member.account_id is not None:
            continue
        if session.scalar(select(Invitation.id).where(Invitation.member_id == member.id)):
            continue
        invited.append(members.invite_member(session, member.id,
                                             actor_account_id=admin_account_id).id)
    return invited, chosen


def apply_position(session: TenantSession, draft: Draft, *,
                   admin_account_id: int | None) -> None:
    """The legal form, FCA registration and CIW-registered services the group recorded,
    and "register with CIW" on the start-up checklist if it ticked a regulated service
    and recorded no domiciliary support service already registered."""
    legal = draft.answers("legal")
    number = (legal.get("fca_society_number") or "").upper().replace(" ", "") or None
    when = legal.get("registered_on") or None
    set_position({"legal_form": legal.get("legal_form") or "not_decided",
                  "fca_society_number": number,
                  "registered_on": date.fromisoformat(when) if when else None},
                 actor_account_id=admin_account_id)
    known = set(session.scalars(select(RegisteredService.ciw_service_id)))
    for row in legal.get("ciw", []):
        if row["ciw_service_id"] in known:
            continue
        add_service({"service_type": row["service_type"],
                     "ciw_service_id": row["ciw_service_id"],
                     "responsible_individual": row["responsible_individual"].strip(),
                     "registered_manager": (row.get("registered_manager") or "").strip()
                     or None,
                     "rating_url": (row.get("rating_url") or "").strip() or None},
                    actor_account_id=admin_account_id)
        known.add(row["ciw_service_id"])
    registered = {row.get("service_type") for row in legal.get("ciw", [])}
    if needs_ciw(draft.answers("services").get("services", [])) \
            and "domiciliary_support" not in registered:
        add_startup_task(REGISTER_CODE, admin_account_id)
    session.flush()


def apply_settings(session: TenantSession, draft: Draft, chosen_admin: int | None) -> None:
    """The services offered, the Welsh-language offer, the areas served, and which founding
    member the group chose to run the workspace, as settings."""
    services, where = draft.answers("services"), draft.answers("where")
    values = {"services": list(services.get("services", [])),
              "welsh_offer": services.get("welsh_offer"),
              "local_authorities": list(where.get("las", [])),
              CHOSEN_ADMIN: chosen_admin}
    for key in values:
        if key == CHOSEN_ADMIN and chosen_admin is None:
            continue
        setting = session.get(CoopSetting, key)
        if setting is None:
            session.add(CoopSetting(key=key, value=values[key]))
        elif setting.value != values[key]:
            setting.value = values[key]
    session.flush()


def apply_draft(session: TenantSession, draft: Draft, classes: list[dict], *,
                admin_account_id: int | None, admin_email: str | None) -> None:
    """Everything the group set out in the wizard, written into the co-op's own store.

    ``classes`` are the member classes as the review showed them (the type's defaults
    if the group never changed them).
    """
    apply_classes(session, classes, draft.answers("group")["coop_type"])
    invited, chosen = apply_people(session, draft.answers("people"),
                                   admin_account_id=admin_account_id, admin_email=admin_email,
                                   draft_id=draft.id)
    apply_settings(session, draft, chosen)
    apply_position(session, draft, admin_account_id=admin_account_id)
    record(session, "onboarding.applied", actor_account_id=admin_account_id,
           draft_id=draft.id, invitations=len(invited))
    session.flush()
