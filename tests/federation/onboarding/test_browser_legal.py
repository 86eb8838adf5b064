"""The wizard's "legal form and registration" step in a real browser, in Welsh: what it
explains, what it refuses, and axe on every state of the page."""

from __future__ import annotations

import pytest

from tests.axe import serious, use_language
from tests.federation.onboarding.test_browser import NEXT, _click, _legal, _people, _where
from tests.fixtures.factories import unique

pytestmark = pytest.mark.browser


def _group(page, slug: str, type_value: str) -> None:
    page.fill("#name", "Maethu Gyda'n Gilydd")
    page.check(f"input[name=coop_type][value={type_value}]")
    page.fill("#slug", slug)
    _click(page, NEXT)


def test_the_legal_step_in_welsh_explains_refuses_and_passes_axe(page, live_server):
    problems: dict[str, list[str]] = {}

    def check(name: str) -> None:
        problems[name] = serious(page)

    use_language(page, live_server, "cy")
    page.goto(f"{live_server}/start")
    _click(page, "button.govuk-button--start")
    _group(page, unique("maethu"), "foster")
    _where(page)
    _click(page, NEXT)  # the foster type's member classes
    _people(page, f"{unique('nia')}@example.org")
    page.check("input[name=services][value=fostering]")
    page.check("input[name=services][value=personal_care]")
    page.check("#welsh_offer")
    _click(page, NEXT)
    assert page.url.endswith("/start/legal")
    assert page.locator("html").get_attribute("lang") == "cy"
    # Before choosing: the workspace registers nothing; CIW; the fostering rule, in Welsh.
    assert "FCA" in page.inner_text("#what-this-does")
    assert "AGC" in page.inner_text("#ciw-registration")
    assert "ddielw" in page.inner_text("#fostering-rule")
    check("legal")
    _click(page, NEXT)
    check("legal (nothing chosen)")
    assert page.locator("#legal_form-error").is_visible()
    # A share-capital co-operative society is refused for the foster type, in Welsh.
    page.check("input[name=legal_form][value=co_operative_society]")
    _click(page, NEXT)
    assert page.url.endswith("/start/legal")
    error = page.inner_text("#legal_form-error")
    assert "ddielw" in error and "maeth" in error
    assert page.locator(".govuk-error-summary a[href='#legal_form']").is_visible()
    check("legal (foster refused)")
    # A registered service row with mistakes: each named beside its field.
    page.check("input[name=legal_form][value=charitable_cbs]")
    page.select_option("#ciw-0-service_type", "fostering")
    page.fill("#ciw-0-rating_url", "http://not-secure.example")
    _click(page, NEXT)
    assert page.locator("#ciw-0-ciw_service_id-error").is_visible()
    assert page.locator("#ciw-0-responsible_individual-error").is_visible()
    assert page.locator("#ciw-0-rating_url-error").is_visible()
    check("legal (service errors)")
    # Adding another row keeps what was typed.
    _click(page, "button[value=add]")
    check("legal (another row)")
    page.goto(f"{live_server}/start/legal")
    page.check("input[name=legal_form][value=not_decided]")
    page.fill("#ciw-0-ciw_service_id", "")
    page.select_option("#ciw-0-service_type", "")
    page.fill("#ciw-0-rating_url", "")
    _click(page, NEXT)
    assert page.url.endswith("/start/sharing")
    _click(page, "button[value=back]")
    check("legal (saved)")
    assert {name: found for name, found in problems.items() if found} == {}
    assert len(problems) == 6
    assert _legal  # the shared walk uses the same helper
