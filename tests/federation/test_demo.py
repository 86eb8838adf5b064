"""`coopfed demo` serving the demo federation with no servers at all.

What the seed makes is checked in process, on one shared seed, by test_demo_federation.py."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from federation.demo import DEMO_PASSWORD

VENV_BIN = Path(sys.executable).parent


class _Browser:
    """Just enough of a browser: cookies, and forms with their CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=20) as response:
            return response.read().decode()

    def post_form(self, path: str, fields: dict) -> str:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)
        data = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, data=data, timeout=20) as response:
            return response.read().decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


HANG_GUARD = 900  # seconds: only to stop a hung seed; how long seeding takes is for bench/


def test_coopfed_demo_seeds_and_serves_the_home_page(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("COOPFED_DATABASE_URL", "COOPFED_REDIS_URL")}
    env["COOPFED_INSTANCE_PATH"] = str(tmp_path)
    env.pop("COOPFED_PUBLIC_URL", None)
    started = time.monotonic()
    # A file, not a pipe: in development every email is logged, and a pipe nobody reads
    # until the end would fill up and stop the server.
    log = (tmp_path / "demo.log").open("w+")
    process = subprocess.Popen([str(VENV_BIN / "coopfed"), "demo", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while time.monotonic() - started < HANG_GUARD:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    body = page.read().decode()
                    break
            except OSError:
                if process.poll() is not None:
                    raise AssertionError((tmp_path / "demo.log").read_text()) from None
                time.sleep(0.5)
        else:
            raise AssertionError(f"the demo did not serve within {HANG_GUARD} s (hung?)")
        assert "coopfed" in body
        assert (tmp_path / "federation.sqlite").exists()
        assert len(list((tmp_path / "coops").glob("*.sqlite"))) >= 3
        # A person can sign in and open their co-op, as the printed sign-ins promise.
        browser = _Browser(f"http://127.0.0.1:{port}")
        page = browser.post_form("/signin", {"email": "ceri@demo.coopfed.cymru",
                                             "password": DEMO_PASSWORD})
        assert "gofal-gwynedd" in page
        assert "Gofal Gwynedd" in browser.get("/c/gofal-gwynedd/")
        # Signing up sends a verification email: in development it is logged, and its
        # link leads to the port actually served (it said 5000 whatever the port was).
        anonymous = _Browser(f"http://127.0.0.1:{port}")
        anonymous.post_form("/signup", {"display_name": "Port Tester",
                                        "email": "port-tester@example.org",
                                        "password": DEMO_PASSWORD, "confirm": DEMO_PASSWORD})
        link = f"http://127.0.0.1:{port}/verify/"
        deadline = time.monotonic() + 120
        while link not in (tmp_path / "demo.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    output = (tmp_path / "demo.log").read_text()
    assert "Demo sign-ins" in output and DEMO_PASSWORD in output
    assert "demo: workspace 1/" in output  # progress is shown
    assert link in output, output[-2000:]
    assert "127.0.0.1:5000" not in output
