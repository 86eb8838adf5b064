"""Schema migrations of the federation's store and of every co-op's store (migrate-all).

The federation goes first. Then every co-op whose registry row is behind the tenant
head is upgraded in parallel worker processes, each co-op in its own transaction with
a lock timeout. A co-op that fails is put into maintenance and the run goes on; the
registry records each co-op's version, so a pass with nothing to do costs one query.

Spare stores of the warm pool (see ``tenants.provisioning``) are migrated with the
co-ops, found by the same query: provisioning claims only spares at head, so a spare
left behind is never handed out. A spare that fails is marked (never claimed again) and
the refill job replaces it; it holds no one's data, so nothing goes into maintenance.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import sqlite3
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event, literal, select, text, union_all, update
from sqlalchemy.pool import NullPool

from core.audit import record
from core.db import FEDERATION_SCHEMA, configure_sqlite, db, is_sqlite
from core.ddl import PG_APPEND_ONLY_FUNCTION
from core.revisions import alembic_config, head, script_directory
from tenants.registry.models import Coop, CoopState, SpareStore
from tenants.store import TenantRef, TenantStore

log = logging.getLogger(__name__)
FEDERATION_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "federation"

#: States whose store exists and follows the schema; pending, provisioning and failed
#: co-ops are brought to head by provisioning itself.
MIGRATED_STATES = (CoopState.ACTIVE, CoopState.SUSPENDED, CoopState.MAINTENANCE,
                   CoopState.ARCHIVED)


def _fingerprint(path: str) -> tuple:
    versions = Path(path) / "versions"
    return tuple(sorted((entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
                        for entry in os.scandir(versions) if entry.name.endswith(".py")))


@cache
def _disk_scripts(path: str, _fingerprint_: tuple) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(path))


def disk_scripts(path: str) -> ScriptDirectory:
    """The scripts at ``path`` as they are on disk now (read again whenever a file changed)."""
    return _disk_scripts(path, _fingerprint(path))


def disk_head(path: str) -> str:
    """The head revision of the scripts on disk now: what ``coopfed migrate`` brings every
    co-op to, even if this process started before the newest script was deployed."""
    revision = disk_scripts(path).get_current_head()
    if revision is None:
        raise RuntimeError(f"no migrations in {path}")
    return revision


def current_revision(conn: Connection, version_schema: str | None) -> str | None:
    """The revision a store is stamped at, or None for an empty store."""
    context = MigrationContext.configure(conn, opts={"version_table_schema": version_schema})
    return context.get_current_revision()


def upgrade_connection(conn: Connection, path: str, version_schema: str | None, *,
                       from_disk: bool = False) -> str:
    """Upgrade the store behind ``conn`` to head inside the caller's transaction.

    ``from_disk`` upgrades to the head of the scripts on disk now (:func:`disk_head`)
    rather than the head this process first read.
    """
    script = disk_scripts(path) if from_disk else script_directory(path)
    target = script.get_current_head()

    def upgrade(rev, _context):
        return script._upgrade_revs(target, rev)

    environment = EnvironmentContext(alembic_config(path), script, fn=upgrade,
                                     destination_rev=target)
    with environment as env:
        env.configure(connection=conn, version_table_schema=version_schema,
                      render_as_batch=is_sqlite(conn.engine), transactional_ddl=True)
        env.run_migrations()
    return target


def stamp_connection(conn: Connection, path: str, version_schema: str | None) -> str:
    """Record head as the store's revision (after creating tables from the models)."""
    context = MigrationContext.configure(conn, opts={"version_table_schema": version_schema})
    target = head(path)
    context.stamp(script_directory(path), target)
    return target


# -- the federation ---------------------------------------------------------------


