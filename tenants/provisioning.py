"""Provisioning a co-op: an idempotent job that a crash at any step can simply re-run.

1. the registry row (written by ``request_coop``, state ``pending``);
2. the store: a file, or a schema and role;
3. the tables, created from the models and stamped at the Alembic head;
4. the default member classes for the co-op's type;
5. the first admin's membership;
6. ``active``.

Each step checks what is already there before it writes, and each runs in its own
transaction, so a re-run finishes the job without duplicating anything.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.db import db
from core.errors import Conflict, ValidationError
from core.jobs import enqueue_after_commit
from tenants import migrate
from tenants.context import store
from tenants.members.defaults import DEFAULT_CLASSES
from tenants.members.models import MemberClass
from tenants.models import metadata
from tenants.outbox.service import emit
from tenants.registry.models import Coop, CoopState, CoopType, Membership, Role
from tenants.registry.schemas import CoopRequestSchema
from tenants.store import TenantRef, TenantStore

PROVISION_JOB = "tenants.provisioning:provision"


def validate_request(data: dict) -> dict:
    """Check a co-op request; raise ValidationError naming each bad field."""
    from marshmallow import ValidationError as SchemaError

    try:
        values = CoopRequestSchema().load(data)
    except SchemaError as exc:
        raise ValidationError(exc.messages_dict) from None
    if slug_taken(db.session, values["slug"]):
        raise ValidationError({"slug": [
            f"'{values['slug']}' is already taken. Try "
            + ", ".join(suggest_slugs(db.session, values["slug"])) + "."]})
    return values


def slug_taken(session: Session, slug: str) -> bool:
    """Whether a co-op, in any state, already has this slug."""
    return session.scalar(select(Coop.id).where(Coop.slug == slug)) is not None


def suggest_slugs(session: Session, slug: str, count: int = 3) -> list[str]:
    """Free slugs close to ``slug``."""
    base = re.sub(r"-\d+$", "", slug)[:36].rstrip("-")
    taken = set(session.scalars(select(Coop.slug).where(Coop.slug.like(f"{base}%"))))
    free = [f"{base}-{n}" for n in range(2, 200) if f"{base}-{n}" not in taken]
    return free[:count]


def request_coop(values: dict, *, admin_account_id: int | None,
                 actor_account_id: int | None = None) -> Coop:
    """Add the registry row for validated ``values`` and queue provisioning after commit."""
    coop = Coop(slug=values["slug"], name=values["name"], name_cy=values.get("name_cy"),
                coop_type=values["type"], la_code=values["la"],
                default_locale=values.get("default_locale", "en"),
                state=CoopState.PENDING, first_admin_account_id=admin_account_id)
    db.session.add(coop)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Two requests raced for the same slug; the database kept exactly one.
        raise ValidationError({"slug": [f"'{values['slug']}' is already taken."]}) from None
    audit.record(db.session, "coop.requested", actor_account_id=actor_account_id,
                 coop_id=coop.id, coop_type=coop.coop_type, la=coop.la_code)
    enqueue_provisioning(coop)
    return coop


def enqueue_provisioning(coop: Coop) -> None:
    """Queue the provisioning job for ``coop`` once the current transaction commits."""
    enqueue_after_commit(db.session, PROVISION_JOB, coop.id, queue="provisioning",
                         job_id=f"provision-{coop.id}-{coop.provisioning_attempts}")


#: A co-op in one of these states still needs its provisioning job to run (again).
UNFINISHED = (CoopState.PENDING, CoopState.PROVISIONING, CoopState.FAILED)


def provision_unfinished(*, attempts: int = 5, progress=None) -> None:
    """Wait for queued jobs, then queue provisioning again for every co-op not yet active,
    until none is left; for the demo and commands that must end with working co-ops.

    On a busy machine an embedded store's provisioning job can wait longer for SQLite's
    write lock than its busy timeout and fail, and a stopped process takes its in-process
    jobs with it. Provisioning is idempotent, so such a co-op is simply queued again (as
    the sweeper would, later). After ``attempts`` rounds the error names each co-op and
    the reason its last attempt gave.
    """
    drain = current_app.extensions["coopfed.jobs"].drain
    for _round in range(attempts):
        drain()
        db.session.expire_all()
        waiting = db.session.scalars(select(Coop).where(Coop.state.in_(UNFINISHED))
                                     .order_by(Coop.id)).all()
        if not waiting:
            db.session.commit()
            return
        for coop in waiting:
            if progress is not None:
                progress(f"provisioning {coop.slug} again ({coop.state}"
                         f"{': ' + coop.state_reason if coop.state_reason else ''})")
            enqueue_provisioning(coop)
        db.session.commit()
    drain()
    db.session.expire_all()
    left = db.session.scalars(select(Coop).where(Coop.state.in_(UNFINISHED))).all()
    if left:
        raise RuntimeError("not provisioned after {} attempts: {}".format(attempts, "; ".join(
            f"{c.slug} ({c.state}: {c.state_reason})" for c in left)))


# -- the job -----------------------------------------------------------------------


def provision(coop_id: int) -> str:
    """Run (or finish) provisioning of one co-op; returns its final state."""
    coop = db.session.get(Coop, coop_id)
    if coop is None:
        return "missing"
    if coop.state == CoopState.ACTIVE:
        return coop.state
    if coop.state not in (CoopState.PENDING, CoopState.PROVISIONING, CoopState.FAILED):
        raise Conflict(f"co-op {coop.slug} is {coop.state}, not waiting to be provisioned")
    coop.state = CoopState.PROVISIONING
    coop.state_reason = None
    coop.provisioning_attempts += 1
    db.session.commit()
    ref = TenantRef(coop.id, coop.slug)
    tenant_store = store()
    try:
        for step in STEPS:
            step(tenant_store, ref)
    except Exception as exc:
        db.session.rollback()
        coop = db.session.get(Coop, coop_id)
        coop.state = CoopState.FAILED
        coop.state_reason = f"{type(exc).__name__}: {exc}"[:500]
        audit.record(db.session, "coop.provisioning_failed", coop_id=coop_id, outcome="error")
        db.session.commit()
        raise
    return CoopState.ACTIVE


def create_store(tenant_store: TenantStore, ref: TenantRef) -> None:
    """Step 2: the co-op's file, or its schema and role."""
    tenant_store.create_store(ref)


