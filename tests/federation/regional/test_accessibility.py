"""axe-core finds no serious or critical problem on the portal, the admin's releases and
clients pages, or an agency's view of a co-op's figures, in English and in Welsh.
"""

from __future__ import annotations

import pytest

from core.db import db
from federation.agencies.access import grant_access
from tests.axe import serious, sign_in, use_language
from tests.federation.regional.helpers import GWENT, make_analyst, publish_cells
from tests.federation.regional.test_agency_view import add_care, make_agency

pytestmark = pytest.mark.browser
LOCALES = ["en", "cy"]


def _check(page, base, paths) -> dict[str, list[str]]:
    problems = {}
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status < 500, path
        problems[path] = serious(page)
    return {p: v for p, v in problems.items() if v}


@pytest.mark.parametrize("locale", LOCALES)
def test_portal_form_results_and_errors(app, page, live_server, make_account, locale):
    publish_cells(app)
    analyst = make_analyst(app, make_account)
    use_language(page, live_server, locale)
    sign_in(page, live_server, analyst.email)
    assert _check(page, live_server, [
        "/regional/",
        f"/regional/?geography={GWENT}&measure=clients&period_kind=month&breakdown=none",
        f"/regional/?geography={GWENT}&measure=care_hours&period_kind=week&breakdown=age_band",
        f"/regional/?geography={GWENT}&measure=clients&period_kind=month&breakdown=shoe_size"
        "&period=2026-01-15&coop=x",
    ]) == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_admin_releases_and_clients(app, page, live_server, make_account, locale):
    publish_cells(app)
    admin = make_account(is_federation_admin=True)
    use_language(page, live_server, locale)
    sign_in(page, live_server, admin.email)
    problems = _check(page, live_server, ["/regional/admin/releases", "/regional/admin/clients",
                                          "/regional/admin/analysts"])
    page.click("form[action$='/admin/analysts'] button[type=submit]")
    problems["/regional/admin/analysts (errors)"] = serious(page)
    page.goto(live_server + "/regional/admin/clients")
    page.click("form[action$='/admin/clients'] button[type=submit]")
    problems["/regional/admin/clients (errors)"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_agency_statistics_page(app, page, live_server, two_coops, coop_session, make_account,
                                locale):
    (coop, _), _ = two_coops
    add_care(coop_session, coop, clients=4, visits_each=2)
    agency_id, advisor = make_agency(app, make_account)
    with app.app_context():
        grant_access(coop.id, agency_id, actor_account_id=None)
        db.session.commit()
    use_language(page, live_server, locale)
    sign_in(page, live_server, advisor.email)
    assert _check(page, live_server, [f"/agency/coops/{coop.slug}/statistics"]) == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_directory_pages(app, page, live_server, two_coops, locale):
    from services.directory import service as directory

    (coop, admin), (other, _) = two_coops
    with app.app_context():
        for listed in (coop, other):
            directory.do_save_listing(listed.id, directory.load_listing({
                "publish": "yes", "la_codes": ["W06000018", "W06000002"],
                "services": "Care at home", "welsh_offer": "active_offer",
                "taking_new_people": "yes", "ciw_service_id": "SIN-00012345-ABCD",
                "rating_url": "https://www.careinspectorate.wales/"}), actor_account_id=None)
        db.session.commit()
    use_language(page, live_server, locale)
    problems = _check(page, live_server, ["/directory"])
    sign_in(page, live_server, admin.email)
    problems.update(_check(page, live_server, [f"/c/{coop.slug}/directory/"]))
    page.fill("#services", "")
    page.click("form[action$='/directory/'] button[type=submit]")
    problems["directory form (errors)"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
