"""The clients API on two co-ops: create, read, change, page; every read audited."""

from __future__ import annotations

import json

from tenants.clients.models import Client
from tests.tenants.workforce.helpers import (
    audit_rows,
    browser,
    client_payload,
    count,
    worker_payload,
)


def _worker(api, coop, **overrides) -> int:
    return api.post(f"/api/v1/c/{coop.slug}/workers",
                    json=worker_payload(**overrides)).get_json()["id"]


def test_create_read_change_stays_in_its_own_coop(two_coops, api_client, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    api_a, api_b = api_client(admin_a), api_client(admin_b)
    carer = _worker(api_a, a)
    made = api_a.post(f"/api/v1/c/{a.slug}/clients",
                      json=client_payload(regular_carers=[carer]))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["need_types"] == ["dementia", "personal_care"]
    assert body["regular_carers"] == [carer] and body["preferred_language"] == "cy"
    client_id = body["id"]
    api_b.post(f"/api/v1/c/{b.slug}/clients", json=client_payload(display_name="Mr B"))

    changed = api_a.patch(f"/api/v1/c/{a.slug}/clients/{client_id}",
                          json={"need_types": ["companionship"], "regular_carers": []})
    assert changed.status_code == 200
    assert changed.get_json()["need_types"] == ["companionship"]
    assert changed.get_json()["regular_carers"] == []
    assert changed.get_json()["display_name"] == "Mrs Gwen Jones"

    assert [c["display_name"] for c in api_a.get(f"/api/v1/c/{a.slug}/clients").get_json()] \
        == ["Mrs Gwen Jones"]
    assert [c["display_name"] for c in api_b.get(f"/api/v1/c/{b.slug}/clients").get_json()] \
        == ["Mr B"]
    assert api_a.get(f"/api/v1/c/{b.slug}/clients").status_code == 404
    assert api_a.get(f"/api/v1/c/{b.slug}/clients/1").status_code == 404
    assert api_a.post(f"/api/v1/c/{b.slug}/clients", json=client_payload()).status_code == 404
    assert count(coop_session, b, Client) == 1
    assert [e.subject_id for e in audit_rows(coop_session, a, "client.created")] == [client_id]
    assert [e.detail["fields"] for e in audit_rows(coop_session, a, "client.updated")] == [
        ["need_types", "regular_carers"]]


def test_api_get_adds_one_audit_row_in_that_coop_only(two_coops, api_client, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    api = api_client(admin_a)
    client_id = api.post(f"/api/v1/c/{a.slug}/clients", json=client_payload()).get_json()["id"]
    api_client(admin_b).post(f"/api/v1/c/{b.slug}/clients", json=client_payload())
    reads_a, reads_b = (len(audit_rows(coop_session, c, "client.read")) for c in (a, b))

    assert api.get(f"/api/v1/c/{a.slug}/clients/{client_id}").status_code == 200
    rows = audit_rows(coop_session, a, "client.read")
    assert len(rows) == reads_a + 1
    last = rows[-1]
    assert (last.subject_type, last.subject_id, last.actor_account_id, last.detail["via"]) == (
        "client", client_id, admin_a.id, "api.get")
    assert len(audit_rows(coop_session, b, "client.read")) == reads_b


def test_page_get_adds_one_audit_row_in_that_coop_only(app, two_coops, api_client,
                                                        coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    client_id = api_client(admin_a).post(f"/api/v1/c/{a.slug}/clients",
                                         json=client_payload()).get_json()["id"]
    api_client(admin_b).post(f"/api/v1/c/{b.slug}/clients", json=client_payload())
    before_a = len(audit_rows(coop_session, a, "client.read"))
    before_b = len(audit_rows(coop_session, b, "client.read"))

    page = browser(app, admin_a).get(f"/c/{a.slug}/clients/{client_id}")
    assert page.status_code == 200 and "Mrs Gwen Jones" in page.get_data(as_text=True)
    rows = audit_rows(coop_session, a, "client.read")
    assert len(rows) == before_a + 1
    assert (rows[-1].subject_id, rows[-1].actor_account_id, rows[-1].detail["via"]) == (
        client_id, admin_a.id, "page.detail")
    assert len(audit_rows(coop_session, b, "client.read")) == before_b


def test_lists_audit_one_row_per_client_shown(app, two_coops, api_client, coop_session):
    (a, admin_a), (b, _) = two_coops
    api = api_client(admin_a)
    ids = [api.post(f"/api/v1/c/{a.slug}/clients",
                    json=client_payload(display_name=name)).get_json()["id"]
           for name in ("Ann", "Bryn", "Cai")]
    before = len(audit_rows(coop_session, a, "client.read"))

    page = api.get(f"/api/v1/c/{a.slug}/clients?page=1&page_size=2")
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    assert [c["display_name"] for c in page.get_json()] == ["Ann", "Bryn"]
    rows = audit_rows(coop_session, a, "client.read")[before:]
    assert sorted(r.subject_id for r in rows) == ids[:2]
    assert {r.detail["via"] for r in rows} == {"api.list"}

    browser(app, admin_a).get(f"/c/{a.slug}/clients/")
    rows = audit_rows(coop_session, a, "client.read")[before + 2:]
    assert sorted(r.subject_id for r in rows) == ids
    assert {r.detail["via"] for r in rows} == {"page.list"}
    assert audit_rows(coop_session, b, "client.read") == []


def test_unknown_client_is_404_and_not_audited(two_coops, api_client, coop_session):
    (a, admin_a), _ = two_coops
    response = api_client(admin_a).get(f"/api/v1/c/{a.slug}/clients/4242")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert audit_rows(coop_session, a, "client.read") == []
