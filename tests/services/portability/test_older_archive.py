"""An archive from an older coopfed: the store is built at the archive's schema head,
loaded, then migrated forward to this coopfed's head."""

from __future__ import annotations

import hashlib
import json
import zipfile

from sqlalchemy import create_engine, select

from core.db import db
from services.portability.schema import reflect_store, upgrade_to
from tenants import migrate
from tenants.members.models import Member
from tests.fixtures.factories import in_coop, unique
from tests.services.portability.helpers import reseal, seed_distinct


def _schema_at(tmp_path, path: str, revision: str) -> dict[str, list[str]]:
    """The tables and columns a tenant store has at ``revision``."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    try:
        with engine.begin() as conn:
            upgrade_to(conn, path, None, revision)
            return {t.name: [c.name for c in t.columns] for t in reflect_store(conn, None)}
    finally:
        engine.dispose()


def _as_of(source, target, schema: dict[str, list[str]], revision: str):
    """Rewrite an archive as an older coopfed would have written it."""
    with zipfile.ZipFile(source) as old:
        manifest = json.loads(old.read("manifest.json"))
        parts, bodies = [], {}
        for part in manifest["parts"]:
            if part["group"] == "tenant" and part["table"] not in schema:
                continue
            body = old.read(part["name"])
            if part["group"] == "tenant" and part["kind"] == "jsonl":
                keep = schema[part["table"]]
                rows = [json.loads(line) for line in body.decode().splitlines()]
                body = "".join(json.dumps({k: v for k, v in r.items() if k in keep},
                                          sort_keys=True) + "\n" for r in rows).encode()
            part = {**part, "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
            parts.append(part)
            bodies[part["name"]] = body
    manifest.update(parts=parts, schema_head=revision)
    staging = target.with_suffix(".staging")
    with zipfile.ZipFile(staging, "w") as new:
        for name, body in [*bodies.items(), ("manifest.json", json.dumps(manifest).encode())]:
            new.writestr(name, body)
    reseal(staging, target)
    return target


def test_an_older_archive_is_loaded_then_migrated_forward(app, two_coops, tmp_path):
    (coop, _admin), _ = two_coops
    with in_coop(app, coop) as session:
        seeded = seed_distinct(session)
    path = app.config["TENANT_MIGRATIONS_PATH"]
    script = migrate.script_directory(path)
    previous = script.get_revision(migrate.head(path)).down_revision
    exported = tmp_path / "now.zip"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["coop", "export", coop.slug, "--out", str(exported)]
                         ).exit_code == 0
    older = _as_of(exported, tmp_path / "older.zip", _schema_at(tmp_path, path, previous),
                   previous)
    slug = unique("older")
    result = runner.invoke(args=["coop", "import", str(older), "--slug", slug])
    assert result.exit_code == 0, result.output
    assert f"migrated from {previous}" in result.output
    with app.app_context():
        from tenants.registry.models import Coop

        moved = db.session.scalar(select(Coop).where(Coop.slug == slug))
        assert moved.schema_version == migrate.head(path)
    with in_coop(app, moved) as session:
        names = set(session.scalars(select(Member.display_name)))
    assert f"Member {seeded['tag']} 0" in names