def migrate_federation(owner_url: str, app_role: str | None = None) -> str:
    """Bring the federation's store to head; on PostgreSQL also (re)grant the app role."""
    engine = create_engine(owner_url)
    sqlite = is_sqlite(engine)
    if sqlite:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = configure_sqlite(engine.execution_options(
            schema_translate_map={FEDERATION_SCHEMA: None}))
    try:
        with engine.begin() as conn:
            if not sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(7201)"))
                conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {FEDERATION_SCHEMA}")
                conn.exec_driver_sql(PG_APPEND_ONLY_FUNCTION)
            version = upgrade_connection(
                conn, str(FEDERATION_MIGRATIONS), None if sqlite else FEDERATION_SCHEMA)
            if not sqlite and app_role:
                _grant_federation(conn, app_role)
        return version
    finally:
        engine.dispose()


def _grant_federation(conn: Connection, role: str) -> None:
    """Let the application role read and write the federation, but never rewrite the audit log."""
    current = conn.execute(text("SELECT current_user")).scalar_one()
    if current == role:
        return
    conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA {FEDERATION_SCHEMA} TO "{role}"')
    conn.exec_driver_sql(
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {FEDERATION_SCHEMA} '
        f'TO "{role}"')
    conn.exec_driver_sql(
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {FEDERATION_SCHEMA} TO "{role}"')
    conn.exec_driver_sql(
        f'REVOKE UPDATE, DELETE ON {FEDERATION_SCHEMA}.audit_events FROM "{role}"')
    _hide_password_hashes(conn, role)


# Tables whose password_hash the application writes but may never read (see deploy/README.md
# "Role switching"), and the security-definer functions through which it checks them.
HASHED_TABLES = ("accounts", "email_verifications")
PASSWORD_FUNCTIONS = ("password_salt(integer)", "password_matches(integer, text)",
                      "take_pending_password(text)")


def _hide_password_hashes(conn: Connection, role: str) -> None:
    """SELECT on every column but ``password_hash``; EXECUTE on the functions that check it.

    A role switched to, or SQL injected as, the application's login then cannot read a
    hash: a sign-in hashes the candidate with the stored salt and the database compares.
    """
    for table in HASHED_TABLES:
        columns = conn.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = :s "
            "AND table_name = :t AND column_name <> 'password_hash' ORDER BY ordinal_position"),
            {"s": FEDERATION_SCHEMA, "t": table}).scalars().all()
        if not columns:
            continue
        listed = ", ".join(f'"{c}"' for c in columns)
        conn.exec_driver_sql(f'REVOKE SELECT ON {FEDERATION_SCHEMA}.{table} FROM "{role}"')
        conn.exec_driver_sql(
            f'GRANT SELECT ({listed}) ON {FEDERATION_SCHEMA}.{table} TO "{role}"')
    for signature in PASSWORD_FUNCTIONS:
        name = f"{FEDERATION_SCHEMA}.{signature}"
        if conn.execute(text("SELECT to_regprocedure(:f)"), {"f": name}).scalar() is not None:
            conn.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION {name} TO "{role}"')


# -- every co-op ---------------------------------------------------------------------


