"""The checks pages (issue 11): the borrower's checklist shows what is recorded and what is
missing, in English and Welsh; bad input is named beside its field with nothing written;
the worker shares and stops sharing their DBS number; axe finds nothing serious."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import db
from core.timeutil import local_now
from services.lending.compliance_models import ComplianceRecord
from tests.axe import serious, sign_in
from tests.fixtures.app import csrf_token
from tests.services.lending.test_compliance import _accepted


def test_the_checklist_page_records_a_check_and_names_bad_fields(app, api_client,
                                                                 coop_session):
    lender, lender_admin, borrower, borrower_admin, agreement_id, account = _accepted(
        app, api_client, coop_session)
    browser = api_client(borrower_admin).client
    url = f"/c/{borrower.slug}/lending/offers/{agreement_id}/checks"
    page = browser.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Identity documents seen" in text and "4 checks missing" in text
    assert "has not shared their certificate number" in text
    bad = browser.post(url, data={"csrf_token": csrf_token(browser, url), "item": "id_seen",
                                  "checked_on": "31/12/2026", "checked_by": ""})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert 'id="checked_on-error"' in body and 'id="checked_by-error"' in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ComplianceRecord).where(
            ComplianceRecord.agreement_id == agreement_id)) == 0
    good = browser.post(url, data={"csrf_token": csrf_token(browser, url), "item": "id_seen",
                                   "checked_on": local_now().date().isoformat(),
                                   "checked_by": "Siân Roberts"})
    assert good.status_code == 302
    again = browser.get(url).get_data(as_text=True)
    assert "3 checks missing" in again and "by Siân Roberts" in again
    # The request page says how many checks are missing, and links to the checklist.
    with app.app_context():
        from services.lending.models import LendingAgreement

        request_id = db.session.get(LendingAgreement, agreement_id).request_id
    detail = browser.get(f"/c/{borrower.slug}/lending/requests/{request_id}").get_data(
        as_text=True)
    assert url in detail and "3 checks missing" in detail
    # In Welsh.
    browser.get("/language/cy?next=/")
    welsh = browser.get(url).get_data(as_text=True)
    assert "Gwiriadau cyn cadarnhau" in welsh and "3 gwiriad ar goll" in welsh
    # The lender records its attestation from its own side; another co-op sees nothing.
    lending = api_client(lender_admin).client
    lender_url = f"/c/{lender.slug}/lending/offers/{agreement_id}/checks"
    lender_page = lending.get(lender_url).get_data(as_text=True)
    assert 'value="lender_attestation"' in lender_page and 'value="id_seen"' not in lender_page
    assert lending.get(f"/c/{borrower.slug}/lending/offers/{agreement_id}/checks"
                       ).status_code in (403, 404)


def test_the_worker_shares_and_stops_sharing_from_a_page(app, api_client, coop_session):
    lender, _la, borrower, borrower_admin, agreement_id, account = _accepted(
        app, api_client, coop_session)
    browser = api_client(account).client
    url = f"/c/{lender.slug}/lending/my-offers/{agreement_id}/dbs-share"
    assert borrower.name in browser.get(url).get_data(as_text=True)
    bad = browser.post(url, data={"csrf_token": csrf_token(browser, url),
                                  "certificate_number": "12ab"})
    assert bad.status_code == 422 and 'id="certificate_number-error"' in bad.get_data(
        as_text=True)
    assert browser.post(url, data={"csrf_token": csrf_token(browser, url),
                                   "certificate_number": "001234567890"}).status_code == 302
    assert 'id="shared"' in browser.get(url).get_data(as_text=True)
    checks = api_client(borrower_admin).client.get(
        f"/c/{borrower.slug}/lending/offers/{agreement_id}/checks").get_data(as_text=True)
    assert "001234567890" in checks
    assert browser.post(url, data={"csrf_token": csrf_token(browser, url),
                                   "action": "revoke"}).status_code == 302
    assert 'id="certificate_number"' in browser.get(url).get_data(as_text=True)


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en", "cy"])
def test_checks_pages_are_accessible(page, live_server, app, api_client, coop_session,
                                     locale):
    lender, lender_admin, borrower, borrower_admin, agreement_id, account = _accepted(
        app, api_client, coop_session, worker_overrides={"dbs_update_service": True})
    problems = {}
    for who, path in ((borrower_admin, f"/c/{borrower.slug}/lending/offers/{agreement_id}/checks"),
                      (lender_admin, f"/c/{lender.slug}/lending/offers/{agreement_id}/checks"),
                      (account, f"/c/{lender.slug}/lending/my-offers/{agreement_id}/dbs-share")):
        page.context.clear_cookies()
        page.goto(f"{live_server}/language/{locale}?next=/")
        sign_in(page, live_server, who.email)
        page.goto(f"{live_server}{path}")
        problems[path] = serious(page)
        with page.expect_navigation():  # wait for the answer, not the old page
            page.click("main form[method=post] button[type=submit]")  # empty: errors shown
        assert page.locator(".govuk-error-summary").count() == 1
        problems[f"{path} (errors)"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
