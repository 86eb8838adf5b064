"""Import a co-op's archive into this coopfed, under its own slug or a new one.

Everything is checked before anything is created: the archive against its manifest,
its schema head against this coopfed's migration tree, the registry row, the slug.
Then the co-op is registered, its store is built at the archive's schema head, the
rows are loaded with their own ids, and the store is migrated forward to this
coopfed's head, all in one transaction on the store. If the load fails, the store
and the registry row are removed again. Importing the same archive under the same
slug a second time changes nothing.

Account ids in the archive belong to the federation it came from; they are mapped
to this federation's accounts by email (and left empty where no account matches).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from core import audit
from core.db import db
from core.errors import ValidationError
from services.portability.archive import ArchiveRefused, VerifiedArchive, verify
from services.portability.export import FEDERATION, TENANT
from services.portability.models import CoopImport
from services.portability.schema import is_known_revision, reflect_store, upgrade_to
from services.portability.text import _
from tenants import migrate
from tenants.context import store
from tenants.models import metadata as tenant_metadata
from tenants.registry.models import Coop, CoopState, Membership
from tenants.store import TenantRef, TenantStore

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$")
REGISTRY_COPIED = ("name", "name_cy", "coop_type", "la_code", "default_locale",
                   "shares_statistics", "joins_worker_pool")
BATCH = 2000


@dataclass
class ImportResult:
    """What an import did."""

    coop_id: int
    slug: str
    already: bool = False
    rows: int = 0
    memberships: int = 0
    unmatched_accounts: list[str] = field(default_factory=list)
    migrated_from: str | None = None


def import_coop(path: Path | str, *, slug: str | None = None,
                actor_account_id: int | None = None) -> ImportResult:
    """Import the archive at ``path``; see the module docstring. Commits its own steps."""
    archive = verify(path)
    manifest = archive.manifest
    tenant_path = current_app.config["TENANT_MIGRATIONS_PATH"]
    archive_head = manifest.get("schema_head")
    if not isinstance(archive_head, str) or not is_known_revision(tenant_path, archive_head):
        raise ArchiveRefused(_(
            "The archive's data is at schema revision %(head)s, which this coopfed does not "
            "know: it comes from a newer coopfed. Upgrade this coopfed first.",
            head=archive_head))
    registry = _registry_row(archive)
    slug = (slug or registry["slug"]).strip().lower()
    if not SLUG.match(slug):
        raise ValidationError({"slug": [_("Use 2 to 40 lower-case letters, digits and hyphens, "
                                          "starting and ending with a letter or digit.")]})
    existing = db.session.scalar(select(Coop).where(Coop.slug == slug))
    if existing is not None:
        done = db.session.scalar(select(CoopImport).where(
            CoopImport.coop_id == existing.id, CoopImport.archive_sha256 == archive.sha256))
        if done is None:
            raise ValidationError({"slug": [_("'%(slug)s' is already taken. Choose another "
                                              "with --slug.", slug=slug)]})
        if existing.state == CoopState.ACTIVE:
            return ImportResult(existing.id, slug, already=True)
        coop = existing  # an earlier attempt stopped half-way: finish it
    else:
        coop = _register(archive, registry, slug, actor_account_id)
    ref = TenantRef(coop.id, coop.slug)
    tenant_store = store()
    result = ImportResult(coop.id, slug)
    try:
        tenant_store.drop_store(ref)  # whatever a crashed attempt left behind
        tenant_store.create_store(ref)
        accounts = _account_map(archive)
        result.rows = _load_store(tenant_store, ref, archive, archive_head, tenant_path,
                                  accounts)
        if archive_head != migrate.head(tenant_path):
            result.migrated_from = archive_head
    except SQLAlchemyError as exc:
        db.session.rollback()
        _discard(tenant_store, coop.id)
        raise ArchiveRefused(_("The archive's rows could not be loaded, so nothing was kept: "
                               "%(reason)s", reason=str(getattr(exc, "orig", exc))[:300])
                             ) from exc
    except BaseException:
        db.session.rollback()
        _discard(tenant_store, coop.id)
        raise
    result.memberships, result.unmatched_accounts = _restore_memberships(archive, coop.id,
                                                                          accounts)
    coop = db.session.get(Coop, coop.id)
    coop.state = CoopState.ACTIVE
    coop.schema_version = migrate.head(tenant_path)
    coop.provisioned_at = datetime.now(UTC)
    audit.record(db.session, "coop.imported", actor_account_id=actor_account_id,
                 coop_id=coop.id, archive_sha256=archive.sha256, rows=result.rows,
                 schema_head=archive_head, source_slug=registry["slug"])
    db.session.commit()
    return result


def _registry_row(archive: VerifiedArchive) -> dict:
    rows = list(archive.rows(FEDERATION, "coops")) if archive.has_table(FEDERATION, "coops") \
        else []
    if len(rows) != 1:
        raise ArchiveRefused(_("The archive does not hold exactly one co-op registry row."))
    return rows[0]


def _register(archive: VerifiedArchive, registry: dict, slug: str,
              actor_account_id: int | None) -> Coop:
    """The registry row (state provisioning) and the import record, committed."""
    values = {c: registry.get(c) for c in REGISTRY_COPIED if c in registry}
    coop = Coop(slug=slug, state=CoopState.PROVISIONING, **values)
    db.session.add(coop)
    try:
        db.session.flush()
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise ArchiveRefused(_("The archive's registry row was refused: %(reason)s",
                               reason=str(getattr(exc, "orig", exc))[:300])) from exc
    db.session.add(CoopImport(coop_id=coop.id, archive_sha256=archive.sha256,
                              source_slug=str(registry["slug"])[:40],
                              schema_head=archive.manifest["schema_head"]))
    db.session.commit()
    return coop


def _discard(tenant_store: TenantStore, coop_id: int) -> None:
    """Remove what a failed import created: the store and the registry row."""
    coop = db.session.get(Coop, coop_id)
    if coop is None:
        return
    tenant_store.drop_store(TenantRef(coop.id, coop.slug))
    db.session.delete(coop)
    db.session.commit()


def _account_map(archive: VerifiedArchive) -> dict[int, int | None]:
    """The archive's account ids mapped to this federation's accounts, by email."""
    if not archive.has_table(FEDERATION, "accounts"):
        return {}
    accounts = db.metadata.tables["federation.accounts"]
    rows = list(archive.rows(FEDERATION, "accounts"))
    emails = {str(r["email"]).lower(): r["id"] for r in rows if r.get("email")}
    found = dict(db.session.execute(select(func.lower(accounts.c.email), accounts.c.id)
                                    .where(func.lower(accounts.c.email).in_(list(emails))))
                 .all()) if emails else {}
    return {old: found.get(email) for email, old in emails.items()}


def _load_store(tenant_store: TenantStore, ref: TenantRef, archive: VerifiedArchive,
                archive_head: str, tenant_path: str, accounts: dict[int, int | None]) -> int:
    """Build the store at the archive's head, load every row, then migrate to this head."""
    schema = None if tenant_store.kind == "sqlite" else tenant_store.schema(ref)
    code_head = migrate.head(tenant_path)
    loaded = 0
    with tenant_store.owner_connection(ref) as conn:
        if archive_head == code_head:
            tenant_metadata.create_all(conn, checkfirst=False)
            migrate.stamp_connection(conn, tenant_path, schema)
        else:
            upgrade_to(conn, tenant_path, schema, archive_head)
        if tenant_store.kind == "sqlite":
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        tables = reflect_store(conn, schema)
        known = {t.name for t in tables}
        unknown = sorted({p["table"] for p in archive.tables(TENANT)} - known)
        if unknown:
            raise ArchiveRefused(_("The archive holds tables its schema revision does not "
                                   "have: %(tables)s.", tables=", ".join(unknown)))
        for table in tables:
            if archive.has_table(TENANT, table.name):
                loaded += _load_table(conn, table, archive.rows(TENANT, table.name), accounts)
        if tenant_store.kind == "postgresql":
            _reset_sequences(conn, tables, schema)
        if archive_head != code_head:
            migrate.upgrade_connection(conn, tenant_path, schema)
    return loaded


