"""The wizard in a real browser (Chromium through Playwright), in Welsh, and axe on every page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import db
from tenants.registry.models import Coop, Membership
from tests.axe import serious, use_language
from tests.federation.onboarding.helpers import RESUME_LINK, capture_mail, mails
from tests.fixtures.app import VERIFY_LINK, captured_mail
from tests.fixtures.factories import PASSWORD, unique

pytestmark = pytest.mark.browser

NEXT = "button[value=next]"


def _click(page, selector: str) -> None:
    """Click and wait until the page the click led to has loaded."""
    page.click(selector)
    page.wait_for_load_state()


def _group(page, slug: str) -> None:
    page.fill("#name", "Gofal Glannau Dyfrdwy")
    page.fill("#name_cy", "Gofal Glannau Dyfrdwy")
    page.check("#coop_type-2")  # user-led
    page.fill("#slug", slug)
    _click(page, NEXT)


def _where(page) -> None:
    page.check("#las")
    page.check("#las-2")
    page.select_option("#home_la", index=1)  # two ticked: the main one is chosen, not assumed
    _click(page, NEXT)


def _people(page, email: str) -> None:
    page.fill("#people-0-name", "Nia Roberts")
    page.fill("#people-0-email", email)
    page.check("#admin")
    _click(page, NEXT)


def _services(page) -> None:
    page.check("#services")
    page.check("#welsh_offer")
    _click(page, NEXT)


def _legal(page) -> None:
    page.check("input[name=legal_form][value=not_decided]")
    _click(page, NEXT)


def _sharing(page) -> None:
    page.check("#statistics")
    page.check("#worker_pool-2")
    page.check("input[name=agency][value=none]")
    _click(page, NEXT)


def _sign_up(page, email: str, run_jobs) -> None:
    """Sign up, follow the emailed link that proves the address, and sign in."""
    page.fill("#display_name", "Nia Roberts")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    with captured_mail() as sent:
        _click(page, "button[type=submit]")
        page.wait_for_load_state()
        run_jobs()
    (link,) = [VERIFY_LINK.search(m).group(1) for m in sent if VERIFY_LINK.search(m)]
    base = page.url.split("/signup", 1)[0]
    page.goto(base + link)
    _click(page, "form button[type=submit]")
    page.wait_for_load_state()
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    _click(page, "button[type=submit]")
    page.wait_for_load_state()


def test_the_wizard_in_welsh_stopped_resumed_submitted_and_ready(
        app, browser, live_server, two_coops, run_jobs, caplog):
    capture_mail(caplog)
    slug = unique("glannau")
    first = browser.new_context(locale="cy-GB")
    page = first.new_page()
    use_language(page, live_server, "cy")
    page.goto(f"{live_server}/start")
    assert page.locator("html").get_attribute("lang") == "cy"
    _click(page, "button.govuk-button--start")
    _group(page, slug)
    _where(page)
    assert page.input_value("#classes-0-name_cy") == "Aelod defnyddiwr gwasanaeth"
    _click(page, NEXT)  # governance as the type suggests
    # Stop after step 3: ask for the link by email.
    _click(page, "button[value=later]")
    page.fill("#contact_email", "nia@example.org")
    _click(page, "form button[type=submit]")
    page.wait_for_load_state()
    run_jobs()
    (mail,) = [m for m in mails(caplog) if "/start/resume/" in m]
    link = RESUME_LINK.search(mail).group(1)
    first.close()

    # Later, another browser: the emailed link brings the group back to step 4, in Welsh.
    context = browser.new_context(locale="cy-GB")
    page = context.new_page()
    page.goto(live_server + link)
    if "/start/resume/" in page.url:  # another browser: it asks for the emailed address
        page.fill("#contact_email", "nia@example.org")
        _click(page, "form button[type=submit]")
    assert page.url.endswith("/start/people")
    assert page.locator("html").get_attribute("lang") == "cy"
    email = f"{unique('nia')}@example.org"
    _people(page, email)
    _services(page)
    # Personal care was ticked: the legal step says CIW registration is needed, in Welsh.
    assert page.url.endswith("/start/legal")
    assert page.locator("#ciw-registration").is_visible()
    assert "AGC" in page.inner_text("#ciw-registration")
    assert "FCA" in page.inner_text("#what-this-does")
    _legal(page)
    _sharing(page)
    assert page.url.endswith("/start/review")
    assert "Gofal Glannau Dyfrdwy" in page.content()
    _click(page, "a[href^='/signup?next=']")
    _sign_up(page, email, run_jobs)
    assert page.url.endswith("/start/review")
    _click(page, "form[action='/start/submit'] button")
    page.wait_for_url("**/progress")
    # Every value the bar shows is kept in sessionStorage, which outlives the navigation
    # to the workspace that follows.
    page.evaluate("""() => {
      const bar = document.getElementById('progress-bar')
      const seen = [bar.value]
      sessionStorage.setItem('progressSeen', JSON.stringify(seen))
      new MutationObserver(() => {
        seen.push(bar.value)
        sessionStorage.setItem('progressSeen', JSON.stringify(seen))
      }).observe(bar, { attributes: true, attributeFilter: ['value'] })
    }""")
    run_jobs()
    run_jobs()
    page.wait_for_url(f"**/c/{slug}/", timeout=30000)
    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('progressSeen'))")
    assert seen[-1] == 100 and seen == sorted(seen), seen
    assert page.locator("html").get_attribute("lang") == "cy"
    with app.app_context():
        coop = db.session.scalar(select(Coop).where(Coop.slug == slug))
        role = db.session.scalar(select(Membership.role).where(
            Membership.coop_id == coop.id, Membership.account_id == coop.first_admin_account_id))
        assert (coop.state, coop.default_locale, role) == ("active", "cy", "admin")
    context.close()


@pytest.mark.parametrize("locale", ["cy", "en"])
def test_axe_finds_nothing_serious_on_any_wizard_page(page, live_server, make_account,
                                                      run_jobs, locale):
    problems: dict[str, list[str]] = {}

    def check(name: str) -> None:
        problems[name] = serious(page)

    use_language(page, live_server, locale)
    page.goto(f"{live_server}/start")
    check("start")
    _click(page, "button.govuk-button--start")
    check("group")
    _click(page, NEXT)
    check("group (errors)")
    page.fill("#slug", "admin")
    _click(page, NEXT)
    check("group (slug error)")
    _group(page, unique("axe"))
    check("where")
    _click(page, NEXT)
    check("where (errors)")
    _where(page)
    check("governance")
    page.fill("#classes-0-name_en", "")
    page.fill("#classes-0-min_shares", "many")
    _click(page, NEXT)
    check("governance (errors)")
    page.fill("#classes-0-name_en", "Service user member")
    page.fill("#classes-0-min_shares", "1")
    _click(page, NEXT)
    check("people")
    _click(page, NEXT)
    check("people (errors)")
    _click(page, "button[value=later]")
    check("save")
    _click(page, "form button[type=submit]")
    check("save (errors)")
    page.fill("#contact_email", "axe@example.org")
    _click(page, "form button[type=submit]")
    check("saved")
    page.goto(f"{live_server}/start/people")
    _people(page, f"{unique('axe')}@example.org")
    check("services")
    _click(page, NEXT)
    check("services (errors)")
    _services(page)
    check("legal")
    _click(page, NEXT)
    check("legal (errors)")
    page.check("input[name=legal_form][value=co_operative_society]")
    page.select_option("#ciw-0-service_type", "domiciliary_support")
    page.fill("#ciw-0-rating_url", "http://not-secure.example")
    _click(page, NEXT)
    check("legal (society and service errors)")
    page.fill("#ciw-0-ciw_service_id", "SIN-00012345")
    page.fill("#ciw-0-responsible_individual", "Dewi Lloyd")
    page.fill("#ciw-0-rating_url", "https://www.careinspectorate.wales/")
    _legal(page)
    check("sharing")
    _click(page, NEXT)
    check("sharing (errors)")
    _sharing(page)
    check("review (signed out)")
    _click(page, "a[href^='/signup?next=']")
    _sign_up(page, f"{unique('axe')}@example.org", run_jobs)
    check("review (signed in)")
    _click(page, "form[action='/start/submit'] button")
    page.wait_for_url("**/progress")
    check("progress")
    run_jobs()
    page.wait_for_url("**/c/**", timeout=30000)
    page.go_back()
    check("progress (ready)")
    assert {name: found for name, found in problems.items() if found} == {}
    assert len(problems) >= 23