def create_tables(tenant_store: TenantStore, ref: TenantRef) -> None:
    """Step 3: tables from the models, stamped at head (or upgraded if stamped earlier).

    The models are those this process loaded, so they are stamped at the head this
    process read. If newer scripts have been deployed since (a worker not yet restarted
    after ``coopfed migrate``), the store is then upgraded by the scripts on disk, so a
    new co-op is never left behind the others.
    """
    path = current_app.config["TENANT_MIGRATIONS_PATH"]
    schema = None if tenant_store.kind == "sqlite" else tenant_store.schema(ref)
    with tenant_store.owner_connection(ref) as conn:
        revision = migrate.current_revision(conn, schema)
        if revision is None:
            metadata.create_all(conn, checkfirst=False)
            revision = migrate.stamp_connection(conn, path, schema)
        if revision != migrate.disk_head(path):
            migrate.upgrade_connection(conn, path, schema, from_disk=True)


def seed_defaults(tenant_store: TenantStore, ref: TenantRef) -> None:
    """Step 4: the member classes for the co-op's type, those not already there."""
    coop_type = CoopType(db.session.scalar(select(Coop.coop_type).where(Coop.id == ref.id)))
    session = tenant_store.session(ref)
    try:
        existing = set(session.scalars(select(MemberClass.code)))
        added = [d for d in DEFAULT_CLASSES[coop_type] if d.code not in existing]
        for default in added:
            session.add(MemberClass(
                code=default.code, name_en=default.name_en, name_cy=default.name_cy,
                voting=default.voting, vote_cap_pct=default.vote_cap_pct,
                min_shares=default.min_shares, eligibility_en=default.eligibility_en,
                eligibility_cy=default.eligibility_cy))
        if added:
            emit(session, "coop.seeded", member_classes=len(added))
        session.commit()
    finally:
        session.close()


def first_admin(_tenant_store: TenantStore, ref: TenantRef) -> None:
    """Step 5: the first admin's membership, unless it is already there."""
    account_id = db.session.scalar(select(Coop.first_admin_account_id).where(Coop.id == ref.id))
    if account_id is None:
        return
    exists = db.session.scalar(select(Membership.id).where(
        Membership.coop_id == ref.id, Membership.account_id == account_id))
    if exists is None:
        db.session.add(Membership(coop_id=ref.id, account_id=account_id, role=Role.ADMIN))
        audit.record(db.session, "membership.granted", coop_id=ref.id,
                     subject_account_id=account_id, role=str(Role.ADMIN))
    db.session.commit()


def activate(_tenant_store: TenantStore, ref: TenantRef) -> None:
    """Step 6: mark the co-op active at the current schema version."""
    coop = db.session.get(Coop, ref.id)
    coop.state = CoopState.ACTIVE
    # The head on disk, which step 3 brought the store to: a worker started before the
    # newest script was deployed must not record its own, older head.
    coop.schema_version = migrate.disk_head(current_app.config["TENANT_MIGRATIONS_PATH"])
    coop.provisioned_at = datetime.now(UTC)
    audit.record(db.session, "coop.provisioned", coop_id=ref.id,
                 attempts=coop.provisioning_attempts)
    db.session.commit()


STEPS = (create_store, create_tables, seed_defaults, first_admin, activate)


def discard(coop_id: int) -> None:
    """Remove a co-op that never became active: its store, memberships and registry row."""
    coop = db.session.get(Coop, coop_id)
    if coop is None:
        return
    if coop.state not in (CoopState.PENDING, CoopState.PROVISIONING, CoopState.FAILED):
        raise Conflict(f"co-op {coop.slug} is {coop.state}; archive it instead")
    store().drop_store(TenantRef(coop.id, coop.slug))
    audit.record(db.session, "coop.discarded", coop_id=coop.id, slug=coop.slug)
    db.session.delete(coop)
    db.session.commit()
