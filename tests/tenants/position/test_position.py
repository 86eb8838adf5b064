"""The co-op's legal position: recorded through the settings page and the API, audited,
refused with a message naming the field, and kept inside its own co-op."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.audit.models import TenantAuditEvent
from tenants.position.models import LegalPosition, RegisteredService
from tenants.workforce.service import today
from tests.fixtures.app import csrf_token
from tests.fixtures.factories import create_coop
from tests.tenants.workforce.helpers import browser, count, person


@pytest.fixture(scope="module")
def coops(app):
    """Two co-ops: a worker co-op and a Direct Payment pooling co-op."""
    from federation.extensions import limiter

    limiter.reset()
    return (create_coop(app, coop_type="worker", la="W06000002"),
            create_coop(app, coop_type="dp_pool", la="W06000015"))


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from federation.extensions import limiter

    limiter.reset()


def _audit(coop_session, coop, action):
    with coop_session(coop) as session:
        return [e.detail for e in session.scalars(select(TenantAuditEvent).where(
            TenantAuditEvent.action == action))]


def test_position_through_the_api_is_audited_and_stays_in_its_coop(app, coops, api_client,
                                                                    coop_session):
    (a, admin_a), (b, admin_b) = coops
    api = api_client(admin_a)
    base = f"/api/v1/c/{a.slug}/position"
    assert api.get(base).get_json()["legal_form"] == "not_decided"
    registered = (today() - timedelta(days=400)).isoformat()
    response = api.patch(base, json={"legal_form": "co_operative_society",
                                     "fca_society_number": "31234r",
                                     "registered_on": registered,
                                     "dbs_status_check_days": 90})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["fca_society_number"] == "31234R" and body["dbs_status_check_days"] == 90
    added = api.post(f"{base}/services", json={
        "service_type": "domiciliary_support", "ciw_service_id": "SIN-00012345-ABCD",
        "responsible_individual": "Mair Owen", "registered_manager": "Huw Jones",
        "rating_url": "https://www.careinspectorate.wales/service/SIN-00012345-ABCD"})
    assert added.status_code == 201, added.get_json()
    assert [s["ciw_service_id"] for s in api.get(base).get_json()["services"]] == [
        "SIN-00012345-ABCD"]
    assert _audit(coop_session, a, "position.updated")[0]["legal_form"] == "co_operative_society"
    assert len(_audit(coop_session, a, "position.service_added")) == 1
    # co-op B saw none of it
    assert api_client(admin_b).get(f"/api/v1/c/{b.slug}/position").get_json() == {
        "legal_form": "not_decided", "fca_society_number": None, "registered_on": None,
        "dbs_status_check_days": 365, "services": []}
    assert count(coop_session, b, LegalPosition) == 0
    assert count(coop_session, b, RegisteredService) == 0

    removed = api.delete(f"{base}/services/{added.get_json()['id']}")
    assert removed.status_code == 204
    assert count(coop_session, a, RegisteredService) == 0
    assert len(_audit(coop_session, a, "position.service_removed")) == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"legal_form": "company_limited_by_guarantee", "fca_society_number": "123"},
     "fca_society_number"),
    ({"legal_form": "not_incorporated", "registered_on": "2020-01-01"}, "registered_on"),
    ({"legal_form": "llp"}, "legal_form"),
    ({"dbs_status_check_days": 0}, "dbs_status_check_days"),
    ({"legal_form": "cic", "registered_on": "2999-01-01"}, "registered_on"),
])
def test_bad_position_is_refused_naming_the_field(coops, api_client, coop_session, body, field):
    (_, _), (b, admin_b) = coops
    response = api_client(admin_b).patch(f"/api/v1/c/{b.slug}/position", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count(coop_session, b, LegalPosition) == 0


def test_a_coordinator_reads_but_may_not_change(app, coops, api_client):
    (a, _), _ = coops
    coordinator = person(app, a, "coordinator")
    api = api_client(coordinator)
    assert api.get(f"/api/v1/c/{a.slug}/position").status_code == 200
    assert api.patch(f"/api/v1/c/{a.slug}/position", json={"legal_form": "cic"}).status_code \
        == 403


def test_settings_page_in_welsh_and_english(app, coops, coop_session):
    (a, _), (b, admin_b) = coops
    web = browser(app, admin_b)
    path = f"/c/{b.slug}/position/"
    page = web.get(path).get_data(as_text=True)
    assert "Legal position" in page and "does not register the co-op" in page
    refused = web.post(path, data={"csrf_token": csrf_token(web, path),
                                   "legal_form": "cic", "fca_society_number": "31234R",
                                   "registered_on": "", "dbs_status_check_days": "365"})
    assert refused.status_code == 422
    assert "Only a registered society has an FCA society number" in refused.get_data(
        as_text=True)
    saved = web.post(path, data={"csrf_token": csrf_token(web, path),
                                 "legal_form": "community_benefit_society",
                                 "fca_society_number": "7788R", "registered_on": "",
                                 "dbs_status_check_days": "180"})
    assert saved.status_code == 302
    new = f"/c/{b.slug}/position/services/new"
    added = web.post(new, data={"csrf_token": csrf_token(web, new),
                                "service_type": "domiciliary_support",
                                "ciw_service_id": "SIN-0099", "responsible_individual": "Ann",
                                "registered_manager": "", "rating_url": "", "registered_on": ""})
    assert added.status_code == 302
    with coop_session(b) as session:
        assert session.get(LegalPosition, 1).legal_form == "community_benefit_society"
        assert session.scalar(select(RegisteredService.ciw_service_id)) == "SIN-0099"
    web.get("/language/cy")
    welsh = web.get(path).get_data(as_text=True)
    assert 'lang="cy"' in welsh
    assert count(coop_session, a, RegisteredService) == 0
