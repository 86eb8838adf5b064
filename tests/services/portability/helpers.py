"""Seeding co-ops with distinctive records, and comparing archives field by field."""

from __future__ import annotations

import json
import secrets
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.db import db
from services.lending.models import LedgerEntry, LendingAgreement, LendingRequest
from tenants.clients.models import Client
from tenants.members.models import Member, MemberClass, MemberClassLink
from tenants.rota.models import Visit
from tenants.workforce.models import Availability, Worker, WorkerSkill


def seed_distinct(session, *, workers: int = 3, members: int = 4, clients: int = 2,
                  account_id: int | None = None, member_email: str | None = None) -> dict:
    """Records whose every free-text value is unique to this co-op; returns what was added."""
    tag = secrets.token_hex(4)
    member_class = session.scalar(select(MemberClass).order_by(MemberClass.id))
    added = {"members": [], "workers": [], "clients": [], "tag": tag}
    for i in range(members):
        member = Member(display_name=f"Member {tag} {i}",
                        email=member_email if i == 0 and member_email else
                        f"m{i}.{tag}@example.org",
                        postal_address=f"{i} Heol {tag}, Caerdydd",
                        account_id=account_id if i == 0 else None,
                        joined_on=date(2024, 1, 1) + timedelta(days=i), shares_held=1)
        session.add(member)
        session.flush()
        session.add(MemberClassLink(member_id=member.id, class_id=member_class.id))
        added["members"].append(member.id)
    for i in range(workers):
        worker = Worker(display_name=f"Worker {tag} {i}", welsh_level="fluent",
                        started_on=date(2023, 5, 1), account_id=account_id if i == 0 else None,
                        member_id=added["members"][0] if i == 0 else None,
                        scw_registration_number=f"SCW-{tag}-{i}",
                        contracted_hours=Decimal("37.50"), dbs_update_service=True)
        worker.skills = [WorkerSkill(skill="personal_care")]
        worker.availability = [Availability(weekday=1, starts=time(8), ends=time(16))]
        session.add(worker)
        session.flush()
        added["workers"].append(worker.id)
    for i in range(clients):
        client = Client(display_name=f"Client {tag} {i}", funding_source="direct_payment",
                        age_band="75-84", la_code="W06000015", preferred_language="cy")
        session.add(client)
        session.flush()
        added["clients"].append(client.id)
        for w in added["workers"]:
            start = datetime(2026, 3, 2, 9) + timedelta(hours=w % 5, days=i)
            session.add(Visit(client_id=client.id, worker_id=w, starts_at=start,
                              ends_at=start + timedelta(minutes=45), status="scheduled",
                              travel_minutes=10, note=f"Visit note {tag} {i}-{w}"))
    session.flush()
    return added


def lend_hours(app, lender, borrower, worker_account_id) -> int:
    """A completed loan from ``lender`` to ``borrower`` with its ledger entry."""
    with app.app_context():
        request = LendingRequest(borrower_coop_id=borrower.id, la_code="W06000015", lat=51.5,
                                 lon=-3.2, rate=Decimal("14.00"), state="filled")
        db.session.add(request)
        db.session.flush()
        agreement = LendingAgreement(request_id=request.id, borrower_coop_id=borrower.id,
                                     lender_coop_id=lender.id, worker_ref="ref-1",
                                     worker_account_id=worker_account_id,
                                     rate=Decimal("14.00"), state="completed")
        db.session.add(agreement)
        db.session.flush()
        db.session.add(LedgerEntry(agreement_id=agreement.id, lender_coop_id=lender.id,
                                   borrower_coop_id=borrower.id, month=date(2026, 11, 1),
                                   minutes=120, rate=Decimal("14.00"),
                                   amount=Decimal("28.00")))
        db.session.commit()
        return agreement.id


def read_archive(path) -> dict[str, list[dict]]:
    """Every JSON Lines part of an archive, by part name."""
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        return {p["name"]: [json.loads(line) for line in
                            archive.read(p["name"]).decode().splitlines()]
                for p in manifest["parts"] if p["kind"] == "jsonl"}


def _ignored(name: str) -> bool:
    """Fields expected to differ between two federations: ids, timestamps, the slug."""
    return (name == "id" or name.endswith("_id") or name.endswith("_at")
            or name in ("slug", "schema_version"))


def comparable(path) -> dict[str, list[dict]]:
    """The archive's rows without ids, timestamps and the slug chosen on import."""
    return {part: [{k: v for k, v in row.items() if not _ignored(k)} for row in rows]
            for part, rows in read_archive(path).items()}


def assert_same_archives(first, second) -> None:
    """Field by field: every part, every row, every compared field equal."""
    a, b = comparable(first), comparable(second)
    assert sorted(a) == sorted(b)
    for part in a:
        assert len(a[part]) == len(b[part]), part
        for index, (left, right) in enumerate(zip(a[part], b[part], strict=True)):
            assert left.keys() == right.keys(), (part, index)
            for field in left:
                assert left[field] == right[field], (part, index, field)


def reseal(source, target) -> None:
    """Rewrite an archive as a careful tamperer would: headers as coopfed writes them, the
    stored-bytes digests and the manifest's own digest recomputed (the content digests in
    the manifest are left as the tamperer made them)."""
    import hashlib

    from services.portability.archive import (
        MANIFEST,
        MANIFEST_DIGEST,
        ZIP_DATE,
        _stored_digests,
    )

    def info(name, method):
        made = zipfile.ZipInfo(name, date_time=ZIP_DATE)
        made.compress_type = method
        made.external_attr = 0o644 << 16
        return made

    with zipfile.ZipFile(source) as old:
        members = {n: old.read(n) for n in old.namelist() if n not in (MANIFEST,
                                                                       MANIFEST_DIGEST)}
        manifest = json.loads(old.read(MANIFEST))
    with zipfile.ZipFile(target, "w") as new:
        for name, body in members.items():
            new.writestr(info(name, zipfile.ZIP_DEFLATED), body)
    stored = _stored_digests(target)
    for part in manifest["parts"]:
        if part["name"] in stored:
            part["stored_sha256"] = stored[part["name"]]
    body = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "a") as new:
        new.writestr(info(MANIFEST, zipfile.ZIP_STORED), body)
        new.writestr(info(MANIFEST_DIGEST, zipfile.ZIP_STORED),
                     hashlib.sha256(body).hexdigest().encode())
