"""Bad input gets a 4xx naming the field, and nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import db
from core.timeutil import local_now
from services.lending.models import LendingAgreement, LendingRequest
from tests.fixtures.factories import add_member, create_account
from tests.services.lending.helpers import at, next_weekday, pool_coop, pool_worker, request_body

SATURDAY = next_weekday(5)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


CASES = {
    "past slot": ({"slots": [{"starts_at": (local_now() - timedelta(hours=3)).isoformat(
        timespec="minutes"), "ends_at": (local_now() - timedelta(hours=1)).isoformat(
        timespec="minutes")}]}, "slots.0.starts_at"),
    "end before start": ({"slots": [{"starts_at": at(SATURDAY, 14).isoformat(),
                                     "ends_at": at(SATURDAY, 10).isoformat()}]},
                         "slots.0.ends_at"),
    "unknown skill": ({"skills": ["personal_care", "juggling"]}, "skills.1"),
    "negative rate": ({"rate": "-1.00"}, "rate"),
    "unknown area": ({"la_code": "E09000001"}, "la_code"),
    "no slots": ({"slots": []}, "slots"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_request_names_the_field(app, api_client, case):
    borrower, admin = pool_coop(app, "W06000003")
    _other, _ = pool_coop(app, "W06000002")
    changes, field = CASES[case]
    before = _count(app, LendingRequest)
    response = api_client(admin).post(f"/api/v1/c/{borrower.slug}/lending/requests",
                                      json=request_body(SATURDAY, **changes))
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    flat = {f"{k}.{i}" if isinstance(v, dict) else k for k, v in errors.items()
            for i in (v if isinstance(v, dict) else [None])}
    assert field in flat or field in errors or field.split(".")[0] in errors, errors
    assert _count(app, LendingRequest) == before


def test_the_service_refuses_past_slots_even_past_the_schema(app):
    from core.errors import ValidationError
    from services.lending.service import check_create_request

    with app.test_request_context():
        past = local_now() - timedelta(days=1)
        with pytest.raises(ValidationError) as refused:
            check_create_request(1, {"slots": [{"starts_at": past, "ends_at": past
                                                + timedelta(hours=1)}],
                                     "la_code": "W06000002", "skills": ["flying"],
                                     "rate": -1}, actor=None)
        assert {"slots.0.starts_at", "skills", "rate"} <= set(refused.value.errors)


def test_approving_another_coops_offer_is_404(app, api_client, coop_session):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    stranger, stranger_admin = pool_coop(app, "W06000001")
    _worker_id, account, ref = pool_worker(app, lender, coop_session)
    borrow = api_client(borrower_admin)
    request_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=request_body(SATURDAY)).get_json()["id"]
    agreement_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                               json={"worker_ref": ref}).get_json()["id"]
    refused = api_client(stranger_admin).post(
        f"/api/v1/c/{stranger.slug}/lending/offers/{agreement_id}/approve")
    assert refused.status_code == 404
    # The borrower is party to it but is not the lender: it cannot approve either.
    assert borrow.post(f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/approve"
                       ).status_code == 404
    # Nor can a worker of another co-op answer it, nor read another co-op's request.
    outsider = create_account(app, name="Outsider")
    add_member(app, stranger, outsider, "worker")
    assert api_client(outsider).post(
        f"/api/v1/c/{stranger.slug}/lending/my-offers/{agreement_id}/accept").status_code == 404
    assert api_client(stranger_admin).get(
        f"/api/v1/c/{stranger.slug}/lending/requests/{request_id}").status_code == 404
    with app.app_context():
        assert db.session.get(LendingAgreement, agreement_id).state == "offered"
    assert api_client(lender_admin).post(
        f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve").status_code == 200


def test_a_negative_rate_is_refused_by_the_database_too(app):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.add(LendingRequest(borrower_coop_id=1, la_code="W06000002", lat=0,
                                          lon=0, rate=-1, state="open"))
            db.session.flush()
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.add(LendingRequest(borrower_coop_id=1, la_code="W06000002", lat=0,
                                          lon=0, rate=1, state="dreaming"))
            db.session.flush()
        db.session.rollback()
