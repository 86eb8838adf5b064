"""An advisor starts the wizard on a group's behalf; the co-op it becomes joins the
portfolio, and its data shows only if the co-op granted the advisor's agency access."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from federation.agencies.models import SupportedGroup
from federation.onboarding.models import Draft
from tenants.registry.models import Coop, Membership
from tests.federation.onboarding.helpers import Wizard, answers
from tests.fixtures.app import csrf_token
from tests.fixtures.factories import unique

from .conftest import audit_rows


def _new_group(client, name: str) -> int:
    token = csrf_token(client, "/agency/groups/new")
    response = client.post("/agency/groups/new", data={"name": name, "csrf_token": token})
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _start_and_submit(client, group_id: int, name: str, agency: str, slug: str):
    token = csrf_token(client, f"/agency/groups/{group_id}")
    started = client.post(f"/agency/groups/{group_id}/wizard", data={"csrf_token": token})
    assert started.status_code == 302
    assert started.headers["Location"].startswith("/start/resume/")
    client.get(started.headers["Location"])
    first_step = client.get("/start/group").get_data(as_text=True)
    assert f'value="{name}"' in first_step  # the group's name, already filled in
    wizard = Wizard(client)
    wizard.fill(answers(slug=slug, agency=agency))
    submitted = wizard.submit()
    assert submitted.status_code == 302, submitted.get_data(as_text=True)[-2000:]


def test_a_group_started_by_an_advisor_becomes_a_coop_in_the_portfolio(
        app, run_jobs, make_agency, make_advisor, signed_in_client):
    x, y = make_agency(), make_agency()
    advisor, other = make_advisor(x), make_advisor(y)
    as_x, as_y = signed_in_client(advisor), signed_in_client(other)
    shared, private = _new_group(as_x, "Sharing Group"), _new_group(as_x, "Private Group")
    shared_slug, private_slug = unique("shared"), unique("private")

    _start_and_submit(as_x, shared, "Sharing Group", str(x.id), shared_slug)
    with app.app_context():
        group = db.session.get(SupportedGroup, shared)
        draft = db.session.get(Draft, group.draft_id)
        assert group.stage == "forming"
        assert (draft.advisor_account_id, draft.agency_id) == (advisor.id, x.id)
    (row,) = audit_rows(app, "agency.wizard_started", actor_account_id=advisor.id)
    assert row.detail["group_id"] == shared and row.detail["draft_id"] == draft.id
    _start_and_submit(as_x, private, "Private Group", "none", private_slug)
    run_jobs()
    run_jobs()

    with app.app_context():
        coops = {c.slug: c for c in db.session.scalars(
            select(Coop).where(Coop.slug.in_([shared_slug, private_slug])))}
        assert {c.first_admin_account_id for c in coops.values()} == {advisor.id}
        assert db.session.scalar(select(Membership.role).where(
            Membership.coop_id == coops[shared_slug].id,
            Membership.account_id == advisor.id)) == "admin"

    page = as_x.get("/agency/").get_data(as_text=True)
    assert f"/agency/coops/{shared_slug}" in page
    # The co-op that did not grant access: the agency's own record only.
    assert private_slug not in page and "has not granted your agency access" in page
    assert as_x.get(f"/agency/coops/{shared_slug}").status_code == 200
    assert as_x.get(f"/agency/coops/{private_slug}").status_code == 404
    assert as_y.get(f"/agency/coops/{shared_slug}").status_code == 404
    shared_detail = as_x.get(f"/agency/groups/{shared}").get_data(as_text=True)
    assert f'href="/c/{shared_slug}/agencies/#handover"' in shared_detail
    detail = as_x.get(f"/agency/groups/{private}").get_data(as_text=True)
    assert private_slug not in detail and "has not granted your agency access" in detail

    # A submitted group cannot start another wizard.
    token = csrf_token(as_x, f"/agency/groups/{shared}")
    again = as_x.post(f"/agency/groups/{shared}/wizard", data={"csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"] == f"/agency/groups/{shared}"
    with app.app_context():
        assert db.session.scalar(select(SupportedGroup.draft_id).where(
            SupportedGroup.id == shared)) == draft.id
