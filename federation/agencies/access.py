"""Which agencies a co-op lets in, and whether an advisor may see a co-op.

Every grant and withdrawal is audited in the same transaction. An advisor's view of a
co-op always goes through ``advisor_coop``, which answers NotFound, never Forbidden, for
a co-op that has not granted the advisor's agency access.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db
from core.errors import NotFound
from core.timeutil import utcnow
from federation.agencies.models import Agency, AgencyAccess, AgencyAdvisor
from tenants.registry.models import Coop


def agency(agency_id: int) -> Agency:
    """One agency; NotFound if there is none."""
    found = db.session.get(Agency, agency_id)
    if found is None:
        raise NotFound(gettext("no such agency"))
    return found


def live_grant(coop_id: int, agency_id: int) -> AgencyAccess | None:
    """The co-op's grant to the agency that is in force, if any."""
    return db.session.scalar(select(AgencyAccess).where(
        AgencyAccess.coop_id == coop_id, AgencyAccess.agency_id == agency_id,
        AgencyAccess.withdrawn_at.is_(None)))


def grant_access(coop_id: int, agency_id: int, *, actor_account_id: int | None) -> AgencyAccess:
    """Let ``agency_id`` see the co-op; idempotent while a grant is live."""
    agency(agency_id)
    grant = live_grant(coop_id, agency_id)
    if grant is not None:
        return grant
    grant = AgencyAccess(coop_id=coop_id, agency_id=agency_id,
                         granted_by_account_id=actor_account_id)
    try:
        with db.session.begin_nested():
            db.session.add(grant)
            db.session.flush()
    except IntegrityError:
        # Another request granted it at the same moment; the live-grant index kept one.
        return live_grant(coop_id, agency_id)
    audit.record(db.session, "agency.access_granted", actor_account_id=actor_account_id,
                 coop_id=coop_id, agency_id=agency_id)
    db.session.flush()
    return grant


def withdraw_access(coop_id: int, agency_id: int, *, actor_account_id: int | None) -> None:
    """End the agency's access at once; NotFound if it had none."""
    grant = live_grant(coop_id, agency_id)
    if grant is None:
        raise NotFound(gettext("this agency has no access"))
    grant.withdrawn_at = utcnow()
    grant.withdrawn_by_account_id = actor_account_id
    audit.record(db.session, "agency.access_withdrawn", actor_account_id=actor_account_id,
                 coop_id=coop_id, agency_id=agency_id)
    db.session.flush()


def agencies_for_coop(coop_id: int, *, offset: int = 0,
                      limit: int | None = None) -> list[tuple[Agency, AgencyAccess | None]]:
    """Agencies by name, with the co-op's live grant to each (None: no access)."""
    rows = db.session.execute(
        select(Agency, AgencyAccess).outerjoin(AgencyAccess, and_(
            AgencyAccess.agency_id == Agency.id, AgencyAccess.coop_id == coop_id,
            AgencyAccess.withdrawn_at.is_(None))).order_by(Agency.name, Agency.id)
        .offset(offset).limit(limit)).all()
    return [(found, grant) for found, grant in rows]


def count_agencies() -> int:
    """How many agencies there are."""
    return db.session.scalar(select(func.count(Agency.id)))


def advisor_agency_ids(account_id: int) -> list[int]:
    return list(db.session.scalars(select(AgencyAdvisor.agency_id).where(
        AgencyAdvisor.account_id == account_id)))


def visible_coops_query(account_id: int):
    """A select of the co-ops whose live grant covers one of the advisor's agencies."""
    return (select(Coop).join(AgencyAccess, AgencyAccess.coop_id == Coop.id)
            .join(AgencyAdvisor, AgencyAdvisor.agency_id == AgencyAccess.agency_id)
            .where(AgencyAdvisor.account_id == account_id,
                   AgencyAccess.withdrawn_at.is_(None)).distinct())


def advisor_coop(slug: str, account_id: int, *, ip: str | None = None) -> Coop:
    """The co-op at ``slug`` if it has granted one of the advisor's agencies access.

    Otherwise NotFound, exactly as for a slug that does not exist; the refusal is audited.
    """
    coop = db.session.scalar(visible_coops_query(account_id).where(Coop.slug == slug))
    if coop is None:
        audit.record_despite_rollback("agency.access_refused", actor_account_id=account_id,
                                      outcome="refused", ip=ip, slug=slug[:40])
        raise NotFound()
    return coop
