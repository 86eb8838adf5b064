"""The same worker or visit, judged in two co-ops that differ only in their position: one
with no CIW-registered service, one running a registered domiciliary support service.
Each decision is shown through the API and through the pages, with real dates."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta

import pytest

from tenants.rota.models import Visit
from tenants.workforce.checks import add_months
from tenants.workforce.service import today
from tests.fixtures.app import csrf_token
from tests.tenants.rota.helpers import make_client, make_member, make_visit, make_worker
from tests.tenants.workforce.helpers import browser

INTERFACES = ("api", "page")


def next_week(hour: int = 9) -> datetime:
    """A visit time a week from today."""
    return datetime.combine(today() + timedelta(days=7), time(hour))


def pa_values(session) -> dict:
    """A PA employed by a Direct Payment member, started 7 months ago, with no SCW number."""
    return {"engagement": "dp_pa", "dp_employer_member_id": make_member(session),
            "started_on": add_months(today(), -7), "scw_registration_number": None,
            "scw_expires_on": None, "dbs_certificate_date": today() - timedelta(days=100),
            "dbs_update_service": False}


def scenario(coop_session, coop, **worker) -> tuple[int, int]:
    """A worker and an unassigned hour-long visit next week, in ``coop``."""
    with coop_session(coop) as session:
        values = pa_values(session) if worker.pop("pa", False) else {}
        worker_id = make_worker(session, **{**values, **worker})
        visit_id = make_visit(session, make_client(session), next_week(), 60)
    return worker_id, visit_id


def assign(interface, app, api_client, coop, admin, visit_id, worker_id):
    """Assign through the API or the visit page; (status, refusal messages, rule codes)."""
    if interface == "api":
        response = api_client(admin).post(f"/api/v1/c/{coop.slug}/visits/{visit_id}/assign",
                                          json={"worker_id": worker_id})
        body = response.get_json()
        if response.status_code == 200:
            return 200, [n["why"] for n in body["rule_notes"]], []
        return response.status_code, body["errors"]["worker_id"], body["rules"]
    web = browser(app, admin)
    path = f"/c/{coop.slug}/rota/visits/{visit_id}"
    response = web.post(f"{path}/assign", data={"worker_id": worker_id,
                                                "csrf_token": csrf_token(web, path)})
    if response.status_code == 302:
        page = html.unescape(web.get(path).get_data(as_text=True))
        return 200, [page], []
    return response.status_code, [html.unescape(response.get_data(as_text=True))], []


@pytest.mark.parametrize("interface", INTERFACES)
def test_a_pa_without_scw_is_assigned_without_a_registered_service_and_told_why(
        interface, app, positions, api_client, coop_session):
    (plain, admin), (registered, _) = positions
    worker_id, visit_id = scenario(coop_session, plain, pa=True)
    status, said, _ = assign(interface, app, api_client, plain, admin, visit_id, worker_id)
    assert status == 200
    assert any("Social Care Wales registration does not apply, because the co-op runs no "
               "CIW-registered Domiciliary support service" in text for text in said), said
    with coop_session(plain) as session:
        assert session.get(Visit, visit_id).worker_id == worker_id


@pytest.mark.parametrize("interface", INTERFACES)
def test_the_same_pa_is_refused_in_a_domiciliary_support_service_with_the_due_date(
        interface, app, positions, api_client, coop_session):
    (plain, _), (registered, admin) = positions
    worker_id, visit_id = scenario(coop_session, registered, pa=True)
    due_by = add_months(add_months(today(), -7), 6) - timedelta(days=1)
    status, said, codes = assign(interface, app, api_client, registered, admin, visit_id,
                                 worker_id)
    assert status == 422
    assert any(f"Social Care Wales registration: not registered; registration was due by "
               f"{due_by.isoformat()}." in text for text in said), said
    assert "scw_missing" not in " ".join(said) and "scw_registration" not in " ".join(said)
    if interface == "api":
        assert codes == ["scw_registration"]
    with coop_session(registered) as session:
        assert session.get(Visit, visit_id).worker_id is None


UPDATE_SERVICE = {"dbs_update_service": True, "dbs_applied_by_coop": False,
                  "dbs_certificate_date": None}


@pytest.mark.parametrize("interface", INTERFACES)
def test_an_update_service_certificate_counts_only_with_a_recent_status_check(
        interface, app, positions, api_client, coop_session):
    (plain, plain_admin), (registered, admin) = positions
    certificate = today() - timedelta(days=900)
    values = {**UPDATE_SERVICE, "dbs_certificate_date": certificate}
    worker_id, visit_id = scenario(coop_session, registered, **values)

    status, said, codes = assign(interface, app, api_client, registered, admin, visit_id,
                                 worker_id)
    assert status == 422 and "no status check by this co-op is recorded" in " ".join(said)
    # A check older than the co-op's interval (365 days) does not count either.
    stale = today() - timedelta(days=400)
    recorded = api_client(admin).post(
        f"/api/v1/c/{registered.slug}/workers/{worker_id}/dbs-status-checks",
        json={"checked_on": stale.isoformat(), "checked_by": "Mair Owen",
              "result": "no_change"})
    assert recorded.status_code == 201, recorded.get_json()
    status, said, _ = assign(interface, app, api_client, registered, admin, visit_id,
                             worker_id)
    expected_by = (stale + timedelta(days=364)).isoformat()
    assert status == 422
    assert f"has not been checked recently enough: a check was due by {expected_by}" in \
        " ".join(said), said

    # A check today, recorded through the worker's page, makes it count.
    web = browser(app, admin)
    page = f"/c/{registered.slug}/workforce/{worker_id}"
    response = web.post(f"{page}/status-checks", data={
        "csrf_token": csrf_token(web, page), "checked_on": today().isoformat(),
        "checked_by": "Huw Jones", "result": "no_change"})
    assert response.status_code == 302
    assert "Huw Jones" in web.get(page).get_data(as_text=True)
    status, said, _ = assign(interface, app, api_client, registered, admin, visit_id,
                             worker_id)
    assert status == 200

    # Without a registered service the co-op's own policy accepts the Update Service as is.
    plain_worker, plain_visit = scenario(coop_session, plain, **values)
    assert assign(interface, app, api_client, plain, plain_admin, plain_visit,
                  plain_worker)[0] == 200


@pytest.mark.parametrize("interface", INTERFACES)
def test_another_providers_certificate_not_on_the_update_service_is_refused(
        interface, app, positions, api_client, coop_session):
    (plain, plain_admin), (registered, admin) = positions
    values = {"dbs_update_service": False, "dbs_applied_by_coop": False,
              "dbs_certificate_date": today() - timedelta(days=200)}
    worker_id, visit_id = scenario(coop_session, registered, **values)
    status, said, codes = assign(interface, app, api_client, registered, admin, visit_id,
                                 worker_id)
    assert status == 422
    assert ("Valid enhanced DBS certificate in a registered service: another provider applied "
            "for this certificate and it is not on the DBS Update Service") in " ".join(said)
    if interface == "api":
        assert codes == ["dbs_schedule1"]
    plain_worker, plain_visit = scenario(coop_session, plain, **values)
    assert assign(interface, app, api_client, plain, plain_admin, plain_visit,
                  plain_worker)[0] == 200


def _visit_body(client_id, minutes, **extra):
    start = next_week(14)
    return {"client_id": client_id, "starts_at": start.isoformat(timespec="minutes"),
            "ends_at": (start + timedelta(minutes=minutes)).isoformat(timespec="minutes"),
            **extra}


@pytest.mark.parametrize("interface", INTERFACES)
def test_a_20_minute_visit_needs_a_reason_only_in_a_domiciliary_support_service(
        interface, app, positions, api_client, coop_session):
    results = {}
    for coop, admin in positions:
        with coop_session(coop) as session:
            client_id = make_client(session)
            before = session.query(Visit).count()
        if interface == "api":
            response = api_client(admin).post(f"/api/v1/c/{coop.slug}/visits",
                                              json=_visit_body(client_id, 20))
            text = str(response.get_json())
        else:
            web = browser(app, admin)
            path = f"/c/{coop.slug}/rota/visits/new"
            response = web.post(path, data={**_visit_body(client_id, 20),
                                            "csrf_token": csrf_token(web, path)})
            text = html.unescape(response.get_data(as_text=True))
        with coop_session(coop) as session:
            added = session.query(Visit).count() - before
        results[coop.slug] = (response.status_code, text, added)
    (plain, _), (registered, admin) = positions
    assert results[plain.slug][0] in (201, 302) and results[plain.slug][2] == 1
    status, text, added = results[registered.slug]
    assert status == 422 and added == 0
    assert ("Visits shorter than 30 minutes need a reason: this visit is 20 minutes long; "
            "record why it is shorter than 30 minutes.") in text
    # With a recorded reason it is accepted.
    with coop_session(registered) as session:
        client_id = make_client(session)
    accepted = api_client(admin).post(f"/api/v1/c/{registered.slug}/visits", json=_visit_body(
        client_id, 20, short_visit_reason="Asked for a quick medication prompt only"))
    assert accepted.status_code == 201
    assert accepted.get_json()["short_visit_reason"].startswith("Asked for")


def test_the_rules_page_and_api_say_which_rules_apply_and_why(app, positions, api_client):
    (plain, plain_admin), (registered, admin) = positions
    by_coop = {}
    for coop, who in positions:
        rules = api_client(who).get(f"/api/v1/c/{coop.slug}/rules").get_json()
        by_coop[coop.slug] = {r["code"]: r for r in rules}
    assert by_coop[registered.slug]["scw_registration"]["applies"] is True
    assert by_coop[plain.slug]["scw_registration"]["applies"] is False
    assert by_coop[plain.slug]["dbs_policy"]["applies"] is True
    assert by_coop[registered.slug]["dbs_schedule1"]["source_url"].startswith(
        "https://www.legislation.gov.uk/wsi/2017/1264")
    web = browser(app, admin)
    page = html.unescape(web.get(f"/c/{registered.slug}/rules/").get_data(as_text=True))
    assert "Visits shorter than 30 minutes need a reason applies, because the co-op runs a " \
           "CIW-registered Domiciliary support service" in page
    web.get("/language/cy")
    welsh = html.unescape(web.get(f"/c/{registered.slug}/rules/").get_data(as_text=True))
    assert "Cofrestru gyda Gofal Cymdeithasol Cymru" in welsh
    web.get("/language/en")  # the choice is kept on the account; leave it as other tests expect


def test_a_bad_status_check_is_refused_naming_the_field(app, positions, api_client,
                                                        coop_session):
    (plain, _), (registered, admin) = positions
    worker_id, _ = scenario(coop_session, registered, **{**UPDATE_SERVICE,
                                                         "dbs_certificate_date": today()})
    future = (today() + timedelta(days=3)).isoformat()
    refused = api_client(admin).post(
        f"/api/v1/c/{registered.slug}/workers/{worker_id}/dbs-status-checks",
        json={"checked_on": future, "checked_by": "Mair", "result": "no_change"})
    assert refused.status_code == 422 and "checked_on" in refused.get_json()["errors"]
    web = browser(app, admin)
    web.get("/language/en")
    page = f"/c/{registered.slug}/workforce/{worker_id}"
    response = web.post(f"{page}/status-checks", data={
        "csrf_token": csrf_token(web, page), "checked_on": future, "checked_by": "",
        "result": "maybe"})
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Enter who checked the status" in text and "Choose what the status check found" in text
    with coop_session(registered) as session:
        from tenants.workforce.models import DbsStatusCheck

        assert session.query(DbsStatusCheck).filter_by(worker_id=worker_id).count() == 0


def test_a_short_weekly_pattern_needs_a_reason_in_a_dss_and_its_visits_keep_it(
        positions, api_client, coop_session):
    (plain, plain_admin), (registered, admin) = positions
    monday = today() - timedelta(days=today().weekday()) + timedelta(weeks=2)
    for coop, who, expected in ((plain, plain_admin, 201), (registered, admin, 422)):
        with coop_session(coop) as session:
            client_id = make_client(session)
        body = {"client_id": client_id, "weekday": 1, "starts": "08:00",
                "duration_minutes": 15, "valid_from": monday.isoformat()}
        response = api_client(who).post(f"/api/v1/c/{coop.slug}/patterns", json=body)
        assert response.status_code == expected, response.get_json()
    assert response.get_json()["rules"] == ["short_visit"]
    made = api_client(admin).post(f"/api/v1/c/{registered.slug}/patterns", json={
        **body, "short_visit_reason": "A medication prompt the person asked to keep short"})
    assert made.status_code == 201
    api_client(admin).post(f"/api/v1/c/{registered.slug}/rota/generate",
                           json={"week": monday.isoformat()})
    with coop_session(registered) as session:
        visit = session.query(Visit).filter_by(pattern_id=made.get_json()["id"]).one()
        assert visit.short_visit_reason.startswith("A medication prompt")


def test_working_time_binds_workers_not_the_genuinely_self_employed(positions, api_client,
                                                                  coop_session):
    (plain, admin), _ = positions
    monday = datetime.combine(today() - timedelta(days=today().weekday())
                              + timedelta(weeks=3), time())
    outcomes = {}
    for engagement in ("employee", "self_employed"):
        with coop_session(plain) as session:
            client_id = make_client(session)
            worker_id = make_worker(session, engagement=engagement)
            for day in range(5):  # 47.5 hours with breaks and rest kept
                for hour in (7, 13):
                    make_visit(session, client_id, monday + timedelta(days=day, hours=hour),
                               285, worker_id=worker_id)
            visit_id = make_visit(session, client_id, monday + timedelta(days=5, hours=9), 60)
        response = api_client(admin).post(f"/api/v1/c/{plain.slug}/visits/{visit_id}/assign",
                                          json={"worker_id": worker_id})
        outcomes[engagement] = (response.status_code, response.get_json().get("rules"))
    assert outcomes == {"employee": (422, ["max_48h"]), "self_employed": (200, None)}
