"""Who may see clients: managers all of them, a care worker only their own, members none."""

from __future__ import annotations

from tenants.clients.models import Client
from tests.tenants.workforce.helpers import (
    audit_rows,
    browser,
    client_payload,
    count,
    person,
    worker_payload,
)


def _setup(app, two_coops, api_client):
    (a, admin_a), (b, admin_b) = two_coops
    carer, member = person(app, a, "worker"), person(app, a, "member")
    api = api_client(admin_a)
    worker_id = api.post(f"/api/v1/c/{a.slug}/workers", json=worker_payload(
        account_id=carer.id)).get_json()["id"]
    mine = api.post(f"/api/v1/c/{a.slug}/clients", json=client_payload(
        display_name="My Client", regular_carers=[worker_id])).get_json()["id"]
    theirs = api.post(f"/api/v1/c/{a.slug}/clients", json=client_payload(
        display_name="Not Mine")).get_json()["id"]
    # In B, a client with the same ids, cared for by B's worker 1.
    api_b = api_client(admin_b)
    b_worker = api_b.post(f"/api/v1/c/{b.slug}/workers", json=worker_payload()).get_json()["id"]
    api_b.post(f"/api/v1/c/{b.slug}/clients",
               json=client_payload(display_name="B Client", regular_carers=[b_worker]))
    return carer, member, mine, theirs


def test_worker_sees_only_the_clients_they_care_for(app, two_coops, api_client,
                                                     coop_session):
    (a, _), (b, _) = two_coops
    carer, _member, mine, theirs = _setup(app, two_coops, api_client)
    api = api_client(carer)
    listed = api.get(f"/api/v1/c/{a.slug}/clients")
    assert [c["display_name"] for c in listed.get_json()] == ["My Client"]
    assert api.get(f"/api/v1/c/{a.slug}/clients/{mine}").status_code == 200
    reads = len(audit_rows(coop_session, a, "client.read"))
    refused = [api.get(f"/api/v1/c/{a.slug}/clients/{theirs}"),
               api.post(f"/api/v1/c/{a.slug}/clients", json=client_payload()),
               api.patch(f"/api/v1/c/{a.slug}/clients/{mine}", json={"age_band": "18-24"})]
    assert [r.status_code for r in refused] == [403] * 3
    assert len(audit_rows(coop_session, a, "client.read")) == reads  # nothing was read

    web = browser(app, carer)
    page = web.get(f"/c/{a.slug}/clients/").get_data(as_text=True)
    assert "My Client" in page and "Not Mine" not in page and "B Client" not in page
    assert "Add a client" not in page
    assert web.get(f"/c/{a.slug}/clients/{mine}").status_code == 200
    assert [web.get(f"/c/{a.slug}/clients/{p}").status_code for p in (
        f"{theirs}", "new", f"{mine}/edit")] == [403] * 3
    assert ">Clients<" in web.get(f"/c/{a.slug}/").get_data(as_text=True)
    assert count(coop_session, a, Client) == 2 and count(coop_session, b, Client) == 1


def test_worker_without_a_record_sees_no_clients(app, two_coops, api_client):
    (a, _), _ = two_coops
    _setup(app, two_coops, api_client)
    stranger = person(app, a, "worker")
    assert api_client(stranger).get(f"/api/v1/c/{a.slug}/clients").get_json() == []


def test_member_gets_403(app, two_coops, api_client, coop_session):
    (a, _), _ = two_coops
    _carer, member, mine, _theirs = _setup(app, two_coops, api_client)
    api = api_client(member)
    assert [r.status_code for r in (
        api.get(f"/api/v1/c/{a.slug}/clients"),
        api.get(f"/api/v1/c/{a.slug}/clients/{mine}"),
        api.post(f"/api/v1/c/{a.slug}/clients", json=client_payload()),
        api.patch(f"/api/v1/c/{a.slug}/clients/{mine}", json={}))] == [403] * 4
    web = browser(app, member)
    assert [web.get(f"/c/{a.slug}/clients/{p}").status_code for p in (
        "", "new", f"{mine}", f"{mine}/edit")] == [403] * 4
    assert ">Clients<" not in web.get(f"/c/{a.slug}/").get_data(as_text=True)
    assert all(r.actor_account_id != member.id
               for r in audit_rows(coop_session, a, "client.read"))


def test_member_of_a_gets_404_on_b(app, two_coops, api_client):
    (a, admin_a), (b, _) = two_coops
    _setup(app, two_coops, api_client)
    api = api_client(admin_a)
    assert [r.status_code for r in (
        api.get(f"/api/v1/c/{b.slug}/clients"),
        api.get(f"/api/v1/c/{b.slug}/clients/1"),
        api.patch(f"/api/v1/c/{b.slug}/clients/1", json={"age_band": "85+"}))] == [404] * 3
    web = browser(app, admin_a)
    assert [web.get(f"/c/{b.slug}/clients/{p}").status_code for p in (
        "", "new", "1", "1/edit")] == [404] * 4
