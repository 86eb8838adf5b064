"""Where each co-op's data lives, and the only way to reach it: ``TenantStore.session(ref)``.

- SQLite (embedded): one file per co-op, ``instance/coops/<slug>.sqlite``, in WAL mode.
- PostgreSQL: one schema per co-op, ``coop_<id>``, with a NOLOGIN role granted rights on
  that schema only. Tenant tables carry no schema; a session maps them onto the co-op's
  schema with ``schema_translate_map`` and begins every transaction with
  ``SET LOCAL ROLE``, so even raw SQL cannot read another co-op's schema.

Domain code never sees which of the two it has. Crossing the boundary on purpose
(provisioning, migrations) uses ``owner_connection`` and is easy to grep for.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool
from sqlalchemy.util import LRUCache

from core.db import configure_sqlite, is_sqlite
from tenants import roleguard

TENANT_KEY = "coopfed.tenant"

#: Compiled statements kept for all SQLite co-ops together (one engine keeps 500 by default).
COMPILED_CACHE_SIZE = 1000


@dataclass(frozen=True)
class TenantRef:
    """Just enough to find a co-op's store: its registry id and slug."""

    id: int
    slug: str


class TenantSession(Session):
    """A session bound to exactly one co-op's store."""

    @property
    def tenant(self) -> TenantRef:
        """The co-op this session belongs to."""
        return self.info[TENANT_KEY]


@event.listens_for(TenantSession, "after_begin")
def _enter_coop_schema(session: Session, _transaction, connection: Connection) -> None:
    role = session.info.get("coopfed.pg_role")
    # A savepoint (begin_nested) begins again on a connection already in this co-op's role
    # for this transaction: SET LOCAL still holds, and the guard would refuse repeating it.
    if role and connection.info.get(roleguard.IN_COOP) != role:
        # SET LOCAL ROLE and search_path in one round trip (one simple query, no
        # parameters). Both are transaction-scoped, so a pooled connection (or PgBouncer in
        # transaction mode) never keeps them; and as commands, not set_config() calls,
        # Citus can pass them on to the node holding the co-op (docs/scaling.md).
        quote = connection.dialect.identifier_preparer.quote_identifier
        connection.exec_driver_sql(
            f"SET LOCAL ROLE {quote(role)}; "
            f"SET LOCAL search_path TO {quote(session.info['coopfed.pg_schema'])}")
        roleguard.entered(connection, role)  # from here on, no statement may change role


def _shared_sqlite_parts() -> tuple:
    """A pysqlite dialect, initialised (SQLite's version read) on an in-memory database, and
    an LRU cache of compiled statements: what all the co-op engines of a store share."""
    template = create_engine("sqlite://")
    try:
        with template.connect():
            pass
    finally:
        template.dispose()
    return template.dialect, LRUCache(COMPILED_CACHE_SIZE)


