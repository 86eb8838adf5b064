"""Static URLs carry a hash of the files, so nginx can cache /static/ for a year."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from federation.app import static_version


def test_static_urls_carry_the_content_hash(app):
    version = static_version(app.static_folder)
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    with app.test_request_context("/"):
        assert url_for("static", filename="coopfed/coopfed.css").endswith(f"?v={version}")
        # Other endpoints are left alone.
        assert "v=" not in url_for("home.index")


def test_a_page_links_its_stylesheet_with_the_version(client, app):
    page = client.get("/signin").get_data(as_text=True)
    assert f"?v={static_version(app.static_folder)}" in page


def test_the_version_changes_when_a_file_changes(tmp_path):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "a.css"
    sheet.write_text("body { color: black }")
    before = static_version(str(tmp_path))
    assert static_version(str(tmp_path)) == before
    sheet.write_text("body { color: navy }")
    edited = static_version(str(tmp_path))
    assert edited != before
    sheet.rename(tmp_path / "css" / "b.css")  # a renamed file counts too
    assert static_version(str(tmp_path)) != edited


@pytest.mark.browser
def test_a_module_imports_what_it_needs_at_the_same_version(page, live_server, app):
    """nginx caches all of /static/ for a year: the design system's script, imported by
    init.mjs, must carry the version too, or a release's new copy is never fetched."""
    version = static_version(app.static_folder)
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url)
            if request.resource_type == "script" else None)
    page.goto(f"{live_server}/signin")
    # The design system's components start (each marks its root when it has).
    page.wait_for_selector("[data-module='govuk-skip-link'][data-govuk-skip-link-init]",
                           state="attached")
    local = [url for url in scripts if url.startswith(live_server)]
    assert any("govuk-frontend.min.js" in url for url in local)
    assert [url for url in local if not url.endswith(f"?v={version}")] == []
