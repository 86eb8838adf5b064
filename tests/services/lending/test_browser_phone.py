"""A loan on a phone (390×844), in Welsh: the lender approves the offer, the worker reads
it and accepts, sees "awaiting confirmation", the borrower confirms, and the worker sees
the shift confirmed. axe runs on every page (issue 11)."""

from __future__ import annotations

import pytest

from tests.axe import PHONE, fits, serious, sign_in, use_language
from tests.services.lending.helpers import (
    make_confirmable,
    next_weekday,
    pool_coop,
    pool_worker,
    request_body,
)

pytestmark = pytest.mark.browser

#: The issue's phone: 390×844 CSS pixels held upright (the shared PHONE is a Pixel 5's
#: 393×727), with PHONE's touch, scale and mobile user agent.
PHONE_390 = {**PHONE, "viewport": {"width": 390, "height": 844},
             "screen": {"width": 390, "height": 844}}


def _go(page, selector: str) -> None:
    """Tap a link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(selector).first.tap()


def _on_screen(page, selector: str) -> bool:
    """Visible, and within the phone's width once scrolled to (not cut off at the side)."""
    found = page.locator(selector).first
    found.scroll_into_view_if_needed()
    box = found.bounding_box()
    return found.is_visible() and box is not None and box["x"] >= 0 \
        and box["x"] + box["width"] <= PHONE_390["viewport"]["width"] + 1


def _phone(browser, live_server, account):
    context = browser.new_context(locale="cy-GB", **PHONE_390)
    page = context.new_page()
    assert page.viewport_size == {"width": 390, "height": 844}
    use_language(page, live_server, "cy")
    sign_in(page, live_server, account.email)
    return context, page


def test_a_loan_on_a_phone_in_welsh(browser, live_server, app, api_client, coop_session,
                                    run_jobs):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, worker, ref = pool_worker(app, lender, coop_session)
    borrow = api_client(borrower_admin)
    day = next_weekday(3)
    request_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=request_body(day)).get_json()["id"]
    offered = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                          json={"worker_ref": ref})
    assert offered.status_code == 201, offered.get_json()
    agreement_id = offered.get_json()["id"]
    problems: dict[str, list[str]] = {}
    contexts = []
    try:
        # The lending co-op approves the offer on a phone.
        context, lend = _phone(browser, live_server, lender_admin)
        contexts.append(context)
        lend.goto(f"{live_server}/c/{lender.slug}/lending/")
        approve = f"#incoming form[action$='/offers/{agreement_id}/approve'] button"
        assert _on_screen(lend, approve)
        problems["lender: lending"] = serious(lend)
        _go(lend, approve)
        assert lend.locator(approve).count() == 0
        run_jobs()

        # The worker finds the offer on their pool page and opens it.
        context, mine = _phone(browser, live_server, worker)
        contexts.append(context)
        mine.goto(f"{live_server}/c/{lender.slug}/worker-pool/")
        assert mine.locator("html").get_attribute("lang") == "cy"
        assert mine.locator("#offers").inner_text().count("yr awr") == 1
        assert fits(mine)
        problems["worker: pool, offered"] = serious(mine)
        _go(mine, f"#offers a[href$='/worker-pool/offers/{agreement_id}']")
        assert mine.locator("h1").inner_text() == "Cynnig shifft"
        assert mine.locator("#offer-place").inner_text() == "Conwy"
        assert mine.locator("#offer-pay").inner_text() == "£12.60 yr awr"
        assert mine.locator("#offer-status").inner_text() == "Yn aros am eich ateb"
        assert "10:00–14:00" in mine.locator("#offer-times").inner_text()
        assert mine.locator("#offer-expires").count() == 1
        assert fits(mine)
        problems["worker: offer"] = serious(mine)
        assert _on_screen(mine, "button:has-text('Derbyn y shifft')")
        _go(mine, "button:has-text('Derbyn y shifft')")
        assert mine.locator("#offer-status").inner_text() == "Yn aros am gadarnhad"
        problems["worker: offer, accepted"] = serious(mine)

        mine.goto(f"{live_server}/c/{lender.slug}/worker-pool/")
        shifts = mine.locator("#my-shifts").inner_text()
        assert "Yn aros am gadarnhad" in shifts and borrower.name in shifts
        assert fits(mine)
        problems["worker: pool, awaiting confirmation"] = serious(mine)

        # The borrower records its checks (H1's compliance, H2's pair agreement), then
        # confirms on a phone: the button is in sight, not off the side of the screen.
        make_confirmable(app, agreement_id)
        context, borrow_page = _phone(browser, live_server, borrower_admin)
        contexts.append(context)
        borrow_page.goto(f"{live_server}/c/{borrower.slug}/lending/")
        confirm = f"#to-confirm form[action$='/offers/{agreement_id}/confirm'] button"
        assert _on_screen(borrow_page, confirm)
        assert fits(borrow_page)
        problems["borrower: lending, to confirm"] = serious(borrow_page)
        borrow_page.goto(f"{live_server}/c/{borrower.slug}/lending/requests/{request_id}")
        assert _on_screen(borrow_page, f"#agreements form[action$='/{agreement_id}/confirm'] "
                                       "button")
        assert fits(borrow_page)
        problems["borrower: request"] = serious(borrow_page)
        _go(borrow_page, f"#agreements form[action$='/{agreement_id}/confirm'] button")
        assert "Wedi'i lenwi" in borrow_page.locator("#requests").inner_text()  # filled
        borrow_page.goto(f"{live_server}/c/{borrower.slug}/lending/requests/{request_id}")
        assert "Wedi'i gadarnhau" in borrow_page.locator("#agreements").inner_text()
        problems["borrower: confirmed"] = serious(borrow_page)
        run_jobs()

        mine.goto(f"{live_server}/c/{lender.slug}/worker-pool/")
        shifts = mine.locator("#my-shifts").inner_text()
        assert "Wedi'i gadarnhau" in shifts and "Yn aros am gadarnhad" not in shifts
        problems["worker: pool, confirmed"] = serious(mine)
        _go(mine, f"#my-shifts a[href$='/worker-pool/offers/{agreement_id}']")
        assert mine.locator("#offer-status").inner_text() == "Wedi'i gadarnhau"
        problems["worker: offer, confirmed"] = serious(mine)
    finally:
        for context in contexts:
            context.close()
    assert len(problems) == 10
    assert {name: found for name, found in problems.items() if found} == {}
