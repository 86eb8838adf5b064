"""Subject access (UK GDPR Article 15): everything coopfed holds about one person.

For a person with an account: in the federation, every row of every table with a
foreign key to their account (their account itself without its password hash, their
memberships, pool profile, lending agreements, notifications, ...), and the audit
rows they caused or that name them; then, in every co-op they belong to, their
register entries (members, workers: rows whose ``account_id`` is theirs) and every
row that refers to those entries (class links, skills, availability, visits they
were given, ballots they took part in: the participation only, never the anonymous
choice), and the co-op's audit rows about them.

A coordinator can produce the same from one co-op for a person without an account,
starting from their member or worker entry.

Nothing about anyone else: a reference to another person's record (a client on a
visit, a proxy, another account) is blanked, and secrets (hashes, tokens) are left out.
Tables are found from the schema, so new ones are covered without a list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Table, or_, select

from core.audit import AuditEvent
from core.db import db
from services.portability.archive import ArchiveWriter
from services.portability.export import EXPORTABLE_STATES
from services.portability.schema import primary_key, reflect_store
from tenants.context import store
from tenants.registry.models import Coop, Membership
from tenants.store import TenantRef

FORMAT = "coopfed-subject-access"
#: Column-name parts of secrets never handed out, even to their owner.
SECRET_PARTS = ("password", "token", "secret")
#: Tables that hold one row per person; a person's own rows there start the search.
PERSON_TABLES = ("members", "workers")
#: Columns saying a federation row is about the person (not merely done by them).
ABOUT_COLUMNS = ("account_id", "worker_account_id", "subject_account_id")
#: Free text that, in a row the person only acted on, is about other people (a group's
#: application, an advisor's note, a hand-over's recipient): left out of their archive.
OTHERS_TEXT = ("data", "body", "to_name", "to_email", "contact_email")
#: Columns that mark a table as a register of people (its rows are somebody).
PERSON_COLUMNS = ("display_name", "email", "postal_address", "date_of_birth")

Progress = Callable[[int, int], None]


def export_subject(job, out: Path | str, progress: Progress | None = None) -> dict:
    """Write the subject-access archive of ``job``'s person to ``out``; returns the manifest."""
    writer = ArchiveWriter(out, FORMAT)
    try:
        if job.subject_account_id is not None:
            account_id = job.subject_account_id
            coops = [row for row in db.session.execute(
                select(Coop.id, Coop.slug).join(Membership, Membership.coop_id == Coop.id)
                .where(Membership.account_id == account_id,
                       Coop.state.in_([str(s) for s in EXPORTABLE_STATES]))
                .order_by(Coop.slug)).all()
                if store().store_exists(TenantRef(row.id, row.slug))]
            counts = {"federation": _federation_part(writer, account_id)}
            accounts = _accounts()
            emails = {(db.session.scalar(select(accounts.c.email).where(
                accounts.c.id == account_id)) or "").lower()}
            starts = {row.id: {"account_id": account_id} for row in coops}
        else:
            kind, _sep, ident = job.subject_ref.partition(":")
            coop = db.session.get(Coop, job.coop_id)
            coops = [(coop.id, coop.slug)]
            account_id = None
            counts = {}
            emails = set()
            starts = {coop.id: {f"{kind}s": int(ident)}}
        for done, (coop_id, slug) in enumerate(coops, 1):
            counts[f"coop-{slug}"] = _coop_part(writer, TenantRef(coop_id, slug),
                                                starts[coop_id], account_id, emails)
            if progress:
                progress(done, len(coops) + 1)
        return writer.finish({"subject": {
            "account_id": account_id, "ref": job.subject_ref},
            "coops": [slug for _id, slug in coops], "counts": counts,
            "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat()})
    except BaseException:
        writer.abort()
        raise


def _accounts() -> Table:
    """The federation's accounts table (read by name: accounts live in a higher layer)."""
    return db.metadata.tables["federation.accounts"]


def _clean(table: Table, row: dict, own: dict[str, set[int]], person_refs: dict[str, str],
           blank: tuple[str, ...] = ()) -> dict:
    """A row with secrets left out and references to anyone else blanked."""
    clean = {}
    for column in table.columns:
        name = column.name
        if any(part in name for part in SECRET_PARTS):
            continue
        value = None if name in blank else row[name]
        if name.endswith("account_id") and value not in own.get("accounts", set()):
            value = None
        if name.endswith("email") and isinstance(value, str) \
                and value.lower() not in own.get("emails", set()):
            value = None  # someone else's address (a hand-over's recipient, ...)
        target = person_refs.get(name)
        if target is not None and value not in own.get(target, set()):
            value = None
        clean[name] = value
    return clean


def _federation_part(writer: ArchiveWriter, account_id: int) -> dict[str, int]:
    accounts = _accounts()
    email = db.session.scalar(select(accounts.c.email).where(accounts.c.id == account_id))
    own = {"accounts": {account_id}, "emails": {(email or "").lower()}}
    counts = {}
    tables: list[tuple[Table, object]] = [(accounts, accounts.c.id == account_id)]
    for table in db.metadata.sorted_tables:
        columns = [fk.parent for fk in table.foreign_keys if fk.column.table is accounts]
        if columns and table is not accounts:
            tables.append((table, or_(*[c == account_id for c in columns])))
    audit = AuditEvent.__table__
    tables.append((audit, or_(audit.c.actor_account_id == account_id,
                              audit.c.detail["subject_account_id"].as_integer() == account_id,
                              audit.c.detail["account_id"].as_integer() == account_id)))
    for table, where in sorted(tables, key=lambda pair: pair[0].name):
        if any(part in table.name for part in SECRET_PARTS):
            continue
        about = [c for c in ABOUT_COLUMNS if c in table.c]
        key = primary_key(table)
        # Secret columns are never selected: the app's login cannot read password hashes on
        # PostgreSQL (the password vault), and they never belong in an archive anyway.
        readable = [c for c in table.columns if not any(p in c.name for p in SECRET_PARTS)]
        rows = db.session.execute(select(*readable).where(where)
                                  .order_by(*[table.c[k] for k in key])).mappings()
        cleaned = [_clean(table, row, own, {}, () if table is accounts or any(
            row[c] == account_id for c in about) else OTHERS_TEXT) for row in rows]
        columns = list(cleaned[0]) if cleaned else [c.name for c in readable]
        counts[table.name] = writer.add_table(table.name, columns, cleaned,
                                              group="federation", key=key)
    return counts


def _coop_part(writer: ArchiveWriter, ref: TenantRef, start: dict,
               account_id: int | None, emails: set[str]) -> dict[str, int]:
    """The person's rows in one co-op's store, found from their member and worker entries."""
    session = store().session(ref)
    tenant_store = store()
    group = f"coop-{ref.slug}"
    try:
        schema = None if tenant_store.kind == "sqlite" else tenant_store.schema(ref)
        tables = {t.name: t for t in reflect_store(session.connection(), schema)}
        own: dict[str, set[int]] = {"accounts": {account_id} if account_id else set()}
        for name in PERSON_TABLES:
            table = tables.get(name)
            if table is None:
                continue
            own[name] = set()
            if account_id is not None and "account_id" in table.c:
                own[name] |= set(session.scalars(select(table.c.id).where(
                    table.c.account_id == account_id)))
            if start.get(name):
                own[name].add(start[name])
        _link_member_and_worker(session, tables, own)
        members = tables.get("members")
        own["emails"] = set(emails)
        if members is not None and "email" in members.c and own.get("members"):
            own["emails"] |= {e.lower() for e in session.scalars(select(members.c.email).where(
                members.c.id.in_(own["members"]))) if e}
        person_tables = {n for n, t in tables.items()
                         if any(c in t.c for c in PERSON_COLUMNS)}
        counts = {}
        for name, table in sorted(tables.items()):
            where = _rows_about(table, own, person_tables)
            if where is None:
                continue
            refs = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys
                    if fk.column.table.name in person_tables}
            key = primary_key(table)
            rows = session.execute(select(table).where(where)
                                   .order_by(*[table.c[k] for k in key])).mappings()
            cleaned = [_clean(table, row, own, refs) for row in rows]
            columns = [c.name for c in table.columns
                       if not any(p in c.name for p in SECRET_PARTS)]
            counts[name] = writer.add_table(name, columns, cleaned, group=group, key=key)
        return counts
    finally:
        session.rollback()
        session.close()


def _link_member_and_worker(session, tables: dict[str, Table], own: dict[str, set[int]]
                            ) -> None:
    """A worker entry that points at the person's member entry is theirs too, and back."""
    workers, members = tables.get("workers"), tables.get("members")
    if workers is None or members is None or "member_id" not in workers.c:
        return
    if own.get("members"):
        own["workers"] |= set(session.scalars(select(workers.c.id).where(
            workers.c.member_id.in_(own["members"]))))
    if own.get("workers"):
        own["members"] |= set(session.scalars(select(workers.c.member_id).where(
            workers.c.id.in_(own["workers"]), workers.c.member_id.is_not(None))))


def _rows_about(table: Table, own: dict[str, set[int]], person_tables: set[str]):
    """The condition picking this table's rows about the person, or None if it has none."""
    conditions = []
    if table.name in PERSON_TABLES:
        ids = own.get(table.name) or set()
        return table.c.id.in_(ids) if ids else None
    if table.name in person_tables:
        return None  # someone else's register (clients, ...): never theirs
    for fk in table.foreign_keys:
        target = fk.column.table.name
        if target in PERSON_TABLES and own.get(target):
            conditions.append(fk.parent.in_(own[target]))
    accounts = own.get("accounts") or set()
    for column in table.columns:
        if column.name.endswith("account_id") and accounts:
            conditions.append(column.in_(accounts))
    if table.name == "audit_events" and "subject_type" in table.c:
        for kind in PERSON_TABLES:
            if own.get(kind):
                conditions.append((table.c.subject_type == kind[:-1])
                                  & table.c.subject_id.in_(own[kind]))
    return or_(*conditions) if conditions else None
