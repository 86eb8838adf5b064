"""A co-op's store references nothing outside itself (docs/scaling.md).

That is what lets each ``coop_<id>`` schema become a Citus distributed schema, placed on
one worker node and moved between nodes on its own: no foreign key, column type, default
or trigger of a co-op's table may point at the federation schema or at another co-op.
"""

from __future__ import annotations

from sqlalchemy import text

from tenants.context import store
from tenants.models import metadata as tenant_metadata
from tenants.store import TenantRef

# The one object outside a co-op's schema that its tables may use, and why it is safe to
# place a co-op's schema on another node: a function with no data of its own, which Citus
# propagates to every node with the tables that depend on it (docs/scaling.md).
SHARED_FUNCTIONS = {"public.coopfed_append_only()"}


def test_every_tenant_foreign_key_stays_inside_the_store():
    outside = []
    for table in tenant_metadata.tables.values():
        assert table.schema is None, f"{table.name} names a schema: {table.schema}"
        for key in table.foreign_keys:
            # "table.column", or "schema.table.column" when it leaves the store
            target_table = key.target_fullname.rsplit(".", 1)[0]
            if target_table not in tenant_metadata.tables:
                outside.append(f"{table.name}.{key.parent.name} -> {key.target_fullname}")
    assert outside == []


# Every object of a co-op's schema (tables, their columns' defaults, constraints, indexes,
# triggers, sequences, types) and whatever it depends on in another schema.
_DEPENDENCIES_OUTSIDE = text("""
    WITH own AS (
        SELECT 'pg_class'::regclass AS classid, c.oid AS objid
          FROM pg_class c WHERE c.relnamespace = CAST(:schema AS regnamespace)
        UNION ALL
        SELECT 'pg_type'::regclass, t.oid
          FROM pg_type t WHERE t.typnamespace = CAST(:schema AS regnamespace)
        UNION ALL
        SELECT 'pg_constraint'::regclass, k.oid
          FROM pg_constraint k WHERE k.connamespace = CAST(:schema AS regnamespace)
        UNION ALL
        SELECT 'pg_attrdef'::regclass, d.oid
          FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
         WHERE c.relnamespace = CAST(:schema AS regnamespace)
        UNION ALL
        SELECT 'pg_trigger'::regclass, g.oid
          FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
         WHERE c.relnamespace = CAST(:schema AS regnamespace)
    )
    SELECT DISTINCT (pg_identify_object(d.classid, d.objid, d.objsubid)).identity AS what,
           (pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid)).identity AS needs,
           (pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid)).schema AS needs_schema
      FROM pg_depend d JOIN own USING (classid, objid)
     WHERE d.deptype IN ('n', 'a')
""")


def _outside(conn, schema: str) -> list[tuple[str, str]]:
    rows = conn.execute(_DEPENDENCIES_OUTSIDE, {"schema": schema}).all()
    return sorted((row.what, row.needs) for row in rows
                  if row.needs_schema not in (None, schema, "pg_catalog")
                  and row.needs not in SHARED_FUNCTIONS)


def test_a_provisioned_coop_schema_depends_on_nothing_outside_it(app, two_coops,
                                                                  postgres_only):
    (a, _), (b, _) = two_coops
    with app.app_context(), store().owner_engine.connect() as conn:
        tenant_store = store()
        for coop in (a, b):
            schema = tenant_store.schema(TenantRef(coop.id, coop.slug))
            assert _outside(conn, schema) == []
        # The check can fail: a foreign key from one co-op into another is reported.
        schema_a = tenant_store.schema(TenantRef(a.id, a.slug))
        schema_b = tenant_store.schema(TenantRef(b.id, b.slug))
        conn.exec_driver_sql(
            f'ALTER TABLE "{schema_a}".settings ADD COLUMN leak INTEGER '
            f'REFERENCES "{schema_b}".members (id)')
        leaked = _outside(conn, schema_a)
        conn.rollback()
    assert any(schema_b in needs for _what, needs in leaked), leaked
