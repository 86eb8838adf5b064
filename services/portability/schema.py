"""What a co-op's store actually holds, read from the database rather than from a list.

Export and import both work from the migrated schema: every table the store has
(whoever added it, and whatever revision the store is at), with its columns,
primary key and foreign keys. A table added by a later migration is exported
without anyone having to remember to add it here.
"""

from __future__ import annotations

from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import BLANK_SCHEMA, Connection, MetaData, Table

from core.db import is_sqlite
from tenants import migrate

VERSION_TABLE = "alembic_version"


def reflect_store(conn: Connection, schema: str | None) -> list[Table]:
    """Every table in the store behind ``conn``, parents before children, without a schema.

    The tables are copied into a schema-less MetaData so that a tenant session's
    ``schema_translate_map`` routes them to the co-op's own schema.
    """
    reflected = MetaData()
    reflected.reflect(conn, schema=schema)
    plain = MetaData()
    for table in reflected.sorted_tables:
        if table.name != VERSION_TABLE:
            table.to_metadata(plain, schema=None,
                              referred_schema_fn=lambda *_args: BLANK_SCHEMA)
    return list(plain.sorted_tables)


def primary_key(table: Table) -> list[str]:
    """The columns that order a table's rows: its primary key, or every column."""
    columns = [c.name for c in table.primary_key.columns]
    return columns or [c.name for c in table.columns]


def is_known_revision(path: str, revision: str) -> bool:
    """Whether ``revision`` is in this coopfed's tenant migration tree."""
    try:
        return migrate.script_directory(path).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        return False


def upgrade_to(conn: Connection, path: str, version_schema: str | None, target: str) -> None:
    """Upgrade the store behind ``conn`` from where it is to ``target`` (not past it)."""
    script = migrate.script_directory(path)

    def upgrade(rev, _context):
        return script._upgrade_revs(target, rev)

    environment = EnvironmentContext(migrate.alembic_config(path), script, fn=upgrade,
                                     destination_rev=target)
    with environment as env:
        env.configure(connection=conn, version_table_schema=version_schema,
                      render_as_batch=is_sqlite(conn.engine), transactional_ddl=True)
        env.run_migrations()


def python_type(column) -> type | None:
    """The Python type a column's values come back as, or None when the type cannot say."""
    try:
        return column.type.python_type
    except NotImplementedError:
        return None
