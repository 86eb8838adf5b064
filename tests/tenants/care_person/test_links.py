"""A coordinator links a client record to the person, with consent; bad input names the field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.db import db
from tenants.audit.models import TenantAuditEvent
from tenants.care_person.access import CareAccess
from tenants.care_person.models import CareLink
from tests.fixtures.app import csrf_token
from tests.fixtures.factories import create_account
from tests.tenants.care_person.helpers import build_world, link, linked_person
from tests.tenants.workforce.helpers import browser, person

TODAY = date.today().isoformat()
BAD = [
    ("no email", {"email": None}, "email"),
    ("not an email", {"email": "mair"}, "email"),
    ("no such account", {"email": "nobody-at-all@example.org"}, "email"),
    ("no role", {"role": None}, "role"),
    ("unknown role", {"role": "friend"}, "role"),
    ("no consent day", {"consent_given_on": None}, "consent_given_on"),
    ("consent tomorrow", {"consent_given_on": (date.today() + timedelta(days=1)).isoformat()},
     "consent_given_on"),
    ("consent day in words", {"consent_given_on": "yesterday"}, "consent_given_on"),
    ("no consent method", {"consent_how": None}, "consent_how"),
    ("unknown consent method", {"consent_how": "telepathy"}, "consent_how"),
    ("NUL in email", {"email": "mair\x00@example.org"}, "email"),
    ("unknown field", {"date_of_birth": "1930-01-01"}, "date_of_birth"),
]


def _rows(app, coop_session, coops) -> list[int]:
    counts = []
    for coop in coops:
        with coop_session(coop) as session:
            counts.append(session.scalar(select(func.count()).select_from(CareLink)))
    with app.app_context():
        counts.append(db.session.scalar(select(func.count()).select_from(CareAccess)))
    return counts


@pytest.mark.parametrize(("change", "field"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_link_is_refused_naming_the_field(app, two_coops, coop_session, api_client,
                                               change, field):
    a_place, b_place = build_world(two_coops, coop_session)
    (a, admin_a), (b, _) = two_coops
    account = create_account(app)
    body = {"email": account.email, "role": "person", "consent_given_on": TODAY,
            "consent_how": "phone"}
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    before = _rows(app, coop_session, (a, b))
    refused = api_client(admin_a).post(
        f"/api/v1/c/{a.slug}/clients/{a_place.clients[0]}/care-links", json=body)
    assert refused.status_code == 422, refused.get_json()
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert field in refused.get_json()["errors"], refused.get_json()
    assert _rows(app, coop_session, (a, b)) == before


def test_only_managers_link_and_only_their_own_clients(app, two_coops, coop_session,
                                                      api_client):
    a_place, b_place = build_world(two_coops, coop_session)
    (a, admin_a), (b, admin_b) = two_coops
    mair = create_account(app, name="Mair Lloyd")
    worker = person(app, a, "worker")
    assert link(api_client(worker), a_place, 0, mair).status_code == 403
    # Co-op B's admin, naming co-op A's client: B has no such client.
    wrong = api_client(admin_b).post(
        f"/api/v1/c/{b.slug}/clients/{a_place.clients[0] + 1000}/care-links",
        json={"email": mair.email, "role": "person", "consent_given_on": TODAY,
              "consent_how": "phone"})
    assert wrong.status_code == 404
    assert api_client(admin_b).post(
        f"/api/v1/c/{a.slug}/clients/{a_place.clients[0]}/care-links",
        json={}).status_code == 404
    assert link(api_client(admin_a), a_place, 0, mair).status_code == 201
    again = link(api_client(admin_a), a_place, 0, create_account(app))
    assert again.status_code == 422 and "role" in again.get_json()["errors"]
    twice = link(api_client(admin_a), a_place, 0, mair, role="representative")
    assert twice.status_code == 422 and "email" in twice.get_json()["errors"]
    listed = api_client(admin_a).get(
        f"/api/v1/c/{a.slug}/clients/{a_place.clients[0]}/care-links").get_json()
    assert [(x["account_id"], x["role"], x["consent_how"], x["consent_recorded_by"])
            for x in listed] == [(mair.id, "person", "in_person", admin_a.id)]
    with coop_session(a) as session:
        audit = session.scalars(select(TenantAuditEvent).where(
            TenantAuditEvent.action == "care.linked")).all()
    assert [(e.actor_account_id, e.detail["consent_how"]) for e in audit] == [
        (admin_a.id, "in_person")]


def test_a_representative_speaks_for_the_person_until_the_link_ends(
        app, two_coops, coop_session, api_client):
    a_place, _ = build_world(two_coops, coop_session)
    (a, admin_a), _ = two_coops
    linked_person(app, api_client, a_place)
    son = create_account(app, name="Huw Lloyd")
    made = link(api_client(admin_a), a_place, 0, son, role="representative")
    assert made.status_code == 201
    api = api_client(son)
    week = api.get(f"/api/v1/c/{a.slug}/my-care/week").get_json()
    assert week["seat"] == "representative" and week["person"] == "Mair"
    assert [v["worker"] for v in week["visits"]] == ["Ceri", "Ceri"]
    assert api.post(f"/api/v1/c/{a.slug}/my-care/family",
                    json={"email": "nia@example.org", "sees_names": True}).status_code == 201
    ended = api_client(admin_a).delete(
        f"/api/v1/c/{a.slug}/clients/{a_place.clients[0]}/care-links/{made.get_json()['id']}")
    assert ended.status_code == 204
    assert api.get(f"/api/v1/c/{a.slug}/my-care/week").status_code == 404
    assert api.client.get("/").status_code == 200
    assert "my-care" not in api.client.get("/").get_data(as_text=True)


def test_the_coordinators_page_links_and_ends_in_either_language(app, two_coops,
                                                                coop_session):
    a_place, _ = build_world(two_coops, coop_session)
    (a, admin_a), _ = two_coops
    mair = create_account(app, name="Mair Lloyd")
    web = browser(app, admin_a)
    path = f"/c/{a.slug}/clients/{a_place.clients[0]}/care"
    detail = web.get(f"/c/{a.slug}/clients/{a_place.clients[0]}").get_data(as_text=True)
    assert path in detail
    empty = web.post(path, data={"csrf_token": csrf_token(web, path)})
    text = empty.get_data(as_text=True)
    assert empty.status_code == 422
    for anchor in ("#email", "#role", "#consent_given_on", "#consent_how"):
        assert f'href="{anchor}"' in text
    web.get("/language/cy")
    welsh = web.post(path, data={"csrf_token": csrf_token(web, path), "email": "x@example.org",
                                 "role": "person", "consent_given_on": TODAY,
                                 "consent_how": "phone"})
    assert welsh.status_code == 422
    assert "Rhowch gyfeiriad e-bost eu cyfrif coopfed" in welsh.get_data(as_text=True)
    made = web.post(path, data={"csrf_token": csrf_token(web, path), "email": mair.email,
                                "role": "person", "consent_given_on": TODAY,
                                "consent_how": "letter"})
    assert made.status_code == 302
    page = web.get(path).get_data(as_text=True)
    assert "Y person sy&#39;n cael gofal" in page or "Y person sy'n cael gofal" in page
    with coop_session(a) as session:
        link_id = session.scalar(select(CareLink.id))
    ended = web.post(f"{path}/{link_id}/end", data={"csrf_token": csrf_token(web, path)})
    assert ended.status_code == 302
    with app.app_context():
        assert db.session.get(CareAccess, (mair.id, a.id)) is None
    # Junk in the person's page query never breaks it.
    assert web.post(f"{path}/99999/end",
                    data={"csrf_token": csrf_token(web, path)}).status_code == 404
