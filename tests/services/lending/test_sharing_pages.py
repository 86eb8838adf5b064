"""The pair-agreement and lending-terms pages: read and accept in Welsh, bad terms refused
beside the field with nothing written, only an admin accepts or changes anything."""

from __future__ import annotations

from core.db import db
from services.lending import pair_agreements, rates
from services.lending.models import LendingTerms, SharingAgreement
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, add_member, create_account
from tests.services.lending.helpers import INSURANCE, pool_coop, state_insurance


def _browser(app, account, locale="en"):
    client = app.test_client()
    client.get(f"/language/{locale}?next=/")
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    return client


def test_bad_terms_are_refused_beside_the_field_in_welsh(app):
    coop, admin = pool_coop(app, "W06000002")
    _other, _ = pool_coop(app, "W06000003")
    browser = _browser(app, admin, "cy")
    path = f"/c/{coop.slug}/lending/terms"
    form = {"wage": "12.60", "employer_ni_percent": "115", "pension_percent": "3",
            "holiday_percent": "12.07", "overheads_percent": "10", "travel_per_hour": "-2",
            "arrangement": "joint", **INSURANCE}
    response = browser.post(path, data={**form, "csrf_token": csrf_token(browser, path)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("employer_ni_percent", "travel_per_hour", "arrangement"):
        assert f'id="{field}-error"' in page
    assert "Rhowch ganran rhwng 0 a 100" in page  # the reader's language
    with app.app_context():
        assert db.session.get(LendingTerms, coop.id) is None
    saved = browser.post(path, data={**form, "employer_ni_percent": "15",
                                     "travel_per_hour": "1.25", "arrangement": "secondment",
                                     "csrf_token": csrf_token(browser, path)})
    assert saved.status_code == 302
    with app.app_context():
        terms = rates.terms_of(coop.id)
        assert (str(terms.travel_per_hour), terms.arrangement) == ("1.25", "secondment")


def test_both_admins_accept_on_the_page_and_a_coordinator_cannot(app, api_client):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    coordinator = create_account(app, name="Coordinator")
    add_member(app, borrower, coordinator, "coordinator")
    with app.app_context():
        row_id = pair_agreements.ensure_for_pair(lender.id, borrower.id).id
        db.session.commit()
    # Before its insurance is stated, a co-op's admin is told what is missing.
    browser = _browser(app, borrower_admin, "cy")
    path = f"/c/{borrower.slug}/lending/sharing/{row_id}"
    page = browser.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "VATSC03540" in text and "Cyflenwi staff" in text
    refused = browser.post(f"{path}/accept", data={"csrf_token": csrf_token(browser, path)})
    assert refused.status_code == 422 and 'href="#insurance"' in refused.get_data(as_text=True)

    state_insurance(app, lender.id, borrower.id)
    with app.app_context():
        row_id = pair_agreements.current(lender.id, borrower.id).id
    path = f"/c/{borrower.slug}/lending/sharing/{row_id}"
    staff = _browser(app, coordinator)
    assert staff.get(path).status_code == 200
    assert staff.post(f"{path}/accept",
                      data={"csrf_token": csrf_token(staff, path)}).status_code == 403
    accepted = browser.post(f"{path}/accept", data={"csrf_token": csrf_token(browser, path)})
    assert accepted.status_code == 302
    listing = browser.get(f"/c/{borrower.slug}/lending/sharing/").get_data(as_text=True)
    assert 'id="sharing-agreements"' in listing
    # The other co-op's admin sees it waiting for them, and a stranger sees nothing.
    lend = api_client(lender_admin)
    shown = lend.get(f"/api/v1/c/{lender.slug}/lending/sharing-agreements/{row_id}").get_json()
    assert shown["accepted_by"] == [borrower.id]
    stranger, stranger_admin = pool_coop(app, "W06000004")
    assert _browser(app, stranger_admin).get(
        f"/c/{stranger.slug}/lending/sharing/{row_id}").status_code == 404
    with app.app_context():
        row = db.session.get(SharingAgreement, row_id)
        assert pair_agreements.accepted_by(row, borrower.id)
        assert not pair_agreements.accepted_by(row, lender.id)
