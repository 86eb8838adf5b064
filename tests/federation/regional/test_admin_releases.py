"""The federation admin's releases page: progress, and "publish now" starting one release."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from core.timeutil import utcnow
from federation.regional.models import AnalystGrant
from services.stats import rollups
from services.stats.models import StatsCell, StatsRelease
from tenants.registry.service import set_sharing, verify_for_statistics
from tests.federation.regional.helpers import CAERPHILLY, bearer, make_analyst, make_client
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, create_account, create_coop, drain_jobs


@pytest.fixture
def admin_client(app, client, make_account):
    admin = make_account(is_federation_admin=True)
    assert sign_in(client, admin.email, PASSWORD).status_code == 302
    client.account = admin
    return client


@pytest.fixture
def no_running_release(app):
    """Leave no release running for other tests: the database allows one at a time."""
    yield
    with app.app_context():
        for release in db.session.scalars(select(StatsRelease).where(
                StatsRelease.status == "running")):
            release.status, release.error, release.finished_at = "failed", "test", utcnow()
        db.session.commit()


def test_releases_page_shows_each_release_with_its_progress(app, admin_client,
                                                           no_running_release):
    with app.app_context():
        top = max(db.session.scalars(select(StatsRelease.version)).all(), default=0)
        db.session.add(StatsRelease(version=top + 1, status="failed", progress=40,
                                    finished_at=utcnow(), error="the rollups were unreadable"))
        db.session.add(StatsRelease(version=top + 2, status="running", progress=65))
        db.session.commit()
    html = admin_client.get("/regional/admin/releases").get_data(as_text=True)
    assert re.search(r'<progress[^>]*max="100" value="65"', html)
    assert "the rollups were unreadable" in html
    assert "Refresh to see its progress" in html
    assert "Publish now" not in html  # one release at a time


def test_publish_now_publishes_through_the_engine_and_readers_see_it(isolated_app):
    """End to end: co-ops' rollups → "publish now" → the job → the portal and the API."""
    app = isolated_app()
    for _ in range(6):  # six co-ops in Caerphilly that opted in, each with 10 clients
        coop, _ = create_coop(app, la=CAERPHILLY)
        with app.app_context():
            set_sharing(coop.id, actor_account_id=None, shares_statistics=True)
            verify_for_statistics(coop.id, actor_account_id=None)
            for week in ("2026-W01", "2026-W02"):
                assert rollups.store_week(coop.id, {"week": week, "revision": 1, "rows": [
                    [measure, breakdown, category, value]
                    for measure, value in (("clients", 10), ("care_hours", 10 * 90))
                    for breakdown, category in (("", ""), ("age_band", "85+"),
                                                ("funding_source", "direct_payment"),
                                                ("language", "cy"))]})
            db.session.commit()
    create_coop(app, la=CAERPHILLY)  # one more that did not opt in
    admin = create_account(app, is_federation_admin=True)
    browser = app.test_client()
    assert sign_in(browser, admin.email, PASSWORD).status_code == 302
    token = csrf_token(browser, "/regional/admin/releases")
    assert browser.post("/regional/admin/releases",
                        data={"csrf_token": token}).status_code == 302
    drain_jobs(app)
    with app.app_context():
        release = db.session.scalars(select(StatsRelease).order_by(
            StatsRelease.version.desc())).first()
        assert (release.status, release.progress) == ("published", 100), release.error
        assert release.requested_by_account_id == admin.id
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "stats.release_requested",
            AuditEvent.actor_account_id == admin.id)) is not None
        stored = {(c.geography_code, c.period): (c.value, c.status) for c in db.session.scalars(
            select(StatsCell).where(StatsCell.release_id == release.id,
                                    StatsCell.measure == "clients",
                                    StatsCell.period_kind == "week",
                                    StatsCell.breakdown == ""))}
    html = browser.get("/regional/admin/releases").get_data(as_text=True)
    assert re.search(r'<progress[^>]*max="100" value="100"', html)
    assert stored[(CAERPHILLY, "2026-W01")] == (60, "shown")

    client_id, secret = make_client(app)
    tool = app.test_client()
    response = tool.get("/api/v1/stats/cells", headers=bearer(tool, client_id, secret),
                        query_string={"geography": CAERPHILLY, "measure": "clients",
                                      "period_kind": "week"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["release"]["version"] == release.version
    assert {(c["geography_code"], c["period"]): (c["value"], c["status"])
            for c in body["cells"]} == {k: v for k, v in stored.items() if k[0] == CAERPHILLY}

    analyst = make_analyst(app, lambda: create_account(app))
    portal = app.test_client()
    assert sign_in(portal, analyst.email, PASSWORD).status_code == 302
    page = portal.get("/regional/", query_string={"geography": CAERPHILLY,
                                                  "measure": "clients", "period_kind": "week"})
    assert page.status_code == 200
    compact = re.sub(r"\s+", "", page.get_data(as_text=True))
    assert '<thscope="row"class="govuk-table__header">2026-W01</th>' in compact
    assert 'data-status="shown">60</td>' in compact


def test_a_second_publish_while_one_runs_is_refused(app, admin_client, no_running_release):
    with app.app_context():
        top = max(db.session.scalars(select(StatsRelease.version)).all(), default=0)
        db.session.add(StatsRelease(version=top + 1, status="running", progress=10))
        db.session.commit()
    token = csrf_token(admin_client, "/regional/admin/releases")
    again = admin_client.post("/regional/admin/releases", data={"csrf_token": token})
    assert again.status_code == 409
    without_csrf = admin_client.post("/regional/admin/releases", data={})
    assert without_csrf.status_code == 400


def test_other_people_get_404(app, client, make_account):
    person = make_account()
    sign_in(client, person.email, PASSWORD)
    assert client.get("/regional/admin/releases").status_code == 404
    assert client.get("/regional/admin/clients").status_code == 404
    assert client.get("/regional/admin/analysts").status_code == 404


def test_admin_registers_a_client_and_sees_the_secret_once(app, admin_client):
    token = csrf_token(admin_client, "/regional/admin/clients")
    bad = admin_client.post("/regional/admin/clients",
                            data={"csrf_token": token, "name": "", "area": "atlantis"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="area-error"' in html
    made = admin_client.post("/regional/admin/clients",
                             data={"csrf_token": token, "name": "Gwent RPB tool", "area": "gwent"})
    assert made.status_code == 200
    html = made.get_data(as_text=True)
    client_id = re.search(r"Client ID</dt><dd[^>]*><code>([^<]+)</code>", html).group(1)
    secret = re.search(r"Client secret</dt><dd[^>]*><code>([^<]+)</code>", html).group(1)
    token_response = admin_client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                       auth=(client_id, secret))
    assert token_response.status_code == 200
    listing = admin_client.get("/regional/admin/clients").get_data(as_text=True)
    assert client_id in listing and secret not in listing


def test_admin_gives_and_removes_an_analysts_access(app, admin_client, make_account):
    person = make_account()
    reader = app.test_client()
    assert sign_in(reader, person.email, PASSWORD).status_code == 302
    assert reader.get("/regional/").status_code == 404
    token = csrf_token(admin_client, "/regional/admin/analysts")
    bad = admin_client.post("/regional/admin/analysts", data={
        "csrf_token": token, "email": "nobody@example.org", "area": "narnia"})
    assert bad.status_code == 422
    assert 'id="email-error"' in bad.get_data(as_text=True)
    assert 'id="area-error"' in bad.get_data(as_text=True)
    given = admin_client.post("/regional/admin/analysts", data={
        "csrf_token": token, "email": person.email.upper(), "area": "W06000022"})
    assert given.status_code == 302
    page = reader.get("/regional/").get_data(as_text=True)
    assert set(re.findall(r'<option value="([^"]*)"', page.split('id="measure"')[0])) == {
        "W06000022"}
    with app.app_context():
        grant = db.session.scalar(select(AnalystGrant).where(
            AnalystGrant.account_id == person.id))
        assert (grant.area_kind, grant.area) == ("la", "W06000022")
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "regional.analyst_granted",
            AuditEvent.actor_account_id == admin_client.account.id)) is not None
    removed = admin_client.post(f"/regional/admin/analysts/{grant.id}/remove",
                                data={"csrf_token": token})
    assert removed.status_code == 302
    assert reader.get("/regional/").status_code == 404
