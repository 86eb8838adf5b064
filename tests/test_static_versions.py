"""Static URLs carry a hash of the files, so nginx can cache /static/ for a year."""

from __future__ import annotations

import re

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
