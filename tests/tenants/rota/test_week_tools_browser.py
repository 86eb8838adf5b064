"""The rota's coordinator tools in a real browser, in Welsh, with axe: a pattern changed and
removed, a visit that says why it has no worker, the printed week and the name search."""

from __future__ import annotations

from datetime import date, time

import pytest

from tenants.rota import service
from tenants.rota.models import VisitPattern
from tests.axe import serious, sign_in, use_language
from tests.tenants.rota.helpers import make_client, make_worker

pytestmark = pytest.mark.browser


def test_rota_tools_in_welsh_pass_axe(page, live_server, two_coops, coop_session):
    (coop, admin), (other, _) = two_coops
    with coop_session(other) as session:
        make_client(session, display_name="Elin Arall")
    with coop_session(coop) as session:
        lapsed = make_worker(session, display_name="Aled Hen", dbs_update_service=False,
                             dbs_certificate_date=date(2023, 1, 1))
        client_id = make_client(session, display_name="Elin Jones")
        pattern = VisitPattern(client_id=client_id, worker_id=lapsed, weekday=0, starts=time(9),
                               duration_minutes=60, valid_from=date(2026, 1, 5))
        session.add(pattern)
        session.flush()
        pattern_id = pattern.id
        service.do_generate_week(date(2026, 5, 4), actor_account_id=None)
    problems: dict[str, list[str]] = {}
    use_language(page, live_server, "cy")
    sign_in(page, live_server, admin.email)
    base = f"{live_server}/c/{coop.slug}/rota"
    page.goto(f"{base}/?week=2026-05-04&day=0")
    assert "Aled Hen wedi'i gadw'n ôl:" in page.inner_text("#day-visits")
    problems["week"] = serious(page)
    page.click("#day-visits a >> nth=0")
    page.wait_for_load_state()
    assert "Pam nad oes gweithiwr" in page.inner_text("#held-back")
    problems["visit held back"] = serious(page)
    page.goto(f"{base}/print?week=2026-05-04")
    problems["print"] = serious(page)
    page.goto(f"{base}/?week=2026-05-04")
    page.fill("#q", "elin")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    assert "Elin Jones" in page.inner_text("#found-clients")
    assert "Elin Arall" not in page.inner_text("main")
    problems["search"] = serious(page)
    page.goto(f"{base}/patterns/{pattern_id}")
    page.fill("#starts", "")
    page.click("form:not([action]) button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#starts-error").count() == 1
    problems["pattern (errors)"] = serious(page)
    page.click("form[action$='/remove'] button[type=submit]")
    page.wait_for_load_state()
    problems["patterns after removal"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
