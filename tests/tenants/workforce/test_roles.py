"""Who may see and change workers: managers, a care worker (their own record), not members."""

from __future__ import annotations

from tenants.workforce.models import Worker
from tests.tenants.workforce.helpers import browser, count, person, worker_payload


def _setup(app, two_coops, api_client):
    (a, admin_a), (b, admin_b) = two_coops
    carer, member = person(app, a, "worker"), person(app, a, "member")
    api = api_client(admin_a)
    own = api.post(f"/api/v1/c/{a.slug}/workers",
                   json=worker_payload(display_name="Own Record", account_id=carer.id))
    other = api.post(f"/api/v1/c/{a.slug}/workers",
                     json=worker_payload(display_name="Someone Else"))
    api_client(admin_b).post(f"/api/v1/c/{b.slug}/workers", json=worker_payload())
    return carer, member, own.get_json()["id"], other.get_json()["id"]


def test_worker_sees_only_their_own_record(app, two_coops, api_client, coop_session):
    (a, _), (b, _) = two_coops
    carer, _member, own, other = _setup(app, two_coops, api_client)
    api = api_client(carer)
    assert api.get(f"/api/v1/c/{a.slug}/workers/{own}").get_json()["display_name"] == (
        "Own Record")
    refused = [api.get(f"/api/v1/c/{a.slug}/workers"),
               api.get(f"/api/v1/c/{a.slug}/workers/{other}"),
               api.get(f"/api/v1/c/{a.slug}/checks-due"),
               api.post(f"/api/v1/c/{a.slug}/workers", json=worker_payload()),
               api.patch(f"/api/v1/c/{a.slug}/workers/{own}", json={"contracted_hours": 48})]
    assert [r.status_code for r in refused] == [403] * 5
    assert all(r.headers["Content-Type"] == "application/problem+json" for r in refused)

    web = browser(app, carer)
    assert [web.get(f"/c/{a.slug}/workforce/{p}").status_code for p in (
        "", "new", "checks", f"{other}", f"{own}/edit")] == [403] * 5
    me = web.get(f"/c/{a.slug}/workforce/me")
    assert me.status_code == 302 and me.headers["Location"].endswith(f"/workforce/{own}")
    page = web.get(f"/c/{a.slug}/workforce/{own}").get_data(as_text=True)
    assert "Own Record" in page and "Someone Else" not in page
    assert "/edit" not in page
    home = web.get(f"/c/{a.slug}/").get_data(as_text=True)
    assert "My worker record" in home and ">Workforce<" not in home
    assert count(coop_session, a, Worker) == 2 and count(coop_session, b, Worker) == 1


def test_member_gets_403_everywhere(app, two_coops, api_client):
    (a, _), _ = two_coops
    _carer, member, own, _other = _setup(app, two_coops, api_client)
    api = api_client(member)
    assert [r.status_code for r in (
        api.get(f"/api/v1/c/{a.slug}/workers"),
        api.get(f"/api/v1/c/{a.slug}/workers/{own}"),
        api.get(f"/api/v1/c/{a.slug}/checks-due"),
        api.post(f"/api/v1/c/{a.slug}/workers", json=worker_payload()),
        api.patch(f"/api/v1/c/{a.slug}/workers/{own}", json={}))] == [403] * 5
    web = browser(app, member)
    assert [web.get(f"/c/{a.slug}/workforce/{p}").status_code for p in (
        "", "new", "checks", "me", f"{own}", f"{own}/edit")] == [403] * 6
    home = web.get(f"/c/{a.slug}/").get_data(as_text=True)
    assert "Workforce" not in home and "My worker record" not in home


def test_coordinator_manages_workers(app, two_coops, api_client):
    (a, _), _ = two_coops
    coordinator = person(app, a, "coordinator")
    api = api_client(coordinator)
    made = api.post(f"/api/v1/c/{a.slug}/workers", json=worker_payload())
    assert made.status_code == 201
    assert api.patch(f"/api/v1/c/{a.slug}/workers/{made.get_json()['id']}",
                     json={"welsh_level": "learner"}).get_json()["welsh_level"] == "learner"
    assert ">Workforce<" in browser(app, coordinator).get(f"/c/{a.slug}/").get_data(
        as_text=True)


def test_member_of_a_gets_404_on_b(app, two_coops, api_client):
    (a, admin_a), (b, _) = two_coops
    _setup(app, two_coops, api_client)
    api = api_client(admin_a)
    assert [r.status_code for r in (
        api.get(f"/api/v1/c/{b.slug}/workers"),
        api.get(f"/api/v1/c/{b.slug}/workers/1"),
        api.get(f"/api/v1/c/{b.slug}/checks-due"),
        api.patch(f"/api/v1/c/{b.slug}/workers/1", json={"contracted_hours": 1}))] == [404] * 4
    web = browser(app, admin_a)
    assert [web.get(f"/c/{b.slug}/workforce/{p}").status_code for p in (
        "", "new", "checks", "me", "1", "1/edit")] == [404] * 6
