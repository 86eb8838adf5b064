"""The demo's regional analyst has an API client for their own area, printed by the demo."""

from __future__ import annotations

from core.db import db
from federation.accounts.service import account_by_email
from federation.demo import DEMO_PASSWORD, seed_demo
from federation.regional.demo import CLIENT_ID, CLIENT_SECRET
from federation.regional.service import analyst_areas
from services.stats.cells import is_valid_geography
from tests.fixtures.app import sign_in


def test_demo_analyst_has_a_client_for_their_area(isolated_app):
    app = isolated_app()
    with app.app_context():
        people = seed_demo()
        again = seed_demo()  # idempotent: nothing new, the same credentials
        assert ("stats API client of the Gwent RPB (client id, secret; POST /oauth/token)",
                f"{CLIENT_ID} {CLIENT_SECRET}") in people
        assert len(again) == len(people)
        analyst = account_by_email("analyst@demo.coopfed.cymru")
        email = analyst.email
        [(kind, area)] = analyst_areas(analyst.id)
        assert is_valid_geography(kind, area)
        db.session.commit()
    client = app.test_client()
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        auth=(CLIENT_ID, CLIENT_SECRET))
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    catalogue = client.get("/api/v1/stats/catalogue", headers=headers)
    assert catalogue.status_code == 200
    assert catalogue.get_json()["geographies"][0] == {"kind": kind, "code": area}
    assert sign_in(client, email, DEMO_PASSWORD).status_code == 302
    assert client.get("/regional/").status_code == 200
