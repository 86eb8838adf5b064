"""axe-core finds no serious or critical problem on any page, in English or Welsh.

Signed in as a co-op admin, the test crawls every workspace page it can reach by links
from the co-op's front page, so each new feature's pages are checked as they appear.
"""

from __future__ import annotations

import pytest

from tests.axe import crawl, serious, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_public_pages(page, live_server, locale):
    page.goto(f"{live_server}/language/{locale}?next=/")
    problems = {}
    for path in ("/", "/signin", "/signup", "/no-such-page"):
        page.goto(live_server + path)
        problems[path] = serious(page)
    page.goto(f"{live_server}/signup")
    page.click("button[type=submit]")  # every field empty: errors beside each field
    problems["/signup (errors)"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_every_workspace_page_reachable_by_an_admin(page, live_server, two_coops, locale):
    (coop, admin), _ = two_coops
    page.goto(f"{live_server}/language/{locale}?next=/")
    sign_in(page, live_server, admin.email)
    problems = crawl(page, live_server, f"/c/{coop.slug}/", f"/c/{coop.slug}/")
    assert problems, "nothing was crawled"
    page.goto(live_server + "/")
    problems["/ (signed in)"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
