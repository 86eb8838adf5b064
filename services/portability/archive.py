"""The archive format: a zip of parts (JSON Lines and CSV) described by a manifest.

``manifest.json`` names the format and its version, the schema heads the data was
taken at, and for every part its row count, size and SHA-256. Reading an archive
verifies everything (format, version, every part's digest and row count, no part
missing and none extra) before a single row is handed to the caller, so a damaged
or tampered archive is refused before anything is written.

The digests give integrity, not authenticity: whoever can rewrite the archive can
rewrite the manifest too (docs/data-protection.md says how to keep archives safe).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from core.errors import DomainError
from services.portability.text import _

FORMAT = "coopfed-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.sha256"
# Fixed member dates keep two exports of the same data byte-identical.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# A leading character that makes a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


class ArchiveRefused(DomainError):
    """The archive is damaged, tampered with, or newer than this coopfed understands."""

    status = 422
    code = "archive_refused"


# -- values ----------------------------------------------------------------------------


def encode(value):
    """A JSON-ready form of a database value; datetimes with a zone become naive UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def csv_cell(value) -> str:
    """One CSV cell: text that a spreadsheet would run as a formula is quoted with ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _naive_utc(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat()


def encoder_for(kind: type | None):
    """``encode`` specialised once for a column's Python type (the export's hot loop)."""
    if kind in (int, str, bool, float, dict, list):
        return None  # already JSON-ready
    if kind is datetime:
        return lambda v: None if v is None else _naive_utc(v)
    if kind in (date, time):
        return lambda v: None if v is None else v.isoformat()
    if kind is Decimal:
        return lambda v: None if v is None else str(v)
    return encode


def cell_for(kind: type | None):
    """``csv_cell`` specialised for a column's type: only text can smuggle a formula in."""
    if kind is str:
        return lambda v: "" if v is None else ("'" + v if v.startswith(FORMULA_START) else v)
    if kind in (int, float, Decimal, date, time, datetime):
        return lambda v: "" if v is None else str(v)
    return csv_cell


# -- writing ---------------------------------------------------------------------------


class _HashingWriter(io.RawIOBase):
    """Counts and hashes what is written through it into a zip member."""

    def __init__(self, target):
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.target.write(data)


class ArchiveWriter:
    """Writes parts one by one into a zip, then the manifest that describes them."""

    def __init__(self, path: Path | str, archive_format: str = FORMAT):
        self.path = Path(path)
        self.format = archive_format
        self.zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED)
        self.parts: list[dict] = []

    def _member(self, name: str):
        info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return self.zip.open(info, "w", force_zip64=True)

    def _write_part(self, name: str, kind: str, chunks: Iterable[str], rows: int,
                    extra: dict) -> None:
        with self._member(name) as member:
            hashing = _HashingWriter(member)
            for chunk in chunks:
                hashing.write(chunk.encode())
        self.parts.append({"name": name, "kind": kind, "rows": rows, "bytes": hashing.size,
                           "sha256": hashing.digest.hexdigest(), **extra})

    def add_table(self, name: str, columns: list[str], rows: Iterable, *, group: str,
                  key: list[str], types: list[type | None] | None = None) -> int:
        """Add one table as ``<group>/<name>.jsonl`` and ``<group>/<name>.csv``; return its rows.

        ``rows`` are sequences in ``columns`` order (or mappings); ``types`` are the
        columns' Python types, when known, so each value is encoded without guessing.
        Each table is read once and buffered as text.
        """
        types = types or [None] * len(columns)
        encoders = [encoder_for(kind) if kind else encode for kind in types]
        cells = [cell_for(kind) for kind in types]
        order = sorted(range(len(columns)), key=columns.__getitem__)
        keys = [columns[i] for i in order]
        plan = list(enumerate(encoders))
        lines: list[str] = []
        table_csv = io.StringIO()
        writer = csv.writer(table_csv, lineterminator="\r\n")
        writer.writerow(columns)
        count = 0
        for row in rows:
            if isinstance(row, Mapping):
                row = [row[c] for c in columns]
            values = [row[i] if enc is None else enc(row[i]) for i, enc in plan]
            lines.append(_JSON.encode(dict(zip(keys, [values[i] for i in order],
                                               strict=True))))
            writer.writerow([cell(v) for cell, v in zip(cells, values, strict=True)])
            count += 1
        lines.append("")
        extra = {"table": name, "group": group, "columns": columns, "key": key}
        self._write_part(f"{group}/{name}.jsonl", "jsonl", ["\n".join(lines)] if count else [],
                         count, extra)
        self._write_part(f"{group}/{name}.csv", "csv", [table_csv.getvalue()], count, extra)
        return count

    def finish(self, manifest: dict) -> dict:
        """Write the manifest (with every part's digests) and its own digest; close the zip.

        Besides each part's content, the manifest holds the digest of the part's stored
        (compressed) bytes: a deflate stream has bits that do not change what it inflates
        to, and a changed byte there must be refused too. The manifest and its digest are
        stored uncompressed, so every byte of them counts.
        """
        self.zip.fp.flush()
        stored = _stored_digests(self.path)
        for part in self.parts:
            part["stored_sha256"] = stored[part["name"]]
        manifest = {"format": self.format, "format_version": FORMAT_VERSION, **manifest,
                    "parts": self.parts}
        body = (json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False)
                + "\n").encode()
        for name, data in ((MANIFEST, body),
                           (MANIFEST_DIGEST, (hashlib.sha256(body).hexdigest() + "\n").encode())):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            self.zip.writestr(info, data)
        self.zip.close()
        return manifest

    def abort(self) -> None:
        """Close and remove a half-written archive."""
        self.zip.close()
        self.path.unlink(missing_ok=True)


