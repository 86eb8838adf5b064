"""The workers API on two co-ops: create, read, change, page, filter, checks due."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace

from tenants.workforce.checks import dbs_last_valid_on
from tenants.workforce.models import Worker
from tenants.workforce.service import today
from tests.tenants.workforce.helpers import audit_rows, count, days, register_dss, worker_payload


def _certificate_lapsing_in(n: int) -> str:
    """A DBS certificate date whose last valid day (without the Update Service) is in ``n`` days."""
    last = today() + timedelta(days=n)
    certificate = date(last.year - 3, last.month, 1) + timedelta(days=last.day)
    while dbs_last_valid_on(SimpleNamespace(dbs_certificate_date=certificate,
                                            dbs_update_service=False)) < last:
        certificate += timedelta(days=1)
    return certificate.isoformat()


def test_create_read_change_stays_in_its_own_coop(two_coops, api_client, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    api_a, api_b = api_client(admin_a), api_client(admin_b)
    made = api_a.post(f"/api/v1/c/{a.slug}/workers", json=worker_payload())
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["skills"] == ["dementia", "personal_care"]
    assert body["base_postcode_district"] == "LL55"
    assert body["availability"][1] == {"weekday": 2, "starts": "14:00:00", "ends": "18:30:00"}
    assert body["checks"]["valid"] is True
    worker_id = body["id"]
    assert api_b.post(f"/api/v1/c/{b.slug}/workers",
                      json=worker_payload(display_name="Tom Evans")).status_code == 201

    changed = api_a.patch(f"/api/v1/c/{a.slug}/workers/{worker_id}", json={
        "skills": ["hoist"], "availability": [], "wt_opt_out": True,
        "wt_opt_out_signed_on": days(-10)})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["skills"] == ["hoist"]
    assert changed.get_json()["availability"] == []
    assert changed.get_json()["display_name"] == "Elin Pritchard"

    names_a = [w["display_name"] for w in api_a.get(f"/api/v1/c/{a.slug}/workers").get_json()]
    names_b = [w["display_name"] for w in api_b.get(f"/api/v1/c/{b.slug}/workers").get_json()]
    assert names_a == ["Elin Pritchard"] and names_b == ["Tom Evans"]
    # Not a member of B: B's routes answer 404, as for a co-op that does not exist.
    assert api_a.get(f"/api/v1/c/{b.slug}/workers").status_code == 404
    assert api_a.get(f"/api/v1/c/{b.slug}/workers/1").status_code == 404
    assert api_a.post(f"/api/v1/c/{b.slug}/workers", json=worker_payload()).status_code == 404
    assert count(coop_session, b, Worker) == 1

    assert [(e.action, e.subject_id, e.actor_account_id)
            for e in audit_rows(coop_session, a, "worker.created")] == [
        ("worker.created", worker_id, admin_a.id)]
    assert [e.detail["fields"] for e in audit_rows(coop_session, a, "worker.updated")] == [
        ["availability", "skills", "wt_opt_out", "wt_opt_out_signed_on"]]
    assert [e.actor_account_id for e in audit_rows(coop_session, b, "worker.created")] == [
        admin_b.id]


def test_unknown_worker_is_404(two_coops, api_client):
    (a, admin_a), _ = two_coops
    response = api_client(admin_a).get(f"/api/v1/c/{a.slug}/workers/999")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_list_is_paged_and_filtered(two_coops, api_client):
    (a, admin_a), (b, admin_b) = two_coops
    api_a = api_client(admin_a)
    for name, level, skills in (("Aled", "fluent", ["hoist"]), ("Bethan", "none", ["hoist"]),
                                ("Carys", "fluent", ["driving"])):
        assert api_a.post(f"/api/v1/c/{a.slug}/workers", json=worker_payload(
            display_name=name, welsh_level=level, skills=skills)).status_code == 201
    api_client(admin_b).post(f"/api/v1/c/{b.slug}/workers",
                             json=worker_payload(display_name="Dai", skills=["hoist"]))

    page = api_a.get(f"/api/v1/c/{a.slug}/workers?page=2&page_size=2")
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    assert [w["display_name"] for w in page.get_json()] == ["Carys"]
    hoist = api_a.get(f"/api/v1/c/{a.slug}/workers?skill=hoist").get_json()
    assert [w["display_name"] for w in hoist] == ["Aled", "Bethan"]
    fluent_hoist = api_a.get(f"/api/v1/c/{a.slug}/workers?skill=hoist&welsh_level=fluent")
    assert [w["display_name"] for w in fluent_hoist.get_json()] == ["Aled"]
    bad = api_a.get(f"/api/v1/c/{a.slug}/workers?skill=juggling")
    assert bad.status_code == 422 and "query.skill" in bad.get_json()["errors"]


def test_checks_due_flags_20_days_not_40_and_lists_expired_first(two_coops, api_client,
                                                                  coop_session):
    """Both co-ops run a registered domiciliary support service, so SCW applies."""
    (a, admin_a), (b, admin_b) = two_coops
    for coop, admin in ((a, admin_a), (b, admin_b)):
        register_dss(coop_session, coop)
        api = api_client(admin)
        for name, overrides in (
            (f"{coop.slug} scw 20", {"scw_expires_on": days(20)}),
            (f"{coop.slug} scw 40", {"scw_expires_on": days(40)}),
            (f"{coop.slug} dbs 20", {"dbs_certificate_date": _certificate_lapsing_in(20)}),
            (f"{coop.slug} dbs 40", {"dbs_certificate_date": _certificate_lapsing_in(40)}),
            (f"{coop.slug} expired", {"scw_expires_on": days(-1)}),
            (f"{coop.slug} fine", {}),
        ):
            made = api.post(f"/api/v1/c/{coop.slug}/workers",
                            json=worker_payload(display_name=name, **overrides))
            assert made.status_code == 201, made.get_json()

    for coop, admin in ((a, admin_a), (b, admin_b)):
        due = api_client(admin).get(f"/api/v1/c/{coop.slug}/checks-due").get_json()
        assert [d["display_name"] for d in due] == [
            f"{coop.slug} expired", f"{coop.slug} dbs 20", f"{coop.slug} scw 20"]
        assert due[0]["status"]["problems"] == ["scw_expired"]
        assert due[0]["status"]["valid"] is False
        assert [e["reason"] for e in due[1]["status"]["expiring"]] == ["dbs_expiring"]
        assert due[2]["status"]["expiring"][0]["days_left"] == 20
    wider = api_client(admin_a).get(f"/api/v1/c/{a.slug}/checks-due?days=45").get_json()
    assert len(wider) == 5
