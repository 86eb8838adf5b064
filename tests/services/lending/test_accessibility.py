"""axe-core: the lending and pool pages have no serious or critical findings, en and cy."""

from __future__ import annotations

import pytest

from tests.axe import crawl, serious, sign_in
from tests.services.lending.helpers import at, next_weekday, pool_coop, pool_worker, request_body

pytestmark = pytest.mark.browser


@pytest.fixture
def loan_in_progress(app, api_client, coop_session):
    """A lender with a pooled worker, a borrower with a request offered and approved."""
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, account, ref = pool_worker(app, lender, coop_session)
    borrow = api_client(borrower_admin)
    day = next_weekday(3)
    request_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests", json=request_body(
        day, on_board=True)).get_json()["id"]
    agreement_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                               json={"worker_ref": ref}).get_json()["id"]
    second = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests", json=request_body(
        day, slots=[{"starts_at": at(day, 15).isoformat(),
                     "ends_at": at(day, 17).isoformat()}])).get_json()["id"]
    borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{second}/offers",
                json={"worker_ref": ref})
    api_client(lender_admin).post(
        f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve")
    return lender, lender_admin, borrower, borrower_admin, account


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_lending_and_pool_pages(page, live_server, loan_in_progress, locale):
    lender, lender_admin, borrower, borrower_admin, worker = loan_in_progress
    problems = {}
    for account, coop in ((borrower_admin, borrower), (lender_admin, lender)):
        page.context.clear_cookies()
        page.goto(f"{live_server}/language/{locale}?next=/")
        sign_in(page, live_server, account.email)
        for prefix in ("lending", "worker-pool"):
            found = crawl(page, live_server, f"/c/{coop.slug}/{prefix}/",
                          f"/c/{coop.slug}/{prefix}/")
            problems.update({f"{coop.slug}{p}": v for p, v in found.items()})
        if coop is borrower:
            page.goto(f"{live_server}/c/{borrower.slug}/lending/requests/new")
            page.fill("#rate", "-1")
            with page.expect_navigation():  # wait for the answer, not the old page
                page.click("main form[method=post] button[type=submit]")
            assert page.locator("#rate-error").count() == 1
            problems["request form (errors)"] = serious(page)
    page.context.clear_cookies()
    page.goto(f"{live_server}/language/{locale}?next=/")
    sign_in(page, live_server, worker.email)
    page.goto(f"{live_server}/c/{lender.slug}/worker-pool/")
    assert page.locator("#offers").count() == 1
    problems["worker's pool page"] = serious(page)
    assert len(problems) >= 6
    assert {p: v for p, v in problems.items() if v} == {}
