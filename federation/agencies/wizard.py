"""What the onboarding wizard asks of agencies: which ones a group may let in, and the
grant to the one it chose (``federation.onboarding.service``'s hooks).

Agencies build on the wizard (an advisor starts a draft on a group's behalf), so the wizard
never imports this package; it asks, and this module answers.
"""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from federation.agencies.access import grant_access
from federation.agencies.models import Agency
from federation.onboarding.service import AGENCIES, AGENCY_CHOSEN


@AGENCIES.answer
def agencies_by_name() -> list[Agency]:
    """Every agency, by name."""
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))


@AGENCY_CHOSEN.answer
def grant_chosen_agency(coop_id: int, agency_id: int, *, actor_account_id: int) -> None:
    """Let the chosen agency see the co-op (audited by ``grant_access``)."""
    grant_access(coop_id, agency_id, actor_account_id=actor_account_id)
