"""A browser walk in Welsh of the care person's page on a phone, with axe on every state.

Phone emulation is Playwright's device emulation (a Pixel 5's viewport, pixel ratio, touch
and mobile user agent), on Debian's Chromium.
"""

from __future__ import annotations

import pytest

from tests.axe import PHONE, fits, serious, sign_in, use_language
from tests.fixtures.factories import create_account
from tests.tenants.care_person.helpers import build_world, link

pytestmark = pytest.mark.browser

def _go(page, selector: str) -> None:
    """Click a link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def test_the_care_page_in_welsh_on_a_phone(browser, live_server, app, two_coops, coop_session,
                                           api_client):
    a_place, _ = build_world(two_coops, coop_session)
    (a, admin_a), _ = two_coops
    person = create_account(app, name="Mair Lloyd", locale="cy")
    assert link(api_client(admin_a), a_place, 0, person).status_code == 201
    context = browser.new_context(locale="cy-GB", **PHONE)
    page = context.new_page()
    problems = {}
    try:
        use_language(page, live_server, "cy")
        sign_in(page, live_server, person.email)
        page.goto(f"{live_server}/")
        problems["home"] = serious(page)
        _go(page, "text=Pwy sy'n dod")
        assert page.locator("h1").inner_text() == "Eich gofal yr wythnos hon"
        assert page.locator("html").get_attribute("lang") == "cy"
        assert page.locator("text=Mae Ceri yn dod").count() == 2
        assert page.locator("text=Tomos").count() == 0
        assert fits(page)
        problems["week"] = serious(page)

        _go(page, "button:has-text('Dim Ceri, os gwelwch yn dda')")
        assert page.locator("text=Gofynnoch am rywun heblaw Ceri").count() == 1
        problems["after a wish"] = serious(page)

        _go(page, "button:has-text('Anfon y gwahoddiad')")
        assert page.locator(".govuk-error-summary").count() == 1
        assert page.locator("#email-error").count() == 1
        problems["family form (errors)"] = serious(page)
        page.fill("#email", "nia@example.org")
        page.check("#sees-times")
        _go(page, "button:has-text('Anfon y gwahoddiad')")
        assert page.locator("text=nia@example.org").count() >= 1
        assert fits(page)
        problems["family invited"] = serious(page)

        _go(page, "a[rel=next]")
        assert "week=" in page.url and page.locator("a:has-text('Yr wythnos hon')").count() == 1
        problems["next week"] = serious(page)
    finally:
        context.close()
    assert len(problems) == 6
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_the_coordinators_and_invitation_pages_have_no_serious_findings(
        page, live_server, two_coops, coop_session, locale):
    a_place, _ = build_world(two_coops, coop_session)
    (a, admin_a), _ = two_coops
    problems = {}
    use_language(page, live_server, locale)
    sign_in(page, live_server, admin_a.email)
    page.goto(f"{live_server}/c/{a.slug}/clients/{a_place.clients[0]}/care")
    problems["links"] = serious(page)
    _go(page, "main form[novalidate] button[type=submit]")
    assert page.locator("#email-error").count() == 1
    problems["links (errors)"] = serious(page)
    page.goto(f"{live_server}/care-invitations/{a.slug}/not-a-real-token")
    problems["unusable invitation"] = serious(page)
    assert {name: found for name, found in problems.items() if found} == {}
