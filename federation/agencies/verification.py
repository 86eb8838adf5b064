"""An advisor verifies a co-op for pooled statistics (issue 18).

A co-op's figures count in pooled statistics only once someone has checked it is real:
a federation admin (``federation.admin``), or an advisor of an agency the co-op has
granted access, who knows the group from supporting it. An advisor reaches the co-op only
through ``access.advisor_coop``: without a live grant the answer is NotFound, exactly as
for a slug that does not exist, and the refusal is audited. The verification is audited
by the registry in the same transaction, naming the agency whose grant allowed it.
"""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.errors import Conflict
from federation.agencies.access import advisor_coop
from federation.agencies.models import AgencyAccess, AgencyAdvisor
from tenants.registry.models import Coop, CoopState
from tenants.registry.service import verify_for_statistics


def granting_agency_id(coop_id: int, account_id: int) -> int | None:
    """The advisor's agency (the first by id) whose live grant covers the co-op."""
    return db.session.scalar(
        select(AgencyAccess.agency_id)
        .join(AgencyAdvisor, AgencyAdvisor.agency_id == AgencyAccess.agency_id)
        .where(AgencyAccess.coop_id == coop_id, AgencyAccess.withdrawn_at.is_(None),
               AgencyAdvisor.account_id == account_id)
        .order_by(AgencyAccess.agency_id).limit(1))


def do_verify_for_statistics(slug: str, account_id: int, *, ip: str | None = None) -> Coop:
    """Verify the co-op at ``slug`` so its figures count in the next statistics release.

    NotFound unless the co-op has granted one of the advisor's agencies access; Conflict
    for a co-op that is not active (only a running co-op can be checked). A co-op already
    verified is left as it is, and nothing more is audited.
    """
    coop = advisor_coop(slug, account_id, ip=ip)
    if coop.state != CoopState.ACTIVE:
        raise Conflict(f"cannot verify a co-op that is {coop.state}")
    return verify_for_statistics(coop.id, actor_account_id=account_id,
                                 agency_id=granting_agency_id(coop.id, account_id))
