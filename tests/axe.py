"""axe-core through Playwright: the helpers every accessibility test shares."""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

from axe_playwright_python.sync_playwright import Axe

from tests.fixtures.factories import PASSWORD

AXE = Axe()
MAX_PAGES = 60
#: An ordinary phone held upright: Playwright's "Pixel 5" descriptor, written out (the sync
#: fixture has no ``devices``). ``browser.new_context(locale=..., **PHONE)``.
PHONE = {
    "viewport": {"width": 393, "height": 727}, "screen": {"width": 393, "height": 851},
    "device_scale_factor": 2.75, "is_mobile": True, "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
}


def fits(page) -> bool:
    """No sideways scrolling: the page is no wider than the window (the phone)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def serious(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it stands."""
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/signin")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def use_language(page, base: str, locale: str) -> None:
    page.goto(f"{base}/language/{locale}?next=/")


def crawl(page, base: str, start: str, prefix: str) -> dict[str, list[str]]:
    """Visit every page under ``prefix`` reachable by links from ``start``; axe each one."""
    found: dict[str, list[str]] = {}
    queue = [start]
    while queue and len(found) < MAX_PAGES:
        path = queue.pop(0)
        if path in found:
            continue
        response = page.goto(base + path)
        assert response is not None and response.status < 500, path
        found[path] = serious(page)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(urldefrag(href)[0])
            if parts.netloc == urlsplit(base).netloc and parts.path.startswith(prefix) \
                    and not parts.path.endswith(".csv") and parts.path not in found:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found
