"""axe-core: the export, leaving, subject-access and "your data" pages, in English and Welsh."""

from __future__ import annotations

import pytest

from tests.axe import serious, sign_in
from tests.fixtures.factories import in_coop
from tests.services.portability.helpers import seed_distinct

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_portability_pages(page, live_server, app, two_coops, run_jobs, locale):
    (coop, admin), _ = two_coops
    with in_coop(app, coop) as session:
        seed_distinct(session, account_id=admin.id)
    page.goto(f"{live_server}/language/{locale}?next=/")
    sign_in(page, live_server, admin.email)
    problems = {}
    base = f"{live_server}/c/{coop.slug}/settings/data/"
    page.goto(base)
    page.click("form[action$='/export'] button[type=submit]")
    run_jobs()
    page.goto(base)
    problems["export (a job listed)"] = serious(page)
    page.fill("#grace_days", "soon")
    page.click("form[action$='/leave'] button[type=submit]")
    problems["leave (errors)"] = serious(page)
    page.goto(base + "subject-access")
    problems["subject access"] = serious(page)
    page.click("main form[method=post] button[type=submit]")
    problems["subject access (errors)"] = serious(page)
    page.goto(f"{live_server}/my-data/")
    page.click("main form[method=post] button[type=submit]")
    run_jobs()
    page.goto(f"{live_server}/my-data/")
    problems["my data (a job listed)"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
