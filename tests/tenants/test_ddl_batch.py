"""The tenant tables built from precompiled DDL in one batch are exactly what
``metadata.create_all`` builds: tables, columns, types, defaults, constraints, indexes,
triggers and grants, compared in the store's own catalogue."""

from __future__ import annotations

import secrets

from sqlalchemy import event, text

from tenants import migrate, provisioning
from tenants.context import store
from tenants.models import metadata
from tenants.store import TenantRef


def _pg_catalogue(conn, schema: str, role: str) -> dict:
    """The schema's objects, with its own schema and role names replaced by placeholders."""
    def rows(sql: str) -> list[tuple]:
        found = conn.execute(text(sql), {"s": schema}).all()
        return sorted(tuple(str(v).replace(schema, "<schema>").replace(role, "<role>")
                            if v is not None else None for v in row) for row in found)

    return {
        "relations": rows("SELECT relname, relkind, relpersistence, relacl::text FROM pg_class "
                          "WHERE relnamespace = CAST(:s AS regnamespace)"),
        "columns": rows("SELECT table_name, column_name, ordinal_position, data_type, udt_name, "
                        "character_maximum_length, numeric_precision, numeric_scale, "
                        "is_nullable, column_default, is_identity FROM information_schema.columns"
                        " WHERE table_schema = :s"),
        "constraints": rows("SELECT c.conrelid::regclass::text, c.conname, c.contype, "
                            "pg_get_constraintdef(c.oid), c.condeferrable FROM pg_constraint c "
                            "WHERE c.connamespace = CAST(:s AS regnamespace)"),
        "indexes": rows("SELECT tablename, indexname, indexdef FROM pg_indexes "
                        "WHERE schemaname = :s"),
        "triggers": rows("SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid) "
                         "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                         "WHERE c.relnamespace = CAST(:s AS regnamespace) "
                         "AND NOT t.tgisinternal"),
        "sequences": rows("SELECT sequencename, data_type::text, start_value, increment_by "
                          "FROM pg_sequences WHERE schemaname = :s"),
    }


def _sqlite_catalogue(conn) -> dict:
    """Every object of the file, and each table's columns, indexes and foreign keys."""
    master = sorted(tuple(row) for row in conn.exec_driver_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"))
    tables = [name for kind, name, _t, _s in master if kind == "table"]
    detail = {}
    for table in tables:
        detail[table] = (
            [tuple(r) for r in conn.exec_driver_sql(f'PRAGMA table_xinfo("{table}")')],
            sorted(tuple(r)[1:] for r in conn.exec_driver_sql(f'PRAGMA index_list("{table}")')),
            sorted(tuple(r)[2:] for r in conn.exec_driver_sql(
                f'PRAGMA foreign_key_list("{table}")')))
    return {"master": master, "tables": detail}


def catalogue(tenant_store, ref: TenantRef) -> dict:
    """What the store behind ``ref`` holds, comparable across co-ops."""
    with tenant_store.owner_connection(ref) as conn:
        if tenant_store.kind == "sqlite":
            return _sqlite_catalogue(conn)
        return _pg_catalogue(conn, tenant_store.schema(ref), tenant_store.role(ref))


def _reference_ref() -> TenantRef:
    """A store with no co-op behind it, far above the ids the tests' co-ops get."""
    number = 900_000_000 + secrets.randbelow(99_999_999)
    return TenantRef(number, f"ddl-reference-{number}")


def build_with_create_all(tenant_store, ref: TenantRef, path: str) -> None:
    """The store as provisioning built it before the batch: ``metadata.create_all``."""
    tenant_store.create_store(ref)
    schema = None if tenant_store.kind == "sqlite" else tenant_store.schema(ref)
    with tenant_store.owner_connection(ref) as conn:
        metadata.create_all(conn, checkfirst=False)
        migrate.stamp_connection(conn, path, schema)


def test_coops_built_from_the_batch_match_create_all(app, two_coops):
    (worker, _), (dp, _) = two_coops
    reference = _reference_ref()
    with app.app_context():
        tenant_store = store()
        try:
            build_with_create_all(tenant_store, reference, app.config["TENANT_MIGRATIONS_PATH"])
            expected = catalogue(tenant_store, reference)
            for coop in (worker, dp):
                assert catalogue(tenant_store, TenantRef(coop.id, coop.slug)) == expected
        finally:
            tenant_store.drop_store(reference)
    # The comparison sees every table and what hangs on them, not an empty catalogue.
    tables = expected["tables"] if "tables" in expected else {
        name for name, kind, *_ in expected["relations"] if kind == "r"}
    assert set(metadata.tables) <= set(tables)
    if "indexes" in expected:
        assert len(expected["indexes"]) > len(metadata.tables)
        assert expected["triggers"] and expected["constraints"]


def test_the_comparison_sees_a_missing_index(app, two_coops):
    """Guards the test above: one index less in one co-op is a difference it reports."""
    (worker, _), (dp, _) = two_coops
    index = next(i for t in metadata.sorted_tables for i in t.indexes)
    with app.app_context():
        tenant_store = store()
        before = catalogue(tenant_store, TenantRef(dp.id, dp.slug))
        assert catalogue(tenant_store, TenantRef(worker.id, worker.slug)) == before
        with tenant_store.owner_connection(TenantRef(dp.id, dp.slug)) as conn:
            conn.exec_driver_sql(f'DROP INDEX "{index.name}"')
        assert catalogue(tenant_store, TenantRef(dp.id, dp.slug)) != before
        assert catalogue(tenant_store, TenantRef(worker.id, worker.slug)) == before


def test_postgresql_gets_the_tables_in_one_round_trip(app, two_coops):
    """On PostgreSQL the whole schema is one statement batch; SQLite runs them one by one."""
    (worker, _), (dp, _) = two_coops
    reference = _reference_ref()
    sent: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        sent.append(statement)

    with app.app_context():
        tenant_store = store()
        try:
            tenant_store.create_store(reference)
            with tenant_store.owner_connection(reference) as conn:
                event.listen(conn, "before_cursor_execute", listener)
                provisioning.create_schema_tables(conn)
                event.remove(conn, "before_cursor_execute", listener)
                statements = provisioning.schema_ddl(conn.dialect)
        finally:
            tenant_store.drop_store(reference)
    assert statements and len(statements) > len(metadata.tables)
    assert len(sent) == (1 if tenant_store.kind == "postgresql" else len(statements))
    assert worker.id != dp.id