class TenantStore:
    """Routes a co-op to its store: a file on SQLite, a schema and a role on PostgreSQL."""

    def __init__(self, *, app_engine: Engine, owner_url: str, instance_path: str,
                 deployment: str, cache_size: int = 100):
        self.app_engine = app_engine
        self.kind = "sqlite" if is_sqlite(app_engine) else "postgresql"
        if self.kind == "postgresql":
            roleguard.install(app_engine)
        self.deployment = deployment
        self.root = Path(instance_path) / "coops"
        if cache_size < 1:
            raise ValueError("cache_size must be at least 1")
        self._cache_size = cache_size
        self._engines: OrderedDict[int, Engine] = OrderedDict()
        self._lock = threading.Lock()
        self._owner_url = owner_url
        self._owner_engine: Engine | None = None
        self._app_role: str | None = None
        if self.kind == "sqlite":
            self._sqlite_dialect, self._compiled_cache = _shared_sqlite_parts()
        #: Test seam: co-op id → an open connection to join with savepoints.
        self.bind_override: dict[int, Connection] = {}

    # -- naming ---------------------------------------------------------------
    def schema(self, ref: TenantRef) -> str:
        """The co-op's PostgreSQL schema."""
        return f"coop_{ref.id}"

    def role(self, ref: TenantRef) -> str:
        """The co-op's NOLOGIN role (cluster-wide, so it carries the deployment prefix)."""
        return f"{self.deployment}_coop_{ref.id}"

    def path(self, ref: TenantRef) -> Path:
        """The co-op's SQLite file."""
        return self.root / f"{ref.slug}.sqlite"

    # -- sessions ---------------------------------------------------------------
    def session(self, ref: TenantRef) -> TenantSession:
        """A new session on the co-op's store; the caller owns its transaction."""
        override = self.bind_override.get(ref.id)
        if override is not None:
            session = TenantSession(bind=override, join_transaction_mode="create_savepoint",
                                    expire_on_commit=False)
        else:
            session = TenantSession(bind=self.engine(ref), expire_on_commit=False)
        session.info[TENANT_KEY] = ref
        if self.kind == "postgresql":
            session.info["coopfed.pg_role"] = self.role(ref)
            session.info["coopfed.pg_schema"] = self.schema(ref)
        return session

    def engine(self, ref: TenantRef) -> Engine:
        """The engine serving this co-op with the application's credentials.

        SQLite: one engine per co-op file, bound to that file alone, kept in a
        least-recently-used cache of ``cache_size`` (``TENANT_ENGINE_CACHE``). An engine
        with its open connection weighs about half a megabyte (mostly SQLite's parsed
        schema), so a process that has served every co-op would otherwise keep them all
        (issue 16: 877 MB after 1,000 co-ops). An engine evicted while a session of
        another thread still uses it keeps working for that session: ``dispose`` closes
        only the connections checked in; the others close when they are returned.
        """
        if self.kind == "postgresql":
            return self.app_engine.execution_options(
                schema_translate_map={None: self.schema(ref)})
        with self._lock:
            engine = self._engines.get(ref.id)
            if engine is not None:
                self._engines.move_to_end(ref.id)
                return engine
        engine = self._sqlite_engine(self.path(ref))
        unused: list[Engine] = []
        with self._lock:
            existing = self._engines.setdefault(ref.id, engine)
            self._engines.move_to_end(ref.id)
            while len(self._engines) > self._cache_size:
                unused.append(self._engines.popitem(last=False)[1])
        if existing is not engine:
            unused.append(engine)  # another thread cached one for this co-op first
        for old in unused:  # closing files outside the lock
            old.dispose()
        return existing

    def _sqlite_engine(self, path: Path) -> Engine:
        """An engine on one co-op file: a pool of connections to that file alone, sharing
        the store's dialect and compiled-statement cache with every other co-op's engine.

        Every co-op file has the same schema and SQLite statements name no file, so a
        statement compiles to the same SQL for all of them; with an engine (and a dialect,
        which is part of the cache key) of its own, each co-op compiled and kept its own
        copies. This is what ``create_engine`` assembles, with the dialect passed in.
        """
        url = make_url(f"sqlite:///{path}")
        dialect = self._sqlite_dialect
        cargs, cparams = dialect.create_connect_args(url)
        pool = QueuePool(lambda: dialect.connect(*cargs, **cparams), dialect=dialect)
        on_connect = dialect.on_connect_url(url)  # pysqlite: regexp() and floor()
        if on_connect is not None:
            event.listen(pool, "connect", lambda dbapi_connection, _record:
                         on_connect(dbapi_connection))
        engine = Engine(pool, dialect, url, query_cache_size=0,
                        execution_options={"compiled_cache": self._compiled_cache})
        return configure_sqlite(engine)

    def cached_engines(self) -> int:
        """How many SQLite co-op engines this store holds open now."""
        with self._lock:
            return len(self._engines)

    def forget(self, ref: TenantRef) -> None:
        """Close and drop the cached engine of a co-op (after its file is removed)."""
        with self._lock:
            engine = self._engines.pop(ref.id, None)
        if engine is not None:
            engine.dispose()

    def dispose(self) -> None:
        """Close every cached engine (before forking, and at shutdown)."""
        with self._lock:
            engines = list(self._engines.values())
            self._engines.clear()
        for engine in engines:
            engine.dispose()
        if self._owner_engine is not None:
            self._owner_engine.dispose()
            self._owner_engine = None

    # -- owner access: provisioning and migrations only ----------------------------
    @property
    def owner_engine(self) -> Engine:
        """The owner credential's engine (PostgreSQL); the app engine on SQLite."""
        if self.kind == "sqlite":
            return self.app_engine
        if self._owner_engine is None:
            self._owner_engine = create_engine(self._owner_url, pool_pre_ping=True,
                                               pool_recycle=1800)  # as the app engine
        return self._owner_engine

    @contextmanager
    def owner_connection(self, ref: TenantRef) -> Iterator[Connection]:
        """A connection in a transaction on the co-op's store with owner rights.

        On PostgreSQL unqualified names resolve in the co-op's schema, for Alembic.
        """
        if self.kind == "sqlite":
            self.root.mkdir(parents=True, exist_ok=True)
            with self.engine(ref).begin() as conn:
                yield conn
            return
        engine = self.owner_engine.execution_options(
            schema_translate_map={None: self.schema(ref)})
        with engine.begin() as conn:
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{self.schema(ref)}"')
            yield conn

    def app_role(self) -> str:
        """The role the application logs in as (PostgreSQL)."""
        if self._app_role is None:
            url = make_url(str(self.app_engine.url))
            self._app_role = url.username or os.environ.get("PGUSER") or "postgres"
        return self._app_role

    def create_store(self, ref: TenantRef) -> None:
        """Create the co-op's file, or its role and schema with grants. Safe to repeat."""
        if self.kind == "sqlite":
            self.root.mkdir(parents=True, exist_ok=True)
            with self.engine(ref).connect():
                pass  # connecting creates the file; configure_sqlite turns on WAL
            return
        role, schema = self.role(ref), self.schema(ref)
        with self.owner_engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ref.id})
            self._create_schema_and_role(conn, schema, role)

    def _create_schema_and_role(self, conn: Connection, schema: str, role: str) -> None:
        """The schema, its NOLOGIN role with rights on it alone, and the app's membership."""
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if not exists:
            conn.exec_driver_sql(f'CREATE ROLE "{role}" NOLOGIN')
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        conn.exec_driver_sql(
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" '
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"')
        conn.exec_driver_sql(
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" '
            f'GRANT USAGE, SELECT ON SEQUENCES TO "{role}"')
        conn.exec_driver_sql(f'GRANT "{role}" TO "{self.app_role()}"')

    def store_exists(self, ref: TenantRef) -> bool:
        """Whether the co-op's file or schema exists."""
        if self.kind == "sqlite":
            return self.path(ref).exists()
        with self.owner_engine.connect() as conn:
            return conn.execute(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :s"),
                {"s": self.schema(ref)}).first() is not None

    def drop_store(self, ref: TenantRef) -> None:
        """Remove the co-op's store entirely: file, or schema and role. Safe to repeat."""
        if self.kind == "sqlite":
            self.forget(ref)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path(ref)}{suffix}").unlink(missing_ok=True)
            return
        role, schema = self.role(ref), self.schema(ref)
        with self.owner_engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
            if exists:
                conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                conn.exec_driver_sql(f'DROP ROLE "{role}"')


    # -- spares: stores built ahead of time, claimed by provisioning (the warm pool) ------
    #
    # A spare is a co-op store with no co-op yet: schema ``spare_<n>`` with role
    # ``<deployment>_spare_<n>``, or the file ``spares/spare_<n>.sqlite`` (outside
    # ``coops/``, on the same file system so that claiming it is one rename). Claiming
    # renames it to the co-op's names. PostgreSQL keeps grants, default privileges and
    # role memberships by object id, not by name, so a claimed store is exactly what
    # ``create_store`` and the models would have built under the co-op's own names.

    def spare_schema(self, spare_id: int) -> str:
        """A spare's PostgreSQL schema."""
        return f"spare_{spare_id}"

    def spare_role(self, spare_id: int) -> str:
        """A spare's NOLOGIN role."""
        return f"{self.deployment}_spare_{spare_id}"

    def spare_path(self, spare_id: int) -> Path:
        """A spare's SQLite file."""
        return self.root.parent / "spares" / f"spare_{spare_id}.sqlite"

    def create_spare(self, conn: Connection, spare_id: int) -> None:
        """Create a spare's schema and role inside the caller's owner transaction (PostgreSQL)."""
        self._create_schema_and_role(conn, self.spare_schema(spare_id), self.spare_role(spare_id))

    @contextmanager
    def spare_connection(self, spare_id: int, *, create: bool = False) -> Iterator[Connection]:
        """A connection in a transaction on a spare's store with owner rights.

        SQLite: a private engine, closed afterwards so that no WAL file stays beside a
        spare (a claim renames the main file alone). ``create`` allows a new file.
        """
        if self.kind == "sqlite":
            path = self.spare_path(spare_id)
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.exists():
                raise FileNotFoundError(f"spare {spare_id}: no file {path}")
            engine = configure_sqlite(create_engine(f"sqlite:///{path}"))
            try:
                with engine.begin() as conn:
                    yield conn
            finally:
                engine.dispose()
            return
        schema = self.spare_schema(spare_id)
        engine = self.owner_engine.execution_options(schema_translate_map={None: schema})
        with engine.begin() as conn:
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
            yield conn

    def claim_spare(self, spare_id: int, ref: TenantRef, conn: Connection | None = None) -> None:
        """Give a spare's store to ``ref``: rename its schema and role inside the caller's
        owner transaction ``conn`` (PostgreSQL), or rename its file (SQLite, atomic: of two
        claims of one file, the second raises FileNotFoundError)."""
        if self.kind == "sqlite":
            self.root.mkdir(parents=True, exist_ok=True)
            os.rename(self.spare_path(spare_id), self.path(ref))
            return
        assert conn is not None, "a PostgreSQL claim runs in the caller's transaction"
        conn.exec_driver_sql(
            f'ALTER SCHEMA "{self.spare_schema(spare_id)}" RENAME TO "{self.schema(ref)}"')
        conn.exec_driver_sql(
            f'ALTER ROLE "{self.spare_role(spare_id)}" RENAME TO "{self.role(ref)}"')

    def drop_spare(self, spare_id: int, conn: Connection | None = None) -> None:
        """Remove a spare's store (in ``conn``'s transaction on PostgreSQL). Safe to repeat."""
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.spare_path(spare_id)}{suffix}").unlink(missing_ok=True)
            return
        assert conn is not None, "a PostgreSQL drop runs in the caller's transaction"
        role = self.spare_role(spare_id)
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.spare_schema(spare_id)}" CASCADE')
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
