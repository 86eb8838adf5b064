"""The demo advisor's portfolio: every stage, a half-finished wizard, partly done
checklists, notes and next contacts, and demo co-ops that grant access (and one that does not)."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from federation.agencies.access import live_grant
from federation.agencies.demo import ADVISOR, AGENCY, GRANTING
from federation.agencies.models import Agency, ChecklistItem, GroupNote, SupportedGroup
from federation.demo import DEMO_PASSWORD, seed_demo
from federation.onboarding.models import Draft
from tenants.registry.models import Coop
from tests.fixtures.app import sign_in


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (SupportedGroup, ChecklistItem, GroupNote, Draft))


def test_the_demo_advisor_has_a_portfolio_at_every_stage(isolated_app):
    app = isolated_app()
    with app.app_context():
        seed_demo()
        agency = db.session.scalar(select(Agency).where(Agency.name == AGENCY))
        groups = db.session.scalars(select(SupportedGroup).where(
            SupportedGroup.agency_id == agency.id)).all()
        assert {g.stage for g in groups} == {"enquiry", "forming", "registering", "trading"}
        (drafted,) = [g for g in groups if g.draft_id]
        draft = db.session.get(Draft, drafted.draft_id)
        assert draft.submitted_at is None and draft.step_reached == "people"
        assert all(draft.is_done(step) for step in ("group", "where", "governance"))
        done = [db.session.scalar(select(func.count(ChecklistItem.id)).where(
            ChecklistItem.group_id == g.id)) for g in groups]
        assert 0 in done and any(0 < n < 8 for n in done)
        assert all(db.session.scalar(select(func.count(GroupNote.id)).where(
            GroupNote.group_id == g.id)) for g in groups)
        assert any(g.next_contact_on for g in groups)
        slugs = dict(db.session.execute(select(Coop.slug, Coop.id)).all())
        assert all(live_grant(slugs[s], agency.id) for s in GRANTING)
        assert live_grant(slugs["cardiff-dp-circle"], agency.id) is None
        before = _counts()
        seed_demo()  # a second run adds nothing
        assert _counts() == before
    client = app.test_client()
    assert sign_in(client, ADVISOR, DEMO_PASSWORD).status_code == 302
    page = client.get("/agency/").get_data(as_text=True)
    assert "Llanelli Home Care Workers" in page and "/agency/coops/gofal-gwynedd" in page
    assert "/agency/coops/cardiff-dp-circle" not in page
    # Powys granted access without being in a group: listed among the other co-ops.
    others = page[page.index('id="granted-coops"'):]
    assert "/agency/coops/powys-elders" in others
    assert client.get("/agency/coops/gofal-gwynedd").status_code == 200
    assert client.get("/agency/coops/cardiff-dp-circle").status_code == 404