# -- reading ---------------------------------------------------------------------------


@dataclass
class VerifiedArchive:
    """An archive whose every part has been checked against its manifest."""

    path: Path
    manifest: dict
    sha256: str

    def tables(self, group: str) -> list[dict]:
        """The manifest entries of the JSON Lines parts in ``group``."""
        return [p for p in self.manifest["parts"]
                if p["kind"] == "jsonl" and p["group"] == group]

    def rows(self, group: str, table: str) -> Iterator[dict]:
        """The rows of one table, in the order they were exported."""
        with zipfile.ZipFile(self.path) as archive, \
                archive.open(f"{group}/{table}.jsonl") as member:
            for line in io.TextIOWrapper(member, encoding="utf-8"):
                yield json.loads(line)

    def has_table(self, group: str, table: str) -> bool:
        """Whether the archive holds ``table`` in ``group``."""
        return any(p["table"] == table for p in self.tables(group))


def _refuse(message: str) -> ArchiveRefused:
    return ArchiveRefused(message)


def file_sha256(path: Path | str) -> str:
    """The SHA-256 of a whole file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path | str, *, expected_format: str = FORMAT) -> VerifiedArchive:
    """Check the whole archive against its manifest; raise ArchiveRefused saying what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise _refuse(_("There is no archive at %(path)s.", path=str(path)))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _refuse(_("The file is not a coopfed archive (it is not a readable zip file)."
                        )) from None
    with archive:
        _verify_structure(path, archive)
        names = set(archive.namelist())
        if MANIFEST not in names or MANIFEST_DIGEST not in names:
            raise _refuse(_("The archive has no manifest.json."))
        try:
            body = archive.read(MANIFEST)
            digest = archive.read(MANIFEST_DIGEST).decode().strip()
            manifest = json.loads(body)
        except (ValueError, KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error):
            raise _refuse(_("The archive's manifest is damaged.")) from None
        if digest != hashlib.sha256(body).hexdigest():
            raise _refuse(_("The archive's manifest does not match its checksum: it has "
                            "been changed or damaged."))
        if not isinstance(manifest, dict) or manifest.get("format") != expected_format:
            raise _refuse(_("The file is not a coopfed archive of this kind."))
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise _refuse(_(
                "The archive is in format version %(found)s; this coopfed reads version "
                "%(known)s or older. Upgrade coopfed first.",
                found=version, known=FORMAT_VERSION))
        parts = manifest.get("parts")
        if not isinstance(parts, list):
            raise _refuse(_("The archive's manifest lists no parts."))
        listed = {p.get("name") for p in parts if isinstance(p, dict)}
        missing = sorted(listed - names)
        if missing:
            raise _refuse(_("The archive is missing %(parts)s.", parts=", ".join(missing)))
        extra = sorted(names - listed - {MANIFEST, MANIFEST_DIGEST})
        if extra:
            raise _refuse(_("The archive holds files its manifest does not list: %(parts)s.",
                            parts=", ".join(extra)))
        stored = _stored_digests(path)
        for part in parts:
            _verify_part(archive, part)
            if "stored_sha256" in part and stored.get(part["name"]) != part["stored_sha256"]:
                raise _refuse(_("The archive's part %(part)s does not match its checksum: it "
                                "has been changed or damaged.", part=part["name"]))
    return VerifiedArchive(path, manifest, file_sha256(path))


def _stored_digests(path: Path) -> dict[str, str]:
    """The SHA-256 of each member's stored bytes, read through its local header."""
    data = path.read_bytes()
    digests = {}
    position = 0
    while data[position:position + 4] == zipfile.stringFileHeader:
        fields = struct.unpack(zipfile.structFileHeader,
                               data[position:position + zipfile.sizeFileHeader])
        csize, name_length, extra_length = fields[8], fields[10], fields[11]
        start = position + zipfile.sizeFileHeader
        extra = data[start + name_length:start + name_length + extra_length]
        if csize == 0xFFFFFFFF and len(extra) == 20:
            csize = struct.unpack("<HHQQ", extra)[3]
        name = data[start:start + name_length].decode("utf-8")
        begin = start + name_length + extra_length
        digests[name] = hashlib.sha256(data[begin:begin + csize]).hexdigest()
        position = begin + csize
    return digests