def _load_table(conn: Connection, table: Table, rows, accounts: dict[int, int | None]) -> int:
    decoders = {c.name: _decoder(c) for c in table.columns}
    account_columns = [c.name for c in table.columns if c.name.endswith("account_id")]
    batch: list[dict] = []
    count = 0
    for row in rows:
        values = {}
        for name, value in row.items():
            if name not in decoders:
                raise ArchiveRefused(_("The archive's table %(table)s has a column %(column)s "
                                       "that its schema revision does not have.",
                                       table=table.name, column=name))
            values[name] = decoders[name](value)
        for name in account_columns:
            if values.get(name) is not None:
                values[name] = accounts.get(values[name])
        batch.append(values)
        if len(batch) >= BATCH:
            conn.execute(table.insert(), batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def _decoder(column):
    """Turn an archived (JSON) value back into what ``column`` stores."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = None
    if kind is datetime:
        aware = bool(getattr(column.type, "timezone", False))

        def to_datetime(value):
            if value is None:
                return None
            parsed = datetime.fromisoformat(value)
            return parsed.replace(tzinfo=UTC) if aware and parsed.tzinfo is None else parsed

        return to_datetime
    simple = {date: date.fromisoformat, time: time.fromisoformat, Decimal: Decimal,
              int: int, float: float, bool: bool,
              bytes: lambda v: base64.b64decode(v)}
    convert = simple.get(kind)
    if convert is None:
        return lambda value: value
    if kind is Decimal:
        return lambda value: None if value is None else Decimal(str(value))
    return lambda value: None if value is None else convert(value)


def _reset_sequences(conn: Connection, tables: list[Table], schema: str) -> None:
    """Move each id sequence past the loaded ids, so new rows do not collide with them."""
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not issubclass(_python_type(key[0]), int):
            continue
        qualified = f'"{schema}"."{table.name}"'
        conn.execute(text(
            f'SELECT setval(pg_get_serial_sequence(:table, :column), '
            f'COALESCE((SELECT MAX("{key[0].name}") FROM {qualified}), 0) + 1, false)'),
            {"table": qualified, "column": key[0].name})


def _python_type(column) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:
        return object


def _restore_memberships(archive: VerifiedArchive, coop_id: int,
                         accounts: dict[int, int | None]) -> tuple[int, list[str]]:
    """Memberships for the archive's people who have an account here; the others are named."""
    if not archive.has_table(FEDERATION, "memberships"):
        return 0, []
    emails = {r["id"]: r["email"] for r in archive.rows(FEDERATION, "accounts")} \
        if archive.has_table(FEDERATION, "accounts") else {}
    restored, unmatched = 0, []
    for row in archive.rows(FEDERATION, "memberships"):
        account_id = accounts.get(row["account_id"])
        if account_id is None:
            unmatched.append(emails.get(row["account_id"], f"account {row['account_id']}"))
            continue
        exists = db.session.scalar(select(Membership.id).where(
            Membership.coop_id == coop_id, Membership.account_id == account_id))
        if exists is None:
            db.session.add(Membership(coop_id=coop_id, account_id=account_id, role=row["role"]))
            restored += 1
    return restored, sorted(unmatched)
