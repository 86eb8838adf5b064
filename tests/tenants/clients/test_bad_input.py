"""Bad input to the clients API: refused as problem+json naming the field, nothing written."""

from __future__ import annotations

import pytest

from tenants.audit.models import TenantAuditEvent
from tenants.clients.models import Client, ClientNeed, RegularCarer
from tests.tenants.workforce.helpers import client_payload, count

TABLES = (Client, ClientNeed, RegularCarer, TenantAuditEvent)

BAD = [
    ("missing name", {"display_name": None}, "display_name"),
    ("missing funding", {"funding_source": None}, "funding_source"),
    ("missing age band", {"age_band": None}, "age_band"),
    ("missing LA", {"la_code": None}, "la_code"),
    ("blank name", {"display_name": " "}, "display_name"),
    ("NUL in name", {"display_name": "Gwen\x00Jones"}, "display_name"),
    ("NUL in a need", {"need_types": ["dementia\x00"]}, "need_types.0"),
    ("name as a number", {"display_name": 42}, "display_name"),
    ("unknown need", {"need_types": ["dementia", "astrology"]}, "need_types.1"),
    ("needs not a list", {"need_types": "dementia"}, "need_types"),
    ("unknown funding", {"funding_source": "lottery"}, "funding_source"),
    ("unknown age band", {"age_band": "100+"}, "age_band"),
    ("LA outside Wales", {"la_code": "E09000001"}, "la_code"),
    ("unknown language", {"preferred_language": "fr"}, "preferred_language"),
    ("bad postcode district", {"postcode_district": "12345"}, "postcode_district"),
    ("carer id as text", {"regular_carers": ["one"]}, "regular_carers.0"),
    ("negative carer id", {"regular_carers": [-1]}, "regular_carers.0"),
    ("carer not in this co-op", {"regular_carers": [9999]}, "regular_carers"),
    ("active as words", {"active": "sometimes"}, "active"),
    ("unknown field", {"date_of_birth": "1930-01-01"}, "date_of_birth"),
]


def _body(change: dict) -> dict:
    body = client_payload()
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    return body


def _counts(coop_session, coops):
    return [count(coop_session, coop, table) for coop in coops for table in TABLES]


def _assert_problem(response, field):
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.get_json()["errors"], response.get_json()


@pytest.mark.parametrize(("change", "field"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_create_is_refused_and_writes_nothing(shared_coops, api_client, coop_session,
                                                  change, field):
    (a, admin_a), (b, _) = shared_coops
    before = _counts(coop_session, (a, b))
    response = api_client(admin_a).post(f"/api/v1/c/{a.slug}/clients", json=_body(change))
    _assert_problem(response, field)
    assert _counts(coop_session, (a, b)) == before


PATCH_BAD = [b for b in BAD if not b[0].startswith("missing")] + [
    ("name set to null", {"display_name": None}, "display_name"),
    ("LA set to null", {"la_code": None}, "la_code"),
]


@pytest.mark.parametrize(("change", "field"), [b[1:] for b in PATCH_BAD],
                         ids=[b[0] for b in PATCH_BAD])
def test_bad_change_is_refused_and_changes_nothing(shared_coops, api_client, coop_session,
                                                   change, field):
    (a, admin_a), (b, _) = shared_coops
    api = api_client(admin_a)
    client_id = api.post(f"/api/v1/c/{a.slug}/clients", json=client_payload()).get_json()["id"]
    stored = api.get(f"/api/v1/c/{a.slug}/clients/{client_id}").get_json()
    before = _counts(coop_session, (a, b))
    response = api.patch(f"/api/v1/c/{a.slug}/clients/{client_id}", json=change)
    _assert_problem(response, field)
    assert _counts(coop_session, (a, b)) == before
    assert api.get(f"/api/v1/c/{a.slug}/clients/{client_id}").get_json() == stored


def test_a_10_mb_body_is_413_problem_json(two_coops, api_client, coop_session):
    (a, admin_a), (b, _) = two_coops
    api = api_client(admin_a)
    client_id = api.post(f"/api/v1/c/{a.slug}/clients", json=client_payload()).get_json()["id"]
    before = _counts(coop_session, (a, b))
    huge = client_payload(display_name="x" * (10 * 1024 * 1024))
    for response in (api.post(f"/api/v1/c/{a.slug}/clients", json=huge),
                     api.patch(f"/api/v1/c/{a.slug}/clients/{client_id}", json=huge)):
        assert response.status_code == 413
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "body" in response.get_json()["errors"]
    assert _counts(coop_session, (a, b)) == before
