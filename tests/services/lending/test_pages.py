"""The lending and pool pages: forms refuse bad input beside the field, in both languages."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from services.lending.models import LendingAgreement, LendingRequest
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD
from tests.services.lending.helpers import at, next_weekday, pool_coop, pool_worker


def _browser(app, account, locale="en"):
    client = app.test_client()
    client.get(f"/language/{locale}?next=/")
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    return client


def _form(day, **overrides):
    data = {"slot0_starts_at": at(day, 10).strftime("%Y-%m-%dT%H:%M"),
            "slot0_ends_at": at(day, 13).strftime("%Y-%m-%dT%H:%M"),
            "la_code": "W06000003", "skills": ["personal_care"], "rate": "12.60"}
    data.update(overrides)
    return data


def test_the_request_form_names_bad_fields_in_welsh(app):
    borrower, admin = pool_coop(app, "W06000003")
    _other, _ = pool_coop(app, "W06000002")
    browser = _browser(app, admin, "cy")
    path = f"/c/{borrower.slug}/lending/requests/new"
    day = next_weekday(5)
    response = browser.post(path, data={**_form(day, rate="-3", la_code="nowhere",
                                                slot0_ends_at=at(day, 9).strftime(
                                                    "%Y-%m-%dT%H:%M")),
                                        "csrf_token": csrf_token(browser, path)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="rate-error"' in page and 'id="la_code-error"' in page
    assert 'id="slots-error"' in page
    with app.app_context():
        assert db.session.scalar(select(LendingRequest.id).where(
            LendingRequest.borrower_coop_id == borrower.id)) is None


def test_a_coordinator_posts_offers_and_the_lender_approves_on_the_pages(app, coop_session):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, account, ref = pool_worker(app, lender, coop_session)
    browser = _browser(app, borrower_admin)
    path = f"/c/{borrower.slug}/lending/requests/new"
    posted = browser.post(path, data={**_form(next_weekday(2)),
                                      "csrf_token": csrf_token(browser, path)})
    assert posted.status_code == 302
    detail = posted.headers["Location"]
    page = browser.get(detail).get_data(as_text=True)
    assert 'id="candidates"' in page
    request_id = int(detail.rstrip("/").split("/")[-1])
    offered = browser.post(f"{detail}/offer", data={"worker_ref": ref,
                                                    "csrf_token": csrf_token(browser, detail)})
    assert offered.status_code == 302
    with app.app_context():
        agreement_id = db.session.scalar(select(LendingAgreement.id).where(
            LendingAgreement.request_id == request_id))
    lend = _browser(app, lender_admin)
    index = f"/c/{lender.slug}/lending/"
    assert f"Offer {agreement_id}" in lend.get(index).get_data(as_text=True)
    approved = lend.post(f"/c/{lender.slug}/lending/offers/{agreement_id}/approve",
                         data={"csrf_token": csrf_token(lend, index)})
    assert approved.status_code == 302
    # The borrower cannot approve through its own workspace: not its offer to decide.
    refused = browser.post(f"/c/{borrower.slug}/lending/offers/{agreement_id}/approve",
                           data={"csrf_token": csrf_token(browser, detail)})
    assert refused.status_code == 404
    worker = _browser(app, account, "cy")
    mine = f"/c/{lender.slug}/worker-pool/"
    page = worker.get(mine).get_data(as_text=True)
    assert 'id="offers"' in page
    accepted = worker.post(f"/c/{lender.slug}/worker-pool/offers/{agreement_id}/accept",
                           data={"csrf_token": csrf_token(worker, mine)})
    assert accepted.status_code == 302
    with app.app_context():
        assert db.session.get(LendingAgreement, agreement_id).state == "accepted"
    ledger = browser.get(f"/c/{borrower.slug}/lending/ledger")
    assert ledger.status_code == 200


def test_a_member_cannot_open_the_lending_pages(app, make_account):
    from tests.fixtures.factories import add_member

    coop, _admin = pool_coop(app, "W06000003")
    _other, _ = pool_coop(app, "W06000002")
    member = make_account()
    add_member(app, coop, member, "member")
    browser = _browser(app, member)
    assert browser.get(f"/c/{coop.slug}/lending/").status_code == 403
    assert browser.get(f"/c/{coop.slug}/worker-pool/").status_code == 403
