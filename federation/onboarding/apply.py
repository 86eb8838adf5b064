"""Applying a submitted draft inside its new co-op: classes, founding members, settings.

Every part checks what is already there, so applying twice changes nothing the second
time: classes are matched by code, members by email, an invitation is made once per
member, and settings are keyed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from federation.onboarding.models import Draft
from tenants.audit.service import record
from tenants.members import service as members
from tenants.members.defaults import DEFAULT_CLASSES
from tenants.members.models import Invitation, Member, MemberClass, MemberClassLink
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


def apply_people(session: TenantSession, people: dict, *, admin_account_id: int | None,
                 admin_email: str | None) -> tuple[list[int], int | None]:
    """Enter the founding members in the register and invite each of them to sign in.

    The founding member whose email is the first admin's own is linked to that account
    instead of being invited. Returns the ids of the invitations made now, and the
    member the group chose to run the workspace (for a later hand-over).
    """
    invited, chosen = [], None
    for index, row in enumerate(people.get("people", [])):
        email = row["email"].strip().lower()
        member = session.scalar(select(Member).where(Member.email == email))
        if member is None:
            member = members.create_member(session, {
                "display_name": row["name"].strip(), "email": email,
                "joined_on": date.today(), "classes": [row["member_class"]]},
                actor_account_id=admin_account_id)
        if str(index) == people.get("admin"):
            chosen = member.id
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
                                   admin_account_id=admin_account_id, admin_email=admin_email)
    apply_settings(session, draft, chosen)
    record(session, "onboarding.applied", actor_account_id=admin_account_id,
           draft_id=draft.id, invitations=len(invited))
    session.flush()
