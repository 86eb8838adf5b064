"""The admin's export page: a job with progress, the archive downloadable once, audited."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from services.portability.models import PortabilityJob
from services.portability.tasks import build
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, add_member, in_coop
from tests.services.portability.helpers import seed_distinct


def _signed_in(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    return client


def _actions(app, coop_id) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.coop_id == coop_id).order_by(AuditEvent.id)))


def test_an_admin_exports_and_downloads_once(app, two_coops, run_jobs):
    (coop, admin), (other, other_admin) = two_coops
    with in_coop(app, coop) as session:
        seed_distinct(session)
    client = _signed_in(app, admin)
    page = f"/c/{coop.slug}/settings/data/"
    assert client.get(page).status_code == 200
    token = csrf_token(client, page)
    assert client.post(f"{page}export", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        jobs = list(db.session.scalars(select(PortabilityJob).where(
            PortabilityJob.coop_id == coop.id)))
    assert len(jobs) == 1
    run_jobs()
    status = client.get(f"{page}export/{jobs[0].id}/status").get_json()
    assert status["state"] == "ready" and status["progress"] == 100
    with app.app_context():  # the job delivered twice changes nothing
        before = db.session.get(PortabilityJob, jobs[0].id).file_name
        assert build(jobs[0].id) == "ready"
        assert db.session.get(PortabilityJob, jobs[0].id).file_name == before
    listing = client.get(page).get_data(as_text=True)
    assert "Download (once)" in listing and "<progress" in listing
    download = client.get(f"{page}export/{jobs[0].id}/download")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert "manifest.json" in archive.namelist() and "tenant/members.csv" in archive.namelist()
    download.close()
    again = client.get(f"{page}export/{jobs[0].id}/download")
    assert again.status_code == 302
    actions = _actions(app, coop.id)
    for action in ("coop.export_requested", "coop_export.built", "coop_export.downloaded"):
        assert action in actions
    # The other co-op's admin cannot see or fetch this export: 404, as for any other co-op.
    other_client = _signed_in(app, other_admin)
    add_member(app, other, other_admin, "admin")
    assert other_client.get(f"/c/{other.slug}/settings/data/export/{jobs[0].id}/status"
                            ).status_code == 404


def test_only_admins_open_the_export_page(app, two_coops, make_account):
    (coop, _admin), _ = two_coops
    coordinator = make_account()
    add_member(app, coop, coordinator, "coordinator")
    client = _signed_in(app, coordinator)
    assert client.get(f"/c/{coop.slug}/settings/data/").status_code == 403
    assert client.get(f"/c/{coop.slug}/settings/data/subject-access").status_code == 200


def test_the_page_speaks_welsh(app, two_coops):
    (coop, admin), _ = two_coops
    client = _signed_in(app, admin)
    client.get("/language/cy")
    page = client.get(f"/c/{coop.slug}/settings/data/").get_data(as_text=True)
    assert "Allforio" in page


def test_starting_to_leave_needs_confirmation_and_a_number(app, two_coops):
    (coop, admin), _ = two_coops
    client = _signed_in(app, admin)
    page = f"/c/{coop.slug}/settings/data/"
    token = csrf_token(client, page)
    refused = client.post(f"{page}leave", data={"csrf_token": token, "grace_days": "soon"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Give a number of days" in text and "Confirm that the co-op" in text
    # Digits to str.isdigit() that int() refuses, and a number beyond any grace period.
    for odd in ("²", "٣٠", "9" * 5000):
        refused = client.post(f"{page}leave", data={"csrf_token": token, "grace_days": odd,
                                                    "confirm": "yes"})
        assert refused.status_code == 422, odd[:10]
    started = client.post(f"{page}leave", data={"csrf_token": token, "grace_days": "30",
                                                "confirm": "yes"})
    assert started.status_code == 302
    assert "coop.leaving_started" in _actions(app, coop.id)
    cancelled = client.post(f"{page}leave/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 302
    assert "coop.leaving_cancelled" in _actions(app, coop.id)
