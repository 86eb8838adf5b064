"""Bad input to the workers API: refused as problem+json naming the field, nothing written."""

from __future__ import annotations

import pytest

from tenants.audit.models import TenantAuditEvent
from tenants.workforce.models import Availability, Worker, WorkerSkill
from tests.tenants.workforce.helpers import count, days, person, worker_payload

TABLES = (Worker, WorkerSkill, Availability, TenantAuditEvent)

# (name, change to a valid body, the field named in the problem)
BAD = [
    ("missing name", {"display_name": None}, "display_name"),
    ("missing start date", {"started_on": None}, "started_on"),
    ("blank name", {"display_name": "   "}, "display_name"),
    ("name too long", {"display_name": "x" * 201}, "display_name"),
    ("NUL in name", {"display_name": "Elin\x00Pritchard"}, "display_name"),
    ("NUL in a skill", {"skills": ["hoist\x00"]}, "skills.0"),
    ("hours as words", {"contracted_hours": "lots"}, "contracted_hours"),
    ("hours as a list", {"contracted_hours": [37]}, "contracted_hours"),
    ("negative hours", {"contracted_hours": -1}, "contracted_hours"),
    ("too many hours", {"contracted_hours": 169}, "contracted_hours"),
    ("radius as text", {"travel_radius_km": "ten"}, "travel_radius_km"),
    ("negative radius", {"travel_radius_km": -5}, "travel_radius_km"),
    ("date as words", {"started_on": "last spring"}, "started_on"),
    ("boolean as words", {"dbs_update_service": "perhaps"}, "dbs_update_service"),
    ("account id as text", {"account_id": "seven"}, "account_id"),
    ("unknown skill", {"skills": ["personal_care", "juggling"]}, "skills.1"),
    ("skills not a list", {"skills": "hoist"}, "skills"),
    ("unknown Welsh level", {"welsh_level": "bilingual"}, "welsh_level"),
    ("LA outside Wales", {"base_la_code": "E09000001"}, "base_la_code"),
    ("bad postcode district", {"base_postcode_district": "not a postcode"},
     "base_postcode_district"),
    ("window ends before it starts",
     {"availability": [{"weekday": 1, "starts": "14:00", "ends": "09:00"}]},
     "availability.0.ends"),
    ("window of no length",
     {"availability": [{"weekday": 1, "starts": "09:00", "ends": "09:00"}]},
     "availability.0.ends"),
    ("weekday 7", {"availability": [{"weekday": 7, "starts": "09:00", "ends": "10:00"}]},
     "availability.0.weekday"),
    ("window time as text",
     {"availability": [{"weekday": 1, "starts": "morning", "ends": "10:00"}]},
     "availability.0.starts"),
    ("window without an end", {"availability": [{"weekday": 1, "starts": "09:00"}]},
     "availability.0.ends"),
    ("overlapping windows", {"availability": [
        {"weekday": 1, "starts": "09:00", "ends": "12:00"},
        {"weekday": 1, "starts": "11:00", "ends": "15:00"}]}, "availability"),
    ("unknown field", {"salary": 12}, "salary"),
    ("opt-out without its signed date", {"wt_opt_out": True}, "wt_opt_out_signed_on"),
    ("opt-out signed in the future",
     {"wt_opt_out": True, "wt_opt_out_signed_on": days(5)}, "wt_opt_out_signed_on"),
    ("registration number without expiry", {"scw_expires_on": None}, "scw_expires_on"),
    ("DBS certificate from the future", {"dbs_certificate_date": days(3)},
     "dbs_certificate_date"),
    ("account that is not a member", {"account_id": 987654}, "account_id"),
]


def _body(change: dict) -> dict:
    body = worker_payload()
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def _counts(coop_session, coops):
    return [count(coop_session, coop, table) for coop in coops for table in TABLES]


def _assert_problem(response, field):
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/problem+json"
    errors = response.get_json()["errors"]
    assert field in errors, errors
    assert all(isinstance(m, str) and m for m in errors[field])


@pytest.mark.parametrize(("change", "field"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_create_is_refused_and_writes_nothing(shared_coops, api_client, coop_session,
                                                  change, field):
    (a, admin_a), (b, _) = shared_coops
    before = _counts(coop_session, (a, b))
    response = api_client(admin_a).post(f"/api/v1/c/{a.slug}/workers", json=_body(change))
    _assert_problem(response, field)
    assert _counts(coop_session, (a, b)) == before


PATCH_BAD = [b for b in BAD if b[0] not in ("missing name", "missing start date",
                                            "registration number without expiry")] + [
    ("name set to null", {"display_name": None}, "display_name"),
    ("registration expiry removed", {"scw_expires_on": None}, "scw_expires_on"),
]


@pytest.mark.parametrize(("change", "field"), [b[1:] for b in PATCH_BAD],
                         ids=[b[0] for b in PATCH_BAD])
def test_bad_change_is_refused_and_changes_nothing(shared_coops, api_client, coop_session,
                                                   change, field):
    (a, admin_a), (b, _) = shared_coops
    api = api_client(admin_a)
    worker_id = api.post(f"/api/v1/c/{a.slug}/workers", json=worker_payload()).get_json()["id"]
    stored = api.get(f"/api/v1/c/{a.slug}/workers/{worker_id}").get_json()
    before = _counts(coop_session, (a, b))
    response = api.patch(f"/api/v1/c/{a.slug}/workers/{worker_id}", json=change)
    _assert_problem(response, field)
    assert _counts(coop_session, (a, b)) == before
    assert api.get(f"/api/v1/c/{a.slug}/workers/{worker_id}").get_json() == stored


def test_account_linked_to_another_worker_is_refused(app, two_coops, api_client,
                                                     coop_session):
    (a, admin_a), (b, _) = two_coops
    carer = person(app, a, "worker")
    api = api_client(admin_a)
    assert api.post(f"/api/v1/c/{a.slug}/workers",
                    json=worker_payload(account_id=carer.id)).status_code == 201
    before = _counts(coop_session, (a, b))
    response = api.post(f"/api/v1/c/{a.slug}/workers",
                        json=worker_payload(display_name="Twin", account_id=carer.id))
    _assert_problem(response, "account_id")
    assert _counts(coop_session, (a, b)) == before


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"a string"', b"null"])
def test_body_that_is_not_an_object_is_refused(two_coops, api_client, coop_session, body):
    (a, admin_a), (b, _) = two_coops
    before = _counts(coop_session, (a, b))
    response = api_client(admin_a).post(f"/api/v1/c/{a.slug}/workers", data=body,
                                        headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.get_json()["errors"]
    assert _counts(coop_session, (a, b)) == before


def test_a_10_mb_body_is_413_problem_json(two_coops, api_client, coop_session):
    (a, admin_a), (b, _) = two_coops
    api = api_client(admin_a)
    worker_id = api.post(f"/api/v1/c/{a.slug}/workers", json=worker_payload()).get_json()["id"]
    before = _counts(coop_session, (a, b))
    huge = worker_payload(display_name="x" * (10 * 1024 * 1024))
    for response in (api.post(f"/api/v1/c/{a.slug}/workers", json=huge),
                     api.patch(f"/api/v1/c/{a.slug}/workers/{worker_id}", json=huge)):
        assert response.status_code == 413
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "body" in response.get_json()["errors"]
    assert _counts(coop_session, (a, b)) == before
