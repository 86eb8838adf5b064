"""The federation's database handle and the declarative bases of both kinds of store.

Federation tables live in the ``federation`` schema on PostgreSQL; on SQLite the
schema is translated away, because the federation has a file of its own. Tenant
tables have no schema: each session binds them to one co-op's store.
"""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

FEDERATION_SCHEMA = "federation"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class FederationBase(DeclarativeBase):
    """Base of every table in the federation's own store."""

    metadata = MetaData(schema=FEDERATION_SCHEMA, naming_convention=NAMING_CONVENTION)


class TenantBase(DeclarativeBase):
    """Base of every table in a co-op's store; bound to one co-op per session."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=FederationBase)


def is_sqlite(url_or_engine) -> bool:
    """True for SQLite URLs and engines."""
    name = getattr(url_or_engine, "dialect", None)
    if name is not None:
        return url_or_engine.dialect.name == "sqlite"
    return str(url_or_engine).startswith("sqlite")


def sqlite_engine_options() -> dict:
    """Engine options that map the federation schema away on SQLite."""
    return {"execution_options": {"schema_translate_map": {FEDERATION_SCHEMA: None}}}


def configure_sqlite(engine: Engine) -> Engine:
    """Make pysqlite transactional, foreign-key checked and patient with locks.

    pysqlite does not emit BEGIN before DDL, so without this a failed provisioning
    could leave half a store behind, and SAVEPOINTs would not nest. Transactions
    begin IMMEDIATE: in WAL mode a deferred transaction that read first and writes
    later fails at once with "database is locked" if another writer committed in
    between, whereas an immediate one waits its turn (busy_timeout).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Two minutes, not ten seconds: on a loaded machine (issue 17: `make demo` while
        # tests run) a background job could wait longer than 10 s for the write lock
        # and fail; an embedded store has few writers, so waiting its turn is right.
        cursor.execute("PRAGMA busy_timeout = 120000")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
