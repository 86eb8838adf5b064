"""A family invitation whose email job was lost is found in the co-op's store and sent once."""

from __future__ import annotations

import logging

from tenants.care_person.models import FamilyGrant
from tests.fixtures.factories import sweep_and_send, unique
from tests.tenants.care_person.helpers import build_world, linked_person


def test_a_family_invitation_whose_job_was_lost_is_swept_and_sent_once(
        app, two_coops, coop_session, api_client, run_jobs, monkeypatch, caplog):
    a_place, _ = build_world(two_coops, coop_session)
    (coop, _), _ = two_coops
    person = linked_person(app, api_client, a_place)
    caplog.set_level(logging.INFO, logger="coopfed.mail")
    backend = app.extensions["coopfed.jobs"]
    original = backend.dispatch
    # The request commits, but the job that would email the link is lost (a flushed Redis).
    monkeypatch.setattr(backend, "dispatch", lambda requests: original(
        [r for r in requests if not r.func.startswith("federation.care")]))
    nia = f"{unique('nia')}@example.org"
    invited = api_client(person).post(f"/api/v1/c/{coop.slug}/my-care/family",
                                      json={"email": nia, "sees_times": True})
    assert invited.status_code == 201, invited.get_json()
    run_jobs()
    monkeypatch.setattr(backend, "dispatch", original)

    def mails() -> list[str]:
        return [r.getMessage() for r in caplog.records
                if r.name == "coopfed.mail" and f"To: {nia}" in r.getMessage()]

    assert mails() == []
    monkeypatch.setitem(app.config, "SEND_GRACE_SECONDS", 0)
    assert sweep_and_send(app, "family_invitations") == 1
    assert len(mails()) == 1
    with coop_session(coop) as session:
        assert session.get(FamilyGrant, invited.get_json()["id"]).sent_at is not None
