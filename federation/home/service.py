"""What a person can reach: their co-ops with roles, and their federation-wide roles."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from core.db import db
from federation.accounts.models import Account
from federation.agencies.models import Agency, AgencyAdvisor
from federation.regional.models import AnalystGrant
from tenants.care_person.access import CareAccess
from tenants.registry.models import Coop, Membership


@dataclass
class Places:
    """A person's co-op memberships and other roles."""

    coops: list[tuple[Coop, str]]
    agencies: list[Agency]
    analyst_areas: list[AnalystGrant]
    federation_admin: bool
    #: Co-ops whose care page the person may open: their own care, or family's (issue 12).
    care: list[Coop] = field(default_factory=list)


def places_for(account: Account) -> Places:
    """Everything ``account`` may open, in three queries."""
    coops = db.session.execute(
        select(Coop, Membership.role).join(Membership, Membership.coop_id == Coop.id)
        .where(Membership.account_id == account.id).order_by(Coop.name)).all()
    agencies = db.session.scalars(select(Agency).join(
        AgencyAdvisor, AgencyAdvisor.agency_id == Agency.id).where(
        AgencyAdvisor.account_id == account.id)).all()
    areas = db.session.scalars(select(AnalystGrant).where(
        AnalystGrant.account_id == account.id)).all()
    care = db.session.scalars(select(Coop).join(CareAccess, CareAccess.coop_id == Coop.id)
                              .where(CareAccess.account_id == account.id).order_by(Coop.name))
    return Places([(c, r) for c, r in coops], list(agencies), list(areas),
                  account.is_federation_admin, list(care))