@dataclass
class MigrateReport:
    """What a migrate-all pass did."""

    head: str
    federation: str | None = None
    upgraded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    spares_upgraded: int = 0
    #: Spare id → error; such a spare is set aside (not claimed) and replaced by the refill.
    spares_failed: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no co-op failed."""
        return not self.failed


@dataclass(frozen=True)
class _WorkerSettings:
    app_url: str
    owner_url: str
    instance_path: str
    deployment: str
    tenant_path: str
    lock_timeout_ms: int


class _KnownRevisionContext(MigrationContext):
    """A MigrationContext told the store's revision, which the caller has just read (and
    locked) in the same transaction: Alembic would otherwise look the version table up in
    the catalogue and read it again before running the scripts."""

    def __init__(self, connection: Connection, opts: dict, heads: tuple[str, ...]):
        super().__init__(connection.dialect, connection, opts)
        self._known_heads = heads

    def get_current_heads(self) -> tuple[str, ...]:
        return self._known_heads


class StoreUpgrader:
    """Brings stores to the tenant head one after another, each in its own transaction.

    Made once per worker process and used for every store it is given, so that each store
    costs only what differs between stores: the script directory and upgrade paths are
    read once, and

    - PostgreSQL: one owner connection serves every store (``lock_timeout`` set for its
      session when it connects, so it also bounds the row lock below; the owner URL reaches
      PostgreSQL itself, never a transaction pooler: deploy/README.md). Per store: a
      transaction that sets ``search_path`` and reads the Alembic version ``FOR UPDATE`` in
      one statement (a second migrate-all running at the same time waits, then sees the new
      version, instead of failing the co-op), the scripts, the version row, the commit.
      ``synchronous_commit`` is off for these commits: the registry commit that records a
      store as upgraded comes later in the WAL and is flushed with it, so a crash can lose
      only upgrades the registry does not claim, and the next pass redoes them.
    - SQLite: one engine whose connections open the store's file, read-write but never
      created (a missing file is an error, not a new empty store); its dialect is set up
      once instead of once per file. ``busy_timeout`` is the lock timeout.
    """

    def __init__(self, store: TenantStore, owner_url: str, path: str, lock_timeout_ms: int):
        self.store = store
        self.script = script_directory(path)
        self.head = head(path)
        self._lock_timeout_ms = int(lock_timeout_ms)
        self._steps: dict[str | None, list] = {}
        self._file: Path | None = None
        if store.kind == "sqlite":
            self._engine = configure_sqlite(create_engine(
                "sqlite://", creator=self._open_file, poolclass=NullPool))
            event.listen(self._engine, "connect", self._on_sqlite_connect)
        else:
            self._engine = create_engine(owner_url, poolclass=NullPool, connect_args={
                "options": f"-c lock_timeout={self._lock_timeout_ms} -c synchronous_commit=off"})
        self._conn: Connection | None = None

    def coop(self, ref: TenantRef) -> str:
        """Upgrade a co-op's store; its revision afterwards."""
        if self.store.kind == "sqlite":
            return self._upgrade_file(self.store.path(ref))
        return self._upgrade_schema(self.store.schema(ref))

    def spare(self, spare_id: int) -> str:
        """Upgrade a spare store of the warm pool; its revision afterwards."""
        if self.store.kind == "sqlite":
            return self._upgrade_file(self.store.spare_path(spare_id))
        return self._upgrade_schema(self.store.spare_schema(spare_id))

    def close(self) -> None:
        """Close the connection and the engine."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()

    # -- PostgreSQL ------------------------------------------------------------------------
    def _connection(self) -> Connection:
        if self._conn is not None and (self._conn.closed or self._conn.invalidated):
            self._conn.close()  # lost (server restart, network): the next store reconnects
            self._conn = None
        if self._conn is None:
            self._conn = self._engine.connect()
        return self._conn

    def _upgrade_schema(self, schema: str) -> str:
        conn = self._connection().execution_options(schema_translate_map={None: schema})
        with conn.begin():
            row = conn.execute(text(
                "SELECT set_config('search_path', :path, true), v.version_num FROM "
                f'(SELECT version_num FROM "{schema}".alembic_version FOR UPDATE) v'),
                {"path": f'"{schema}"'}).first()
            if row is None:  # a version table with no row: no set_config ran either
                conn.execute(text("SELECT set_config('search_path', :path, true)"),
                             {"path": f'"{schema}"'})
            return self._run(conn, schema, row.version_num if row else None)

    # -- SQLite ------------------------------------------------------------------------------
    def _open_file(self):
        assert self._file is not None
        return sqlite3.connect(f"{self._file.resolve().as_uri()}?mode=rw", uri=True)

    def _on_sqlite_connect(self, dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {self._lock_timeout_ms}")

    def _upgrade_file(self, path: Path) -> str:
        self._file = path
        try:
            with self._engine.begin() as conn:  # BEGIN IMMEDIATE: the write lock, then read
                current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                return self._run(conn, None, current)
        finally:
            self._file = None

    # -- both --------------------------------------------------------------------------------
    def _run(self, conn: Connection, schema: str | None, current: str | None) -> str:
        if current == self.head:
            return current
        if current not in self._steps:
            self._steps[current] = self.script._upgrade_revs(self.head, current)
        steps = self._steps[current]
        context = _KnownRevisionContext(conn, {
            "version_table_schema": schema, "transactional_ddl": True, "script": self.script,
            "fn": lambda _heads, _context: steps}, (current,) if current else ())
        with Operations.context(context):
            context.run_migrations()
        return self.head


_worker_store: TenantStore | None = None
_worker_upgrader: StoreUpgrader | None = None


def _make_store(settings: _WorkerSettings) -> TenantStore:
    app_engine = create_engine(settings.app_url)
    return TenantStore(app_engine=app_engine, owner_url=settings.owner_url,
                       instance_path=settings.instance_path, deployment=settings.deployment,
                       cache_size=16)


def _init_worker(settings: _WorkerSettings, *, forked: bool = True) -> None:
    global _worker_store, _worker_upgrader
    _worker_store = _make_store(settings)
    _worker_upgrader = StoreUpgrader(_worker_store, settings.owner_url, settings.tenant_path,
                                     settings.lock_timeout_ms)
    if forked:
        # Everything inherited from the parent (its app, and in a long-lived parent many
        # cached engines) stays alive and unchanged here: keep the collector from walking it
        # again and again, and from dirtying its copy-on-write pages.
        gc.freeze()


def _close_worker() -> None:
    global _worker_store, _worker_upgrader
    if _worker_upgrader is not None:
        _worker_upgrader.close()
    if _worker_store is not None:
        _worker_store.dispose()
        _worker_store.app_engine.dispose()
    _worker_store = _worker_upgrader = None


#: What a migrate worker is handed: ("coop", id, slug) or ("spare", id, "").
Job = tuple[str, int, str]


def _migrate_chunk(jobs: list[Job]) -> list[tuple[str, int, str | None]]:
    """Migrate each store in its own transaction; return (kind, id, error or None) for each."""
    assert _worker_upgrader is not None
    results = []
    for kind, store_id, slug in jobs:
        try:
            if kind == "spare":
                _worker_upgrader.spare(store_id)
            else:
                _worker_upgrader.coop(TenantRef(store_id, slug))
            results.append((kind, store_id, None))
        except Exception as exc:  # noqa: BLE001 - one store's failure must not stop the run
            results.append((kind, store_id, f"{type(exc).__name__}: {exc}"[:480]))
    return results


#: Stores per chunk handed to a worker at most: the registry records each chunk as it
#: finishes, so co-ops serve again (and a crash loses little) long before a big pass ends.
CHUNK_SIZE = 100


def _chunks(items: list, count: int) -> Iterable[list]:
    size = min(CHUNK_SIZE, max(1, -(-len(items) // count)))
    for start in range(0, len(items), size):
        yield items[start:start + size]


def migrate_all(app, *, workers: int | None = None, federation: bool = True) -> MigrateReport:
    """Migrate the federation, then every co-op behind head, in parallel.

    One co-op's failure never raises: it is reported and the co-op is put into maintenance.
    """
    started = time.perf_counter()
    config = app.config
    tenant_path = config["TENANT_MIGRATIONS_PATH"]
    report = MigrateReport(head=head(tenant_path))
    store: TenantStore = app.extensions["coopfed.store"]
    if federation:
        report.federation = migrate_federation(config["OWNER_DATABASE_URL"], store.app_role()
                                               if store.kind == "postgresql" else None)
    with app.app_context():
        # Co-ops and spares behind head, in one query (a pass with nothing to do is one query).
        coops = select(literal("coop").label("kind"), Coop.id, Coop.slug).where(
            Coop.state.in_([str(s) for s in MIGRATED_STATES]),
            (Coop.schema_version.is_(None)) | (Coop.schema_version != report.head))
        spares = select(literal("spare").label("kind"), SpareStore.id, literal("")).where(
            SpareStore.schema_version.is_not(None), SpareStore.schema_version != report.head,
            SpareStore.failure.is_(None))
        behind = db.session.execute(union_all(coops, spares).order_by("kind", "id")).all()
        db.session.rollback()
    if not behind:
        report.seconds = time.perf_counter() - started
        return report
    settings = _WorkerSettings(
        app_url=config["DATABASE_URL"], owner_url=config["OWNER_DATABASE_URL"],
        instance_path=app.instance_path, deployment=config["DEPLOYMENT"],
        tenant_path=tenant_path, lock_timeout_ms=config["MIGRATE_LOCK_TIMEOUT_MS"])
    jobs: list[Job] = [(row.kind, row.id, row.slug) for row in behind]
    slugs = {store_id: slug for kind, store_id, slug in jobs if kind == "coop"}
    workers = workers or config["MIGRATE_WORKERS"]

    def done(results: list[tuple[str, int, str | None]]) -> None:
        _record_results(app, report, [(i, e) for k, i, e in results if k == "coop"], slugs)
        _record_spares(app, report, [(i, e) for k, i, e in results if k == "spare"])

    if workers <= 1 or len(jobs) < 2 * workers:
        _init_worker(settings, forked=False)
        try:
            for chunk in _chunks(jobs, 1):
                done(_migrate_chunk(chunk))
        finally:
            _close_worker()
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                 initargs=(settings,)) as pool:
            futures = [pool.submit(_migrate_chunk, chunk)
                       for chunk in _chunks(jobs, workers * 4)]
            for future in as_completed(futures):
                done(future.result())
    report.upgraded.sort()
    report.seconds = time.perf_counter() - started
    return report


def _record_spares(app, report: MigrateReport, results: list[tuple[int, str | None]]) -> None:
    """Write each spare's new version, or set it aside with its error."""
    if not results:
        return
    with app.app_context():
        ok_ids = [spare_id for spare_id, error in results if error is None]
        if ok_ids:
            db.session.execute(update(SpareStore).where(SpareStore.id.in_(ok_ids))
                               .values(schema_version=report.head))
        for spare_id, error in results:
            if error is not None:
                report.spares_failed[spare_id] = error
                log.warning("spare store %s not migrated, set aside: %s", spare_id, error)
                db.session.execute(update(SpareStore).where(SpareStore.id == spare_id)
                                   .values(failure=error[:500]))
        db.session.commit()
    report.spares_upgraded += len(ok_ids)


def _record_results(app, report: MigrateReport, results, slugs: dict[int, str]) -> None:
    """Write each co-op's new version, or put it into maintenance, in one transaction."""
    if not results:
        return
    ok_ids = [coop_id for coop_id, error in results if error is None]
    with app.app_context():
        for start in range(0, len(ok_ids), 500):
            batch = ok_ids[start:start + 500]
            db.session.execute(update(Coop).where(Coop.id.in_(batch))
                               .values(schema_version=report.head))
            db.session.execute(
                update(Coop).where(Coop.id.in_(batch), Coop.state == CoopState.MAINTENANCE,
                                   Coop.state_reason.like("migration failed%"))
                .values(state=CoopState.ACTIVE, state_reason=None))
        for coop_id, error in results:
            if error is None:
                continue
            report.failed[slugs[coop_id]] = error
            db.session.execute(update(Coop).where(Coop.id == coop_id).values(
                state=CoopState.MAINTENANCE, state_reason=f"migration failed: {error}"[:500]))
            record(db.session, "coop.migration_failed", coop_id=coop_id, outcome="error",
                   revision=report.head)
        db.session.commit()
    report.upgraded.extend(slugs[c] for c in ok_ids)
