"""The demo advisor's portfolio: a group at every stage, one half-finished wizard, partly
done checklists, notes and next contact dates; and demo co-ops that grant access.

``seed(today)`` is idempotent: groups are found by name, so running it again adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.db import db
from federation.accounts.service import account_by_email
from federation.agencies import access
from federation.agencies.models import (
    Agency,
    ChecklistItem,
    GroupNote,
    Stage,
    SupportedGroup,
)
from federation.onboarding import service as onboarding
from tenants.registry.models import Coop

AGENCY = "Cwmpas"  # the Wales Co-operative Centre until 2022
ADVISOR = "advisor@demo.coopfed.cymru"
# Co-ops in federation/demo.py that let the agency in; cardiff-dp-circle does not, so its
# row in the portfolio shows only the agency's own record of it.
GRANTING = ("gofal-gwynedd", "powys-elders")

# name, Welsh name, stage, days to next contact, {item: days ago}, notes, co-op slug
GROUPS = (
    ("Bangor Carers' Circle", "Cylch Gofalwyr Bangor", Stage.ENQUIRY, 2, {},
     ("First phone call: six carers want to pool their Direct Payments.",), None),
    ("Llanelli Home Care Workers", "Gweithwyr Gofal Cartref Llanelli", Stage.FORMING, 9,
     {"legal_form": 20},
     ("Chose the worker co-op model rules. Started the wizard with them; they will "
      "finish the people step at the next meeting.",), None),
    ("Wrexham Neighbours Care", "Gofal Cymdogion Wrecsam", Stage.REGISTERING, -3,
     {"legal_form": 90, "fca_registration": 30, "bank_account": 12},
     ("FCA application sent.", "Waiting on the bank's identity checks."), None),
    ("Gwynedd Care Workers' Co-op", "Cydweithfa Gweithwyr Gofal Gwynedd", Stage.TRADING, 30,
     {"legal_form": 400, "fca_registration": 340, "ciw_registration": 250,
      "dbs_umbrella": 240, "employers_liability": 230, "bank_account": 300,
      "first_agm": 30},
     ("Trading well; second AGM due in the spring.",), "gofal-gwynedd"),
    ("Cardiff Direct Payment Circle", "Cylch Taliadau Uniongyrchol Caerdydd", Stage.TRADING,
     None, {"legal_form": 500, "fca_registration": 450, "bank_account": 420},
     ("Handed over last year.",), "cardiff-dp-circle"),
)
WIZARD_GROUP = "Llanelli Home Care Workers"


def seed(today: date) -> list[tuple[str, str]]:
    """Fill the demo advisor's portfolio unless it is there already."""
    advisor = account_by_email(ADVISOR)
    agency = db.session.scalar(select(Agency).where(Agency.name == AGENCY))
    if advisor is None or agency is None:
        return []
    for slug in GRANTING:
        coop_id = db.session.scalar(select(Coop.id).where(Coop.slug == slug))
        if coop_id is not None:
            access.grant_access(coop_id, agency.id, actor_account_id=None)
    for name, name_cy, stage, next_days, done, notes, slug in GROUPS:
        if db.session.scalar(select(SupportedGroup.id).where(
                SupportedGroup.agency_id == agency.id, SupportedGroup.name == name)):
            continue
        group = SupportedGroup(
            agency_id=agency.id, lead_advisor_account_id=advisor.id, name=name,
            name_cy=name_cy, stage=stage,
            next_contact_on=None if next_days is None else today + timedelta(days=next_days),
            coop_id=db.session.scalar(select(Coop.id).where(Coop.slug == slug))
            if slug else None)
        db.session.add(group)
        db.session.flush()
        db.session.add_all(ChecklistItem(group_id=group.id, item_key=key,
                                         done_on=today - timedelta(days=ago))
                           for key, ago in done.items())
        db.session.add_all(GroupNote(group_id=group.id, author_account_id=advisor.id, body=body)
                           for body in notes)
        if name == WIZARD_GROUP:
            group.draft_id = _half_finished_draft(advisor.id, agency.id)
    db.session.flush()
    return []


def _half_finished_draft(advisor_id: int, agency_id: int) -> int:
    """A wizard draft the advisor started for the group, saved up to step 3 of 7."""
    draft, _token = onboarding.start_draft(locale="cy", advisor_account_id=advisor_id,
                                           agency_id=agency_id)
    onboarding.save_step(draft.id, "group", {
        "name": "Llanelli Home Care Workers", "name_cy": "Gweithwyr Gofal Cartref Llanelli",
        "coop_type": "worker", "slug": "llanelli-home-care"})
    onboarding.save_step(draft.id, "where", {"las": ["W06000010"], "home_la": "W06000010"})
    classes = {f"classes-{n}-{field}": value
               for n, row in enumerate(onboarding.default_classes("worker"))
               for field, value in row.items()}
    onboarding.save_step(draft.id, "governance", classes)
    return draft.id
