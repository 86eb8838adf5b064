"""axe-core finds no serious or critical problem on the federation admin's list of co-ops,
in English and in Welsh, with co-ops in several states."""

from __future__ import annotations

import pytest

from core.db import db
from tenants.registry.models import Coop, CoopState
from tests.axe import serious, sign_in
from tests.fixtures.factories import create_account, create_coop

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_admin_coops_page(page, live_server, app, two_coops, locale):
    admin = create_account(app, is_federation_admin=True)
    failed, _ = create_coop(app, provision=False)
    with app.app_context():
        coop = db.session.get(Coop, failed.id)
        coop.state, coop.state_reason = CoopState.FAILED, "OperationalError: disk full"
        db.session.commit()
    page.goto(f"{live_server}/language/{locale}?next=/")
    sign_in(page, live_server, admin.email)
    response = page.goto(f"{live_server}/admin/coops")
    assert response.status == 200
    problems = {"list": serious(page)}
    (a, _), _ = two_coops
    with page.expect_navigation():
        page.click(f"#coop-{a.slug} form[action$='/suspend'] button[type=submit]")
    assert page.locator(f"#coop-{a.slug} .govuk-tag--orange").count() == 1
    problems["after suspending"] = serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
