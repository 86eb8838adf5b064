"""The register of officers and the tasks page in a real browser, in Welsh, with axe."""

from __future__ import annotations

import pytest

from tenants.position.service import add_service
from tests.axe import serious, sign_in, use_language

pytestmark = pytest.mark.browser


def test_officers_and_tasks_in_welsh_with_errors_pass_axe(page, live_server, two_coops,
                                                          coop_session):
    (coop, admin), _other = two_coops
    with coop_session(coop):
        add_service({"service_type": "domiciliary_support", "ciw_service_id": "SIN-00077777",
                     "responsible_individual": "Dewi Lloyd"}, actor_account_id=None)
    problems: dict[str, list[str]] = {}
    use_language(page, live_server, "cy")
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/c/{coop.slug}/officers/")
    assert page.locator("html").get_attribute("lang") == "cy"
    problems["officers (empty)"] = serious(page)
    # Nothing chosen: each field named, in Welsh.
    page.click("form[action$='/officers/new'] button[type=submit]")
    page.wait_for_load_state()
    assert "Dewiswch swydd o'r rhestr." in page.inner_text("#office-error")
    problems["officers (errors)"] = serious(page)
    page.select_option("#office", "secretary")
    page.fill("#name", "Nia Roberts")
    page.fill("#appointed_on", "2026-01-05")
    page.click("form[action$='/officers/new'] button[type=submit]")
    page.wait_for_load_state()
    assert "Nia Roberts" in page.inner_text("#officers")
    problems["officers (one)"] = serious(page)
    page.click(f"a[href='/c/{coop.slug}/officers/tasks']")
    page.wait_for_load_state()
    text = page.inner_text("#tasks")
    assert "Rhowch wybod i AGC am newid swyddog" in text and "Nia Roberts" in text
    problems["tasks"] = serious(page)
    assert {name: found for name, found in problems.items() if found} == {}
