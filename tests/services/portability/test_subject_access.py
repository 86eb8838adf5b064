"""Subject access: a care worker in two co-ops gets both, and nothing about anyone else."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.db import db
from services.portability.models import PortabilityJob
from tenants.governance.models import Ballot, BallotChoice, BallotParticipation, Proposal
from tenants.members.models import Member, MemberClass
from tenants.rota.models import Visit
from tenants.workforce.models import Worker
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, add_member, in_coop
from tests.services.portability.helpers import seed_distinct


def _vote(session, member_id: int) -> None:
    """The member took part in a ballot; their choice is stored apart, anonymously."""
    proposal = Proposal(title="Adopt the new rules", kind="ordinary")
    session.add(proposal)
    session.flush()
    now = datetime.now(UTC)
    ballot = Ballot(proposal_id=proposal.id, opens_at=now - timedelta(days=1),
                    closes_at=now + timedelta(days=1))
    session.add(ballot)
    session.flush()
    session.add(BallotParticipation(ballot_id=ballot.id, member_id=member_id))
    member_class = session.scalar(select(MemberClass).order_by(MemberClass.id))
    session.add(BallotChoice(ballot_id=ballot.id, class_id=member_class.id,
                             choice="against"))


def _others(session, own_workers: set[int], own_members: set[int]) -> set[str]:
    """Every personal value of everyone else in the co-op."""
    values: set[str] = set()
    for member in session.scalars(select(Member)):
        if member.id not in own_members:
            values |= {member.display_name, member.email or "", member.postal_address or ""}
    for worker in session.scalars(select(Worker)):
        if worker.id not in own_workers:
            values |= {worker.display_name, worker.scw_registration_number or ""}
    for visit in session.scalars(select(Visit)):
        if visit.worker_id not in own_workers and visit.note:
            values.add(visit.note)
    from tenants.clients.models import Client
    values |= {c.display_name for c in session.scalars(select(Client))}
    return values - {""}


def test_a_care_worker_in_two_coops_gets_both_and_nothing_else(app, two_coops, make_account,
                                                               run_jobs):
    (first, first_admin), (second, second_admin) = two_coops
    carer = make_account()
    others: set[str] = {first_admin.email, second_admin.email}
    own: dict[int, dict] = {}
    for coop in (first, second):
        add_member(app, coop, carer, "worker")
        with in_coop(app, coop) as session:
            seeded = seed_distinct(session, account_id=carer.id, member_email=carer.email)
            _vote(session, seeded["members"][0])
            own[coop.id] = {"worker": seeded["workers"][0], "member": seeded["members"][0]}
            others |= _others(session, {seeded["workers"][0]}, {seeded["members"][0]})
    client = app.test_client()
    assert sign_in(client, carer.email, PASSWORD).status_code == 302
    client.post("/my-data/", data={"csrf_token": csrf_token(client, "/my-data/")})
    run_jobs()
    with app.app_context():
        job = db.session.scalar(select(PortabilityJob).where(
            PortabilityJob.subject_account_id == carer.id))
    assert job.state == "ready", job.error
    download = client.get(f"/my-data/{job.id}/download")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    download.close()
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "coopfed-subject-access"
    assert sorted(manifest["coops"]) == sorted([first.slug, second.slug])
    text = "\n".join(archive.read(n).decode() for n in archive.namelist())

    def rows(name):
        return [json.loads(line) for line in archive.read(name).decode().splitlines()]

    for coop in (first, second):
        group = f"coop-{coop.slug}"
        assert [r["id"] for r in rows(f"{group}/workers.jsonl")] == [own[coop.id]["worker"]]
        assert [r["id"] for r in rows(f"{group}/members.jsonl")] == [own[coop.id]["member"]]
        assert rows(f"{group}/visits.jsonl")  # the visits they were given
        assert all(r["client_id"] is None for r in rows(f"{group}/visits.jsonl"))
        # The vote they cast, but not how: the anonymous choices are never included.
        assert len(rows(f"{group}/ballot_participations.jsonl")) == 1
        assert f"{group}/ballot_choices.jsonl" not in archive.namelist()
        assert f"{group}/clients.jsonl" not in archive.namelist()
    assert [r["email"] for r in rows("federation/accounts.jsonl")] == [carer.email]
    assert "password" not in text
    assert len(others) > 20
    leaked = sorted(v for v in others if v in text)
    assert leaked == []


def test_a_coordinator_produces_the_archive_of_a_member_without_an_account(
        app, two_coops, make_account, run_jobs):
    (coop, _admin), (other, _) = two_coops
    coordinator = make_account()
    add_member(app, coop, coordinator, "coordinator")
    with in_coop(app, coop) as session:
        seeded = seed_distinct(session)
        member_id = seeded["members"][1]
        everyone_else = _others(session, set(), {member_id})
    client = app.test_client()
    assert sign_in(client, coordinator.email, PASSWORD).status_code == 302
    page = f"/c/{coop.slug}/settings/data/subject-access"
    token = csrf_token(client, page)
    refused = client.post(page, data={"csrf_token": token, "kind": "member",
                                      "record_id": "999999"})
    assert refused.status_code == 422 and "no such member" in refused.get_data(as_text=True)
    made = client.post(page, data={"csrf_token": token, "kind": "member",
                                   "record_id": str(member_id)})
    assert made.status_code == 302
    run_jobs()
    with app.app_context():
        job = db.session.scalar(select(PortabilityJob).where(
            PortabilityJob.coop_id == coop.id, PortabilityJob.kind == "subject_access"))
    download = client.get(f"{page}/{job.id}/download")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    download.close()
    text = "\n".join(archive.read(n).decode() for n in archive.namelist())
    assert f"Member {seeded['tag']} 1" in text
    assert sorted(v for v in everyone_else if v in text) == []
    # Another co-op's coordinator route cannot reach this job.
    assert client.get(f"/c/{other.slug}/settings/data/subject-access/{job.id}/download"
                      ).status_code == 404
