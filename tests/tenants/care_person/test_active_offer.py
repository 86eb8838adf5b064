"""The Active Offer: a client's language is asked every time, and Welsh makes visits Welsh.

wales-care-rules.md §9: "record each person's language (no silent English default) and
let a Welsh preference make their visits Welsh-required".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tenants.clients.models import Client
from tenants.rota.models import Visit, VisitPattern
from tests.fixtures.app import csrf_token
from tests.tenants.workforce.helpers import browser, client_payload, count


def _future(days: int, hour: int = 9) -> str:
    day = datetime.now().replace(hour=hour, minute=0, second=0, microsecond=0)
    return (day + timedelta(days=days)).isoformat()


def test_a_client_without_a_language_is_refused_naming_the_field(
        two_coops, api_client, coop_session, app):
    (a, admin_a), (b, admin_b) = two_coops
    api = api_client(admin_a)
    body = client_payload()
    del body["preferred_language"]
    before = [count(coop_session, coop, Client) for coop in (a, b)]
    refused = api.post(f"/api/v1/c/{a.slug}/clients", json=body)
    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    message = refused.get_json()["errors"]["preferred_language"][0]
    assert "preferred_language" in message or "language" in message
    assert "no default" in message
    # The page says the same, naming the question, in the reader's language.
    web = browser(app, admin_a)
    form = {"display_name": "Mr Idris Parry", "funding_source": "direct_payment",
            "age_band": "85+", "la_code": "W06000002", "active": "yes",
            "csrf_token": csrf_token(web, f"/c/{a.slug}/clients/new")}
    page = web.post(f"/c/{a.slug}/clients/new", data=form)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Choose the language they prefer for their care" in text
    assert 'href="#preferred_language' in text
    new_form = web.get(f"/c/{a.slug}/clients/new").get_data(as_text=True)
    assert 'name="preferred_language" type="radio" value="en" checked' not in new_form
    assert "checked" not in new_form.split('name="preferred_language"')[1].split(">")[0]
    web.get("/language/cy")
    page_cy = web.post(f"/c/{a.slug}/clients/new", data={
        **form, "csrf_token": csrf_token(web, f"/c/{a.slug}/clients/new")})
    assert "does dim dewis rhagosodedig" in page_cy.get_data(as_text=True)
    assert [count(coop_session, coop, Client) for coop in (a, b)] == before


def test_a_welsh_preference_makes_visits_welsh_unless_the_person_says_otherwise(
        two_coops, api_client, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    api = api_client(admin_a)
    welsh = api.post(f"/api/v1/c/{a.slug}/clients", json=client_payload()).get_json()
    english = api.post(f"/api/v1/c/{a.slug}/clients",
                       json=client_payload(preferred_language="en")).get_json()
    waived = api.post(f"/api/v1/c/{a.slug}/clients",
                      json=client_payload(welsh_visits_waived=True)).get_json()
    assert welsh["welsh_required"] is True and english["welsh_required"] is False
    assert waived["welsh_required"] is False and waived["welsh_visits_waived_on"]
    # Co-op B's Welsh client changes nothing in A.
    api_client(admin_b).post(f"/api/v1/c/{b.slug}/clients", json=client_payload())

    def visit_for(client_id: int, days: int) -> dict:
        response = api.post(f"/api/v1/c/{a.slug}/visits", json={
            "client_id": client_id, "starts_at": _future(days), "ends_at": _future(days, 10)})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    assert visit_for(welsh["id"], 3)["welsh_required"] is True
    assert visit_for(english["id"], 3)["welsh_required"] is False
    assert visit_for(waived["id"], 3)["welsh_required"] is False
    pattern = api.post(f"/api/v1/c/{a.slug}/patterns", json={
        "client_id": welsh["id"], "weekday": 2, "starts": "09:00",
        "duration_minutes": 30}).get_json()
    assert pattern["welsh_required"] is True

    # Changing a client to Welsh carries to their coming visits; a waiver takes it away.
    coming = visit_for(english["id"], 4)
    changed = api.patch(f"/api/v1/c/{a.slug}/clients/{english['id']}",
                        json={"preferred_language": "cy"})
    assert changed.get_json()["welsh_required"] is True
    with coop_session(a) as session:
        assert session.get(Visit, coming["id"]).welsh_required is True
    api.patch(f"/api/v1/c/{a.slug}/clients/{welsh['id']}", json={"welsh_visits_waived": True})
    with coop_session(a) as session:
        assert session.scalar(select(VisitPattern.welsh_required).where(
            VisitPattern.client_id == welsh["id"])) is False
        assert session.get(Client, welsh["id"]).welsh_visits_waived_on is not None
    with coop_session(b) as session:
        assert all(c.needs_welsh for c in session.scalars(select(Client)))