def _dos(date_time) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return (hour << 11 | minute << 5 | second // 2), ((year - 1980) << 9 | month << 5 | day)


def _verify_structure(path: Path, archive: zipfile.ZipFile) -> None:
    """Every byte of the zip is either checked content or a header that must agree with the
    central directory: a changed header byte (a date, a flag, a size) is refused too."""
    damaged = _refuse(_("The archive's zip structure has been changed or damaged."))
    infos = sorted(archive.infolist(), key=lambda i: i.header_offset)
    data = path.read_bytes()
    position = 0
    for info in infos:
        if info.header_offset != position or info.comment or info.internal_attr \
                or info.volume or info.reserved or info.flag_bits & ~zipfile._MASK_UTF_FILENAME \
                or info.external_attr != 0o644 << 16 or info.create_system != 3 \
                or info.create_version != max(zipfile.DEFAULT_VERSION, info.extract_version) \
                or info.extra:
            raise damaged
        header = data[position:position + zipfile.sizeFileHeader]
        if len(header) < zipfile.sizeFileHeader:
            raise damaged
        (signature, version, system, flags, method, dostime, dosdate, crc, csize, usize,
         name_length, extra_length) = struct.unpack(zipfile.structFileHeader, header)
        start = position + zipfile.sizeFileHeader
        name = data[start:start + name_length]
        extra = data[start + name_length:start + name_length + extra_length]
        if csize == usize == 0xFFFFFFFF and len(extra) == 20:
            extra_id, extra_size, usize, csize = struct.unpack("<HHQQ", extra)
            if (extra_id, extra_size) != (1, 16):
                raise damaged
        elif extra:
            raise damaged
        encoding = "utf-8" if flags & zipfile._MASK_UTF_FILENAME else "cp437"
        if (signature != zipfile.stringFileHeader or version != info.extract_version
                or system != 0 or flags != info.flag_bits or method != info.compress_type
                or (dostime, dosdate) != _dos(info.date_time) or crc != info.CRC
                or csize != info.compress_size or usize != info.file_size
                or name != info.orig_filename.encode(encoding)):
            raise damaged
        position = start + name_length + extra_length + info.compress_size
    if position != archive.start_dir:
        raise damaged
    end = data[-zipfile.sizeEndCentDir:]
    (signature, disk, disk_dir, count_disk, count, size, offset,
     comment_length) = struct.unpack(zipfile.structEndArchive, end)
    if (signature != zipfile.stringEndArchive or disk or disk_dir or comment_length
            or count_disk != count or count != len(infos) or offset != archive.start_dir
            or offset + size + zipfile.sizeEndCentDir != len(data)):
        raise damaged
    # The central directory's own length fields: zipfile reads a too-long extra or comment
    # on the last entry as empty, so walk the entries and require each to end where the
    # next begins, with no extra field and no comment.
    position = offset
    for info in sorted(archive.infolist(), key=lambda i: i.header_offset):
        entry = data[position:position + zipfile.sizeCentralDir]
        if len(entry) < zipfile.sizeCentralDir or entry[:4] != zipfile.stringCentralDir:
            raise damaged
        name_length, extra_length, comment_length = struct.unpack("<HHH", entry[28:34])
        if extra_length or comment_length or name_length != len(info.orig_filename.encode(
                "utf-8" if info.flag_bits & zipfile._MASK_UTF_FILENAME else "cp437")):
            raise damaged
        position += zipfile.sizeCentralDir + name_length
    if position != offset + size:
        raise damaged


def _verify_part(archive: zipfile.ZipFile, part: dict) -> None:
    name = part["name"]
    digest = hashlib.sha256()
    size = 0
    lines = 0
    try:
        with archive.open(name) as member:
            for block in iter(lambda: member.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
                lines += block.count(b"\n")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error):
        # zip's own CRC check fails first when a compressed byte was changed.
        raise _refuse(_("The archive's part %(part)s is damaged.", part=name)) from None
    if digest.hexdigest() != part.get("sha256") or size != part.get("bytes"):
        raise _refuse(_("The archive's part %(part)s does not match its checksum: it has "
                        "been changed or damaged.", part=name))
    if part.get("kind") == "jsonl" and lines != part.get("rows"):
        raise _refuse(_("The archive's part %(part)s holds %(found)s rows, not %(rows)s.",
                        part=name, found=lines, rows=part.get("rows")))
