"""axe-core finds no serious or critical problem on the portfolio pages (the list, a group,
a group with errors shown, a new group with errors), the advisor's view of a co-op, the
co-op admin's agencies page and a hand-over link, in English and in Welsh."""

from __future__ import annotations

import pytest

from tests.axe import serious, sign_in
from tests.fixtures.app import csrf_token
from tests.fixtures.factories import create_coop

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_portfolio_pages(page, live_server, app, make_agency, make_advisor, signed_in_client,
                         locale):
    x = make_agency()
    advisor = make_advisor(x)
    coop, _ = create_coop(app, admin=advisor)
    create_coop(app, coop_type="dp_pool", la="W06000015")
    client = signed_in_client(advisor)
    token = csrf_token(client, "/agency/groups/new")
    group = client.post("/agency/groups/new", data={
        "csrf_token": token, "name": "Axe Group", "name_cy": "Grŵp Axe",
        "next_contact_on": "2030-01-01"}).headers["Location"]
    client.post(f"{group}/checklist", data={"csrf_token": token, "done": "legal_form"})
    client.post(f"{group}/notes", data={"csrf_token": token, "body": "A note."})
    client.post(f"/c/{coop.slug}/agencies/{x.id}/grant", data={"csrf_token": token})

    page.goto(f"{live_server}/language/{locale}?next=/")
    sign_in(page, live_server, advisor.email)
    problems = {}
    for path in ("/agency/", "/agency/?stage=enquiry&sort=name", group,
                 "/agency/groups/new", f"/agency/coops/{coop.slug}",
                 f"/c/{coop.slug}/agencies/"):
        response = page.goto(live_server + path)
        assert response.status == 200, path
        problems[path] = serious(page)

    page.goto(live_server + "/agency/groups/new")
    page.fill("#name", "")
    page.fill("#next_contact_on", "2020-01-01")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator("#name-error").count() == 1
    problems["new group (errors)"] = serious(page)

    page.goto(live_server + group)
    page.check("#done-bank_account")
    page.fill("#on-bank_account", "2099-01-01")
    with page.expect_navigation():
        page.click("#checklist ~ form button[type=submit]")
    assert page.locator("#on-bank_account-error").count() == 1
    problems["group (checklist errors)"] = serious(page)
    page.goto(live_server + group)
    with page.expect_navigation():
        page.click("#notes ~ form button[type=submit]")
    assert page.locator("#body-error").count() == 1
    problems["group (note errors)"] = serious(page)

    page.goto(f"{live_server}/c/{coop.slug}/agencies/")
    with page.expect_navigation():
        page.click("#handover ~ form button[type=submit]")
    assert page.locator("#to_email-error").count() == 1
    problems["agencies (hand-over errors)"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
