"""A damaged, tampered or newer archive is refused with a clear error, and creates nothing."""

from __future__ import annotations

import json
import zipfile

import pytest
from sqlalchemy import func, select, text

from core.db import db
from tenants.context import store
from tenants.registry.models import Coop
from tests.fixtures.factories import in_coop, unique
from tests.services.portability.helpers import reseal, seed_distinct


@pytest.fixture
def archive(app, two_coops, tmp_path):
    """An export of the first of two seeded co-ops."""
    (coop, _admin), (other, _) = two_coops
    for each in (coop, other):
        with in_coop(app, each) as session:
            seed_distinct(session)
    path = tmp_path / "good.zip"
    result = app.test_cli_runner().invoke(args=["coop", "export", coop.slug, "--out", str(path)])
    assert result.exit_code == 0, result.output
    return path


def rewrite(source, target, change):
    """Copy a zip, passing each member through ``change(name, data)`` (None drops it), then
    reseal it as a careful tamperer would, so the refusal is about the change itself."""
    staging = target.with_suffix(".staging")
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(staging, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
    reseal(staging, target)
    return target


def _manifest(change):
    def apply(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        change(manifest)
        return json.dumps(manifest).encode()
    return apply


def _flip_one_byte(name, data):
    if name == "tenant/members.jsonl":
        index = data.index(b"Member")
        return data[:index] + b"N" + data[index + 1:]
    return data


CASES = {
    "one byte changed in a part": (lambda n, d: _flip_one_byte(n, d), "checksum"),
    "one part missing": (lambda n, d: None if n == "tenant/workers.csv" else d, "missing"),
    "a part added": (lambda n, d: d, "does not list"),
    "a newer format version": (_manifest(lambda m: m.update(format_version=2)),
                               "format version 2"),
    "a newer schema head": (_manifest(lambda m: m.update(schema_head="9999")), "9999"),
    "a row count changed": (_manifest(lambda m: [p.update(rows=p["rows"] + 1) for p in
                                                 m["parts"] if p["name"] ==
                                                 "tenant/members.jsonl"]), "rows"),
}


def _stores(app) -> set[str]:
    """Every co-op store there is: SQLite files, or PostgreSQL co-op schemas."""
    with app.app_context():
        tenant_store = store()
        if tenant_store.kind == "sqlite":
            return {p.name for p in tenant_store.root.glob("*.sqlite")}
        with tenant_store.owner_engine.connect() as conn:
            return set(conn.execute(text(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'coop\\_%'")).scalars())


def _coops(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Coop.id)))


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_tampered_archive_is_refused_and_creates_nothing(app, archive, tmp_path, case):
    change, says = CASES[case]
    bad = rewrite(archive, tmp_path / "bad.zip", change)
    if case == "a part added":
        with zipfile.ZipFile(bad) as sealed, zipfile.ZipFile(tmp_path / "plus.zip", "w") as plus:
            for name in sealed.namelist():
                plus.writestr(name, sealed.read(name))
            plus.writestr("tenant/extra.jsonl", b"{}\n")
        reseal(tmp_path / "plus.zip", bad)
    before, stores = _coops(app), _stores(app)
    slug = unique("tampered")
    result = app.test_cli_runner().invoke(args=["coop", "import", str(bad), "--slug", slug])
    assert result.exit_code == 2
    assert "error:" in result.output and says in result.output
    assert _coops(app) == before
    with app.app_context():
        assert db.session.scalar(select(Coop).where(Coop.slug == slug)) is None
    assert _stores(app) == stores


def test_any_byte_changed_in_the_raw_file_is_refused(app, archive, tmp_path):
    """One byte changed anywhere (content, a header's date or flags, the directory, the
    end record): each is refused and nothing is created."""
    original = archive.read_bytes()
    step = max(1, len(original) // 80)
    positions = sorted({*range(0, len(original), step), len(original) - 1,
                        len(original) - 10, 6, 10, 12})
    before, stores = _coops(app), _stores(app)
    runner = app.test_cli_runner()
    accepted = []
    for position in positions:
        data = bytearray(original)
        data[position] ^= 0x01
        bad = tmp_path / f"raw-{position}.zip"
        bad.write_bytes(bytes(data))
        result = runner.invoke(args=["coop", "import", str(bad), "--slug", unique("raw")])
        if result.exit_code != 2 or "error:" not in result.output:
            accepted.append((position, result.exit_code, result.output[-300:],
                             repr(result.exception)))
    assert accepted == []
    assert _coops(app) == before and _stores(app) == stores


def test_importing_the_same_archive_twice_changes_nothing(app, archive):
    slug = unique("twice")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["coop", "import", str(archive), "--slug", slug])
    assert first.exit_code == 0, first.output
    before = _coops(app)
    second = runner.invoke(args=["coop", "import", str(archive), "--slug", slug])
    assert second.exit_code == 0 and "nothing to do" in second.output
    assert _coops(app) == before


def test_a_failure_while_loading_removes_what_was_created(app, archive, tmp_path):
    """Rows that break a constraint: the store and the registry row are removed again."""
    def break_rows(name, data):
        if name == "tenant/members.jsonl":
            row = json.loads(data.decode().splitlines()[0])
            row["shares_held"] = -5  # refused by the CHECK constraint
            lines = data.decode().splitlines()
            lines[0] = json.dumps(row, sort_keys=True, separators=(",", ":"))
            return ("\n".join(lines) + "\n").encode()
        return data

    def fix_digests(source, target):
        import hashlib
        with zipfile.ZipFile(source) as old:
            manifest = json.loads(old.read("manifest.json"))
            for part in manifest["parts"]:
                body = old.read(part["name"])
                part["sha256"] = hashlib.sha256(body).hexdigest()
                part["bytes"] = len(body)
        return rewrite(source, target, lambda n, d: json.dumps(manifest).encode()
                       if n == "manifest.json" else d)  # rewrite reseals

    broken = fix_digests(rewrite(archive, tmp_path / "b1.zip", break_rows), tmp_path / "b2.zip")
    before, stores = _coops(app), _stores(app)
    slug = unique("broken")
    result = app.test_cli_runner().invoke(args=["coop", "import", str(broken), "--slug", slug])
    assert result.exit_code == 2 and "could not be loaded, so nothing was kept" in result.output
    assert _stores(app) == stores
    assert _coops(app) == before
    with app.app_context():
        assert db.session.scalar(select(Coop).where(Coop.slug == slug)) is None


def test_a_changed_length_in_the_central_directory_is_refused(app, archive, tmp_path):
    """zipfile reads a too-long extra field on the last directory entry as empty, so the
    directory's own length fields are checked too (a 1-in-5 miss of the byte sweep above)."""
    import struct
    import zipfile

    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as sealed:
        position = sealed.start_dir
    last = position
    while data[position:position + 4] == zipfile.stringCentralDir:
        last = position
        name, extra, comment = struct.unpack("<HHH", data[position + 28:position + 34])
        position += zipfile.sizeCentralDir + name + extra + comment
    data[last + 31] ^= 0x01  # the high byte of the last entry's extra-field length
    bad = tmp_path / "directory.zip"
    bad.write_bytes(bytes(data))
    before = _coops(app)
    result = app.test_cli_runner().invoke(args=["coop", "import", str(bad), "--slug",
                                                unique("dir")])
    assert result.exit_code == 2 and "error:" in result.output, result.output
    assert _coops(app) == before
