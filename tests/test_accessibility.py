"""axe-core finds no serious or critical problem on any page, in English or Welsh.

Signed in as a co-op admin, the test crawls every workspace page it can reach by links
from the co-op's front page, so each new feature's pages are checked as they appear.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.fixtures.factories import PASSWORD

pytestmark = pytest.mark.browser
AXE = Axe()
MAX_PAGES = 60


def _serious(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _crawl(page, base: str, start: str, prefix: str) -> dict[str, list[str]]:
    """Visit every page under ``prefix`` reachable by links from ``start``; axe each one."""
    found: dict[str, list[str]] = {}
    queue = [start]
    while queue and len(found) < MAX_PAGES:
        path = queue.pop(0)
        if path in found:
            continue
        response = page.goto(base + path)
        assert response is not None and response.status < 500, path
        found[path] = _serious(page)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(urldefrag(href)[0])
            if parts.netloc == urlsplit(base).netloc and parts.path.startswith(prefix) \
                    and not parts.path.endswith(".csv") and parts.path not in found:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_public_pages(page, live_server, locale):
    page.goto(f"{live_server}/language/{locale}?next=/")
    problems = {}
    for path in ("/", "/signin", "/signup", "/no-such-page"):
        page.goto(live_server + path)
        problems[path] = _serious(page)
    page.goto(f"{live_server}/signup")
    page.click("button[type=submit]")  # every field empty: errors beside each field
    problems["/signup (errors)"] = _serious(page)
    assert {p: v for p, v in problems.items() if v} == {}


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_every_workspace_page_reachable_by_an_admin(page, live_server, two_coops, locale):
    (coop, admin), _ = two_coops
    page.goto(f"{live_server}/language/{locale}?next=/")
    _sign_in(page, live_server, admin.email)
    problems = _crawl(page, live_server, f"/c/{coop.slug}/", f"/c/{coop.slug}/")
    assert problems, "nothing was crawled"
    page.goto(live_server + "/")
    problems["/ (signed in)"] = _serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
