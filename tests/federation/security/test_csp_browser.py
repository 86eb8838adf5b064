"""In a real browser the app's Content Security Policy refuses nothing the pages use, and
axe still runs under it."""

from __future__ import annotations

import pytest

from tests.axe import serious, sign_in

pytestmark = pytest.mark.browser

PAGES = ("/", "/signin", "/signup", "/start", "/directory")


def test_no_page_breaks_the_content_security_policy(page, live_server, make_coop):
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    for path in PAGES:
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    coop, admin = make_coop()
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/c/{coop.slug}/")
    page.wait_for_load_state()
    assert refused == []
    assert serious(page) == []  # axe runs under the policy too
