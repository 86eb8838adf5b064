"""Welsh and English: a complete catalogue, a switch on every page, and the co-op's default."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "federation/translations/cy/LC_MESSAGES/messages.po"


def _untranslated(message) -> bool:
    """Empty or fuzzy; a plural entry needs every one of Welsh's six forms."""
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return message.fuzzy or not all(forms)


def test_welsh_catalogue_has_no_empty_or_fuzzy_entries():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="cy")
    empty = [m.id for m in catalogue if m.id and _untranslated(m)]
    assert empty == []


def test_every_message_in_the_code_is_in_the_catalogue(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o",
                    str(pot), "."], cwd=ROOT, check=True)
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with CATALOGUE.open("rb") as handle:
        have = {m.id for m in read_po(handle, locale="cy") if m.id}
    assert wanted - have == set()


def test_pages_switch_to_welsh_and_back(client):
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    response = client.get("/language/cy?next=/signin")
    assert response.status_code == 302 and response.headers["Location"] == "/signin"
    page = client.get("/signin").get_data(as_text=True)
    assert '<html lang="cy"' in page and "Mewngofnodi" in page and "English" in page
    client.get("/language/en?next=/")
    assert "Sign in" in client.get("/signin").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get("/language/cy", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_workspace_in_welsh_names_the_role_in_welsh(app, two_coops):
    (a, admin_a), _ = two_coops
    client = app.test_client()
    client.get("/language/cy")
    sign_in(client, admin_a.email, PASSWORD)
    page = client.get(f"/c/{a.slug}/").get_data(as_text=True)
    assert "Eich rôl yma: Gweinyddwr" in page
    assert "Aelod gweithiwr" in page  # the member class's Welsh name from the co-op's store
