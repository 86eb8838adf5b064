"""Provisioning a co-op: an idempotent job that a crash at any step can simply re-run.

1. the registry row (written by ``request_coop``, state ``pending``);
2. the store: a file, or a schema and role;
3. the tables, created from the models and stamped at the Alembic head;
4. the default member classes for the co-op's type;
5. the first admin's membership;
6. ``active``.

Each step checks what is already there before it writes, and each runs in its own
transaction, so a re-run finishes the job without duplicating anything.

Steps 2 and 3 are most of the time a co-op takes, so they are done ahead of time: a
warm pool of ``STORE_POOL_SIZE`` spare stores, built and stamped at the tenant head by
the ``refill_pool`` job. Step 2 claims one by renaming it (one short transaction, or one
file rename), step 3 then finds it already at head, and the pool is refilled after
commit. With the pool empty or off, step 2 builds the store as before.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, create_mock_engine, delete, func, insert, select, text, update
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
from tenants.registry.models import Coop, CoopState, CoopType, Membership, Role, SpareStore
from tenants.registry.schemas import CoopRequestSchema
from tenants.store import TenantRef, TenantStore

PROVISION_JOB = "tenants.provisioning:provision"
REFILL_JOB = "tenants.provisioning:refill_pool"
SPARES = SpareStore.__table__


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
    """Step 2: the co-op's file, or its schema and role: a spare from the pool if one is
    ready at the head on disk, else built now."""
    if current_app.config["STORE_POOL_SIZE"] > 0:
        # End the federation transaction the job has open: on SQLite every transaction
        # holds the write lock, which the claim needs to delete the spare's row.
        db.session.commit()
        claimed = claim_spare(tenant_store, ref)
        # Claimed or not, the pool is short of one (or empty): refill it after this commits.
        # On the default queue, which workers take after provisioning: a co-op waiting to
        # be provisioned never waits behind a refill that has not started.
        enqueue_after_commit(db.session, REFILL_JOB, queue="default", job_id="refill-pool")
        db.session.commit()
        if claimed:
            _CLAIMED_AT_HEAD.add(ref.id)
            return
    tenant_store.create_store(ref)


#: Co-ops whose store this process has just claimed from the pool, stamped at the head on
#: disk (the claim checked): step 3 has nothing to read or do for them. A re-run in
#: another process does not know, and simply reads the store's revision.
_CLAIMED_AT_HEAD: set[int] = set()


def create_tables(tenant_store: TenantStore, ref: TenantRef) -> None:
    """Step 3: tables from the models, stamped at head (or upgraded if stamped earlier).

    A spare claimed a moment ago is at the head on disk already: nothing to do.
    """
    if ref.id in _CLAIMED_AT_HEAD:
        _CLAIMED_AT_HEAD.discard(ref.id)
        return
    schema = None if tenant_store.kind == "sqlite" else tenant_store.schema(ref)
    with tenant_store.owner_connection(ref) as conn:
        build_tables(conn, schema)


def build_tables(conn: Connection, schema: str | None) -> str:
    """Bring the empty or stamped store behind ``conn`` to the head on disk; return it.

    An empty store gets its tables from the models this process loaded, stamped at the
    head this process read. If newer scripts have been deployed since (a worker not yet
    restarted after ``coopfed migrate``), the store is then upgraded by the scripts on
    disk, so a new co-op (or spare) is never left behind the others.
    """
    path = current_app.config["TENANT_MIGRATIONS_PATH"]
    revision = migrate.current_revision(conn, schema)
    if revision is None:
        create_schema_tables(conn)
        revision = migrate.stamp_connection(conn, path, schema)
    on_disk = migrate.disk_head(path)
    if revision != on_disk:
        revision = migrate.upgrade_connection(conn, path, schema, from_disk=True)
    return revision


def create_schema_tables(conn: Connection) -> None:
    """The tables of the models (what ``metadata.create_all`` makes) in the empty store
    behind ``conn``: on PostgreSQL in one round trip, into the schema first on the
    connection's search_path.

    ``create_all`` compiles its ~80 statements afresh for every store and sends them one
    at a time, and that was most of an inline build (BENCHMARKS.md, "Why the misses").
    The statements are compiled once per process and dialect instead, without a schema
    (a co-op's store is its search_path, as in the migrations), and sent together.
    """
    statements = schema_ddl(conn.dialect)
    if statements is None:
        metadata.create_all(conn, checkfirst=False)
        return
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(";\n".join(statements))
        return
    # pysqlite's executescript would commit the open transaction first; each statement
    # is a cheap in-process call here anyway.
    for statement in statements:
        conn.exec_driver_sql(statement)


_SCHEMA_DDL: dict[str, tuple[str, ...] | None] = {}


def schema_ddl(dialect) -> tuple[str, ...] | None:
    """The statements ``metadata.create_all(checkfirst=False)`` would run on ``dialect``,
    compiled once per process (the models are loaded once, so the head cannot change);
    None if they cannot be sent as compiled."""
    if dialect.name in _SCHEMA_DDL:
        return _SCHEMA_DDL[dialect.name]
    elements = []
    mock = create_mock_engine(f"{dialect.name}+{dialect.driver}://",
                              lambda element, *_args, **_kw: elements.append(element))
    metadata.create_all(mock, checkfirst=False)
    statements = tuple(str(element.compile(dialect=dialect)).strip() for element in elements)
    if dialect.name == "postgresql" and any("%" in s for s in statements):
        # Compiled for a paramstyle with percent signs, a literal '%' comes out doubled,
        # and a statement sent without parameters reaches the server as written.
        statements = None
    _SCHEMA_DDL[dialect.name] = statements
    return statements


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


# -- the warm pool ---------------------------------------------------------------------

#: pg_advisory_xact_lock(int, int) key held while the pool is counted and one spare built,
#: so that two refill jobs never build past the pool's size (claims never take it).
_REFILL_LOCK = {"a": 7201, "b": 16}


def claim_spare(tenant_store: TenantStore, ref: TenantRef) -> bool:
    """Rename a ready spare, stamped at the head on disk, to ``ref``'s store; False when
    the pool has none (or ``ref`` already has a store: a re-run keeps what it has).

    PostgreSQL: one transaction takes the first free spare with FOR UPDATE SKIP LOCKED
    (two claims never get the same one, nor wait for each other), renames its schema and
    role and deletes its row. SQLite: the file rename is the claim (of two claims of one
    file, one finds it gone and tries the next), then the row goes.
    """
    head = migrate.disk_head(current_app.config["TENANT_MIGRATIONS_PATH"])
    ready = (select(SPARES.c.id)
             .where(SPARES.c.schema_version == head, SPARES.c.failure.is_(None))
             .order_by(SPARES.c.id))
    if tenant_store.kind == "postgresql":
        with tenant_store.owner_engine.begin() as conn:
            # No need to wait for this commit to reach the disk: step 6 (activate) commits
            # synchronously, which flushes all WAL before it, this claim included. A crash
            # before that leaves the co-op unfinished, and provisioning runs again.
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ref.id})
            taken = conn.execute(text(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = :s) "
                "OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :r)"),
                {"s": tenant_store.schema(ref), "r": tenant_store.role(ref)}).scalar()
            if taken:
                return False
            spare_id = conn.scalar(ready.limit(1).with_for_update(skip_locked=True))
            if spare_id is None:
                return False
            tenant_store.claim_spare(spare_id, ref, conn)
            conn.execute(delete(SPARES).where(SPARES.c.id == spare_id))
        return True
    if tenant_store.path(ref).exists():
        return False
    with tenant_store.owner_engine.connect() as conn:
        candidates = list(conn.scalars(ready.limit(8)))
        conn.rollback()
    for spare_id in candidates:
        try:
            tenant_store.claim_spare(spare_id, ref)
        except FileNotFoundError:
            continue  # another claim took it first (or its file was lost: refill drops the row)
        with tenant_store.owner_engine.begin() as conn:
            conn.execute(delete(SPARES).where(SPARES.c.id == spare_id))
        return True
    return False


def refill_pool() -> dict[str, int]:
    """The job that keeps ``STORE_POOL_SIZE`` spares: drops broken and surplus spares and
    builds one missing spare, then queues itself again (after commit) while the pool is
    short. One spare per run keeps each run short, so a worker takes a waiting
    provisioning job between two spares. Idempotent: everything it needs is in the
    registry (and the spare files), so running it twice, or after a lost job, leaves the
    same pool; the periodic run refills a pool whose job Redis lost.
    """
    tenant_store = store()
    size = current_app.config["STORE_POOL_SIZE"]
    dropped = _drop_unusable(tenant_store)
    built = int(_build_spare(tenant_store, size))
    dropped += _trim(tenant_store, size)
    if built:
        with tenant_store.owner_engine.connect() as conn:
            short = _pool_count(conn) < size
            conn.rollback()
        if short:
            enqueue_after_commit(db.session, REFILL_JOB, queue="default", job_id="refill-pool")
    return {"built": built, "dropped": dropped}


def _pool_count(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(SPARES)
                       .where(SPARES.c.failure.is_(None)))


def _build_spare(tenant_store: TenantStore, size: int) -> bool:
    """Build one spare if the pool is short of ``size``; False when it is full."""
    if tenant_store.kind == "postgresql":
        # Row, role, schema, tables and stamp in one transaction: a crash leaves nothing.
        with tenant_store.owner_engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), _REFILL_LOCK)
            if _pool_count(conn) >= size:
                return False
            spare_id = conn.execute(insert(SPARES)).inserted_primary_key[0]
            schema = tenant_store.spare_schema(spare_id)
            tenant_store.create_spare(conn, spare_id)
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
            version = build_tables(
                conn.execution_options(schema_translate_map={None: schema}), schema)
            conn.execute(update(SPARES).where(SPARES.c.id == spare_id)
                         .values(schema_version=version))
        return True
    # SQLite: the row first (without a version: not claimable), counted under the
    # federation's write lock so two refills never overbuild; then the file; then the version.
    with tenant_store.owner_engine.begin() as conn:
        if _pool_count(conn) >= size:
            return False
        spare_id = conn.execute(insert(SPARES)).inserted_primary_key[0]
    try:
        with tenant_store.spare_connection(spare_id, create=True) as conn:
            version = build_tables(conn, None)
        with tenant_store.owner_engine.begin() as conn:
            conn.execute(update(SPARES).where(SPARES.c.id == spare_id)
                         .values(schema_version=version))
    except BaseException:
        tenant_store.drop_spare(spare_id)
        with tenant_store.owner_engine.begin() as conn:
            conn.execute(delete(SPARES).where(SPARES.c.id == spare_id))
        raise
    return True


def _drop(tenant_store: TenantStore, spare_ids: list[int]) -> int:
    """Drop these spares, each unless a claim holds it; return how many went."""
    dropped = 0
    for spare_id in spare_ids:
        if tenant_store.kind == "postgresql":
            with tenant_store.owner_engine.begin() as conn:
                held = conn.scalar(select(SPARES.c.id).where(SPARES.c.id == spare_id)
                                   .with_for_update(skip_locked=True))
                if held is None:
                    continue
                tenant_store.drop_spare(spare_id, conn)
                conn.execute(delete(SPARES).where(SPARES.c.id == spare_id))
        else:
            # The row first: a claim renaming the file meanwhile simply wins it.
            with tenant_store.owner_engine.begin() as conn:
                conn.execute(delete(SPARES).where(SPARES.c.id == spare_id))
            tenant_store.drop_spare(spare_id)
        dropped += 1
    return dropped


def _drop_unusable(tenant_store: TenantStore) -> int:
    """Drop spares migrate-all could not upgrade and, on SQLite, builds that died half way
    and rows whose file is gone (a claim that stopped between its rename and its delete)."""
    with tenant_store.owner_engine.connect() as conn:
        failed = list(conn.scalars(select(SPARES.c.id).where(SPARES.c.failure.is_not(None))))
        rows = conn.execute(select(SPARES.c.id, SPARES.c.schema_version, SPARES.c.created_at)
                            .where(SPARES.c.failure.is_(None))).all()
        conn.rollback()
    unusable = failed
    if tenant_store.kind == "sqlite":
        cutoff = datetime.now(UTC).replace(tzinfo=None) - timedelta(
            seconds=current_app.config["PROVISION_RETRY_SECONDS"])
        for spare_id, version, created_at in rows:
            if version is None:
                if created_at.replace(tzinfo=None) < cutoff:
                    unusable.append(spare_id)
            elif not tenant_store.spare_path(spare_id).exists():
                unusable.append(spare_id)
    return _drop(tenant_store, unusable)


def _trim(tenant_store: TenantStore, size: int) -> int:
    """Drop spares beyond ``size`` (after the setting was lowered): those behind head first."""
    head = migrate.disk_head(current_app.config["TENANT_MIGRATIONS_PATH"])
    with tenant_store.owner_engine.connect() as conn:
        extra = _pool_count(conn) - size
        if extra <= 0:
            conn.rollback()
            return 0
        at_head = (SPARES.c.schema_version == head)
        surplus = list(conn.scalars(
            select(SPARES.c.id).where(SPARES.c.failure.is_(None), SPARES.c.schema_version
                                      .is_not(None))
            .order_by(at_head, SPARES.c.id.desc()).limit(extra)))
        conn.rollback()
    return _drop(tenant_store, surplus)
