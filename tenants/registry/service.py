"""The registry: finding a co-op for a signed-in person, and changing its lifecycle state."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Select, and_, select

from core import audit, revisions
from core.db import db
from core.errors import Conflict, NotFound, Unavailable
from core.formatting import language
from core.timeutil import utcnow
from tenants.registry.models import Coop, CoopState, Membership

# Which states may move to which, by the federation admin's hand.
_TRANSITIONS = {
    "suspend": ({CoopState.ACTIVE, CoopState.MAINTENANCE}, CoopState.SUSPENDED),
    "reactivate": ({CoopState.SUSPENDED}, CoopState.ACTIVE),
    "archive": ({CoopState.SUSPENDED, CoopState.ACTIVE}, CoopState.ARCHIVED),
}


def with_access(stmt: Select, slug, account_id) -> Select:
    """``stmt`` with two more columns: the co-op at ``slug`` and the role there of
    ``account_id`` (each a value, a column or a bound parameter), both outer-joined, so
    the row comes back (with None in them) when there is no such co-op or no membership.

    The workspace reads them in the login-session query, so a request pays one round
    trip for the session, the co-op and the role; ``access_coop`` decides on them.
    """
    return stmt.add_columns(Coop, Membership.role).outerjoin(
        Coop, Coop.slug == slug).outerjoin(Membership, and_(
            Membership.coop_id == Coop.id, Membership.account_id == account_id))


def access_coop(slug: str, account_id: int, *, ip: str | None = None,
                found: tuple[Coop | None, str | None] | None = None) -> tuple[Coop, str]:
    """The co-op at ``slug`` and the person's role there, in one query (none when
    ``found`` holds what ``with_access`` read for this slug and account in this request).

    Anyone who is not a member gets NotFound, exactly as for a slug that does not
    exist, and the refusal is audited.
    """
    if found is None:
        row = db.session.execute(
            select(Coop, Membership.role).outerjoin(Membership, and_(
                Membership.coop_id == Coop.id, Membership.account_id == account_id))
            .where(Coop.slug == slug)).first()
        found = (row.Coop, row.role) if row else (None, None)
    coop, role = found
    if coop is None or role is None:
        audit.record_despite_rollback(
            "access.refused", actor_account_id=account_id, outcome="refused",
            coop_id=coop.id if coop else None, ip=ip, slug=slug[:40])
        raise NotFound()
    check_serving(coop)
    return coop, role


def check_serving(coop: Coop) -> None:
    """Raise Unavailable unless the co-op is active and at the current schema version."""
    head = revisions.head(current_app.config["TENANT_MIGRATIONS_PATH"])
    if coop.state == CoopState.ACTIVE and coop.schema_version == head:
        return
    if coop.state in (CoopState.PENDING, CoopState.PROVISIONING):
        raise Unavailable("setting_up", state=coop.state)
    if coop.state == CoopState.SUSPENDED:
        raise Unavailable("suspended", state=coop.state)
    if coop.state == CoopState.ARCHIVED:
        raise NotFound()
    raise Unavailable("maintenance", state=coop.state)


def names_by_id(coop_ids, locale: str | None = None) -> dict[int, str]:
    """Each co-op's name in ``locale`` (the reader's language by default), by id."""
    locale = locale or language()
    return {coop.id: coop.display_name(locale)
            for coop in db.session.scalars(select(Coop).where(Coop.id.in_(list(coop_ids))))}


def coop_by_slug(slug: str) -> Coop:
    """The co-op with this slug; NotFound if there is none."""
    coop = db.session.scalar(select(Coop).where(Coop.slug == slug))
    if coop is None:
        raise NotFound(f"no co-op {slug!r}")
    return coop


def change_state(slug: str, action: str, *, actor_account_id: int | None = None,
                 reason: str | None = None) -> Coop:
    """Suspend, reactivate or archive a co-op, with an audit row in the same transaction."""
    allowed, target = _TRANSITIONS[action]
    coop = coop_by_slug(slug)
    if coop.state not in allowed:
        raise Conflict(f"cannot {action} a co-op that is {coop.state}")
    before = coop.state
    coop.state = target
    coop.state_reason = reason
    audit.record(db.session, f"coop.{action}", actor_account_id=actor_account_id,
                 coop_id=coop.id, before=str(before), after=str(target))
    db.session.flush()
    return coop


SHARING_CHOICES = ("shares_statistics", "joins_worker_pool")


def set_sharing(coop_id: int, *, actor_account_id: int | None, **choices: bool) -> Coop:
    """Record the co-op's data-sharing choices, audited in the same transaction.

    ``choices`` takes any of ``SHARING_CHOICES``; each is an explicit yes or no.
    """
    unknown = set(choices) - set(SHARING_CHOICES)
    if unknown:
        raise ValueError(f"unknown sharing choice {sorted(unknown)}")
    coop = db.session.get(Coop, coop_id)
    if coop is None:
        raise NotFound()
    for name, value in choices.items():
        if getattr(coop, name) != bool(value):
            setattr(coop, name, bool(value))
            audit.record(db.session, f"coop.sharing.{name}", actor_account_id=actor_account_id,
                         coop_id=coop.id, after=bool(value))
    db.session.flush()
    return coop


def verify_for_statistics(coop_id: int, *, actor_account_id: int | None, **detail) -> Coop:
    """Record that a federation admin, or an advisor of an agency the co-op granted access,
    has checked this co-op is real: only then do its figures count in pooled statistics
    (issue 18). Audited in the same transaction, with ``detail`` (e.g. the agency); a
    co-op already verified is left as it is."""
    coop = db.session.get(Coop, coop_id)
    if coop is None:
        raise NotFound()
    if coop.stats_verified_at is None:
        coop.stats_verified_at = utcnow()
        audit.record(db.session, "coop.stats_verified", actor_account_id=actor_account_id,
                     coop_id=coop.id, **detail)
        db.session.flush()
    return coop
