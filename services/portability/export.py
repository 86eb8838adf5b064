"""Export one co-op: every table of its store and its records in the federation, in one archive.

The tenant part is read from the store's migrated schema (``schema.reflect_store``),
so a table added by any later migration is exported without a list to keep. The
federation part is every federation table with a foreign key to the co-op's registry
row (rows that involve the co-op), then every table whose foreign key points at rows
already taken (lending slots, pool shifts, ...), again found from the schema.
Rows are ordered by primary key and tables by name, so the same data always gives
the same parts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import Table, or_, select

from core.db import db
from core.errors import Conflict, NotFound
from services.portability.archive import ArchiveWriter
from services.portability.schema import primary_key, python_type, reflect_store
from tenants import migrate
from tenants.context import store
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef

TENANT = "tenant"
FEDERATION = "federation"
#: Federation tables never exported with a co-op, and why.
FEDERATION_SKIPPED = {
    "inbox_events": "the relay's delivery bookkeeping (event ids only)",
    "group_notes": "a development agency's own working notes, held by the agency",
    "audit_events": "the operator's log; people get their rows through subject access",
    "portability_jobs": "this deployment's bookkeeping of exports",
    "coop_imports": "this deployment's bookkeeping of imports",
    "coop_leavings": "this deployment's bookkeeping of leavings",
}
#: Columns never exported: secrets that would let someone sign in or take over a hand-over.
SECRET_SUFFIXES = ("password_hash", "token_hash")
#: What the archive says about each account the co-op's records refer to.
ACCOUNT_COLUMNS = ("id", "email", "display_name", "locale")
#: Registry columns that describe this deployment's provisioning, not the co-op.
REGISTRY_SKIPPED = ("provisioning_attempts", "state_reason", "first_admin_account_id")
EXPORTABLE_STATES = (CoopState.ACTIVE, CoopState.SUSPENDED, CoopState.ARCHIVED)

Progress = Callable[[int, int], None]


def export_coop(coop_id: int, out: Path | str, progress: Progress | None = None) -> dict:
    """Write co-op ``coop_id``'s archive to ``out`` and return its manifest.

    Raises NotFound for an unknown co-op, Conflict for one whose store is not ready
    (being provisioned, failed, in maintenance, or already removed).
    """
    coop = db.session.get(Coop, coop_id)
    if coop is None:
        raise NotFound(f"There is no co-op {coop_id}.")
    if coop.state not in EXPORTABLE_STATES:
        raise Conflict(f"Co-op {coop.slug} is {coop.state}; its store cannot be exported now.")
    ref = TenantRef(coop.id, coop.slug)
    tenant_store = store()
    if not tenant_store.store_exists(ref):
        raise Conflict(f"Co-op {coop.slug} has no store any more (it has left).")
    tenant_path = current_app.config["TENANT_MIGRATIONS_PATH"]
    writer = ArchiveWriter(out)
    session = tenant_store.session(ref)
    try:
        schema = None if tenant_store.kind == "sqlite" else tenant_store.schema(ref)
        connection = session.connection()
        head = migrate.current_revision(connection, schema)
        tables = reflect_store(connection, schema)
        federation_tables = federation_tables_of(coop.id)
        total = len(tables) + len(federation_tables) + 1
        done = 0
        counts: dict[str, dict[str, int]] = {TENANT: {}, FEDERATION: {}}
        account_ids: set[int] = set()
        for table in sorted(tables, key=lambda t: t.name):
            key = primary_key(table)
            result = session.execute(select(table).order_by(*[table.c[k] for k in key])
                                     .execution_options(yield_per=5000))
            columns = [c.name for c in table.columns]
            counts[TENANT][table.name] = writer.add_table(
                table.name, columns, _collecting(result, columns, account_ids),
                group=TENANT, key=key, types=[python_type(c) for c in table.columns])
            done += 1
            _report(progress, done, total)
        session.rollback()
        for name, (table, where) in sorted(federation_tables.items()):
            chosen = [c for c in table.columns if _exported_column(table, c.name)]
            key = primary_key(table)
            rows = db.session.execute(select(*chosen).where(where)
                                      .order_by(*[table.c[k] for k in key]))
            columns = [c.name for c in chosen]
            counts[FEDERATION][name] = writer.add_table(
                name, columns, _collecting(rows, columns, account_ids), group=FEDERATION,
                key=key, types=[python_type(c) for c in chosen])
            done += 1
            _report(progress, done, total)
        accounts = db.metadata.tables["federation.accounts"]
        rows = db.session.execute(
            select(*[accounts.c[c] for c in ACCOUNT_COLUMNS])
            .where(accounts.c.id.in_(sorted(account_ids))).order_by(accounts.c.id)).mappings()
        counts[FEDERATION]["accounts"] = writer.add_table(
            "accounts", list(ACCOUNT_COLUMNS), rows, group=FEDERATION, key=["id"])
        _report(progress, total, total)
        return writer.finish({
            "coop": {"slug": coop.slug, "name": coop.name},
            "schema_head": head,
            "code_head": migrate.head(tenant_path),
            "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "store": tenant_store.kind,
            "counts": counts,
            "datetimes": "naive ISO 8601; values that had a time zone are in UTC",
        })
    except BaseException:
        writer.abort()
        raise
    finally:
        session.close()


def _collecting(rows, columns: list[str], into: set[int]):
    """Pass rows through, noting the account ids they refer to (``*account_id`` columns)."""
    indexes = [i for i, c in enumerate(columns) if c.endswith("account_id")]
    if not indexes:
        yield from rows
        return
    for row in rows:
        for index in indexes:
            value = row[index]
            if isinstance(value, int):
                into.add(value)
        yield row


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _exported_column(table: Table, name: str) -> bool:
    if name.endswith(SECRET_SUFFIXES):
        return False
    return not (table.name == "coops" and name in REGISTRY_SKIPPED)


def federation_tables_of(coop_id: int) -> dict[str, tuple[Table, object]]:
    """Each federation table that holds rows involving the co-op, with the condition that
    picks them: the registry row, tables that refer to it, and tables that refer to those."""
    coops = db.metadata.tables["federation.coops"]
    chosen: dict[str, tuple[Table, object]] = {"coops": (coops, coops.c.id == coop_id)}
    for table in db.metadata.sorted_tables:
        if table.name in FEDERATION_SKIPPED or table.name in chosen:
            continue
        direct = [fk.parent for fk in table.foreign_keys if fk.column.table is coops]
        if direct:
            chosen[table.name] = (table, or_(*[column == coop_id for column in direct]))
            continue
        via = [fk for fk in table.foreign_keys
               if fk.column.table.name in chosen and fk.column.table is not coops]
        if via:
            conditions = []
            for fk in via:
                parent, parent_where = chosen[fk.column.table.name]
                conditions.append(fk.parent.in_(select(fk.column).where(parent_where)))
            chosen[table.name] = (table, or_(*conditions))
    return chosen
