"""The demo federation, seeded once for the whole module: co-ops of different types and a
person for every role, the advisor's portfolio, the analyst's API client, and lending.

Seeding the whole demo (a statistics release included) is the slowest thing the suite does,
so the module seeds it once, seeds it a second time to show that a second run adds nothing,
and every test below reads that one federation. No test changes what the seed made: they
sign in, ask for a token and read pages, which adds only sessions, tokens and audit rows.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core.db import FederationBase, TenantBase, db
from federation.accounts.service import account_by_email
from federation.agencies.access import live_grant
from federation.agencies.demo import ADVISOR, AGENCY, GRANTING
from federation.agencies.models import Agency, ChecklistItem, GroupNote, SupportedGroup
from federation.demo import COOPS, DEMO_PASSWORD, seed_demo
from federation.extensions import limiter
from federation.onboarding.models import Draft
from federation.regional.demo import CLIENT_ID, CLIENT_SECRET
from federation.regional.service import analyst_areas
from services.lending.demo import RATE
from services.lending.models import (
    RATE_PARTS,
    LedgerEntry,
    LedgerEntryParts,
    LendingAgreement,
    LendingRequest,
)
from services.pool.demo import POOLED
from services.pool.models import PoolProfile
from services.stats.cells import is_valid_geography
from tenants.lending.models import GuestAssignment, LendingCommitment
from tenants.registry.models import Coop, CoopState, Membership
from tests.fixtures.app import build_app, close_app, sign_in
from tests.fixtures.factories import in_coop

# Bookkeeping that records how a seed ran rather than what it made (as in
# test_demo_resume.py): a second run may legitimately add to it. Every other table, in the
# federation's store and in each demo co-op's own store, must keep its row count.
HOW_IT_RAN = {
    "audit_events",
    "tenant_audit_events",
    "job_leases",
    "inbox_events",
    "outbox_events",
    "sent_mail",
    "alembic_version",
}
# The old per-test idempotence checks, kept by name so a failure says which records grew.
PORTFOLIO = (SupportedGroup, ChecklistItem, GroupNote, Draft)
LENDING = (PoolProfile, LendingRequest, LendingAgreement, LedgerEntry)


def _count(session, table) -> int:
    return session.scalar(select(func.count()).select_from(table))


def _snapshot(app) -> dict[str, int]:
    """Row counts of every table that holds what the demo made, in every store it wrote."""
    counts = {}
    with app.app_context():
        for table in FederationBase.metadata.sorted_tables:
            if table.name not in HOW_IT_RAN:
                counts[table.name] = _count(db.session, table)
        coops = db.session.scalars(
            select(Coop).where(Coop.slug.in_([spec["slug"] for spec in COOPS]))
        ).all()
        db.session.expunge_all()
    for coop in coops:
        with in_coop(app, coop) as session:
            for table in TenantBase.metadata.sorted_tables:
                if table.name not in HOW_IT_RAN:
                    counts[f"{coop.slug}/{table.name}"] = _count(session, table)
    return counts


@pytest.fixture(scope="module")
def demo(tmp_path_factory, scratch_stores):
    """The demo federation, seeded twice into one isolated app shared by this module."""
    app = build_app(tmp_path_factory.mktemp("demo"), scratch_stores)
    try:
        with app.app_context():
            people = seed_demo()
            db.session.commit()
        before = _snapshot(app)
        with app.app_context():
            again = seed_demo()  # a second run adds nothing
            db.session.commit()
        after = _snapshot(app)
        yield SimpleNamespace(app=app, people=people, again=again, before=before, after=after)
    finally:
        close_app(app)


def _client(app):
    """A test client with the app's rate limits empty, whichever test ran before."""
    with app.app_context():
        limiter.reset()
    return app.test_client()


def test_a_second_seed_adds_nothing(demo):
    grown = {
        name: (demo.before[name], demo.after.get(name))
        for name in demo.before
        if demo.after.get(name) != demo.before[name]
    }
    assert not grown, grown
    assert demo.after.keys() == demo.before.keys()
    # Each store was counted: the federation's, and every named demo co-op's own.
    for spec in COOPS:
        assert demo.before[f"{spec['slug']}/members"] > 0, spec["slug"]
    for model in (Coop, Membership, *PORTFOLIO, *LENDING):
        assert demo.before[model.__tablename__] > 0, model.__tablename__
    # Idempotent: the same credentials are returned again, and nothing new.
    assert len(demo.again) == len(demo.people)
    assert set(demo.again) == set(demo.people)


def test_demo_has_coops_of_different_types_and_a_person_for_every_role(demo):
    people = dict((role, email) for role, email in demo.people)
    with demo.app.app_context():
        coops = db.session.scalars(select(Coop)).all()
        assert len(coops) >= 3
        assert all(c.state == CoopState.ACTIVE for c in coops)
        # The named demo co-ops differ in type and place; the statistics demo adds more.
        named = [c for c in coops if c.slug in {spec["slug"] for spec in COOPS}]
        assert len(named) == len(COOPS)
        assert len({c.coop_type for c in named}) == len(named)
        assert len({c.la_code for c in named}) == len(named)
        for coop in named:  # the statistics demo's extra co-ops have records, not people
            admins = db.session.scalar(
                select(func.count(Membership.id)).where(
                    Membership.coop_id == coop.id, Membership.role == "admin"
                )
            )
            assert admins >= 1, coop.slug
        assert {
            "federation admin",
            "agency advisor (Cwmpas)",
            "regional analyst (Gwent RPB)",
        } <= set(people)
        # The second seed left the co-ops as they were.
        assert demo.after["coops"] == demo.before["coops"] == len(coops)
    client = _client(demo.app)
    sign_in(client, people["care worker in Gwynedd and member in Powys"], DEMO_PASSWORD)
    home = client.get("/").get_data(as_text=True)
    assert "gofal-gwynedd" in home and "powys-elders" in home


def test_the_demo_advisor_has_a_portfolio_at_every_stage(demo):
    with demo.app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.name == AGENCY))
        groups = db.session.scalars(
            select(SupportedGroup).where(SupportedGroup.agency_id == agency.id)
        ).all()
        assert {g.stage for g in groups} == {"enquiry", "forming", "registering", "trading"}
        (drafted,) = [g for g in groups if g.draft_id]
        draft = db.session.get(Draft, drafted.draft_id)
        assert draft.submitted_at is None and draft.step_reached == "people"
        assert all(draft.is_done(step) for step in ("group", "where", "governance"))
        done = [
            db.session.scalar(
                select(func.count(ChecklistItem.id)).where(ChecklistItem.group_id == g.id)
            )
            for g in groups
        ]
        assert 0 in done and any(0 < n < 8 for n in done)
        assert all(
            db.session.scalar(select(func.count(GroupNote.id)).where(GroupNote.group_id == g.id))
            for g in groups
        )
        assert any(g.next_contact_on for g in groups)
        slugs = dict(db.session.execute(select(Coop.slug, Coop.id)).all())
        assert all(live_grant(slugs[s], agency.id) for s in GRANTING)
        assert live_grant(slugs["cardiff-dp-circle"], agency.id) is None
        # The second seed added nothing to the portfolio.
        names = [m.__tablename__ for m in PORTFOLIO]
        assert [demo.after[n] for n in names] == [demo.before[n] for n in names]
        db.session.rollback()
    client = _client(demo.app)
    assert sign_in(client, ADVISOR, DEMO_PASSWORD).status_code == 302
    page = client.get("/agency/").get_data(as_text=True)
    assert "Llanelli Home Care Workers" in page and "/agency/coops/gofal-gwynedd" in page
    assert "/agency/coops/cardiff-dp-circle" not in page
    # Powys granted access without being in a group: listed among the other co-ops.
    others = page[page.index('id="granted-coops"') :]
    assert "/agency/coops/powys-elders" in others
    assert client.get("/agency/coops/gofal-gwynedd").status_code == 200
    assert client.get("/agency/coops/cardiff-dp-circle").status_code == 404


def test_demo_analyst_has_a_client_for_their_area(demo):
    assert (
        "stats API client of the Gwent RPB (client id, secret; POST /oauth/token)",
        f"{CLIENT_ID} {CLIENT_SECRET}",
    ) in demo.people
    # The second seed returns the same credentials, and nothing new.
    assert len(demo.again) == len(demo.people)
    with demo.app.app_context():
        analyst = account_by_email("analyst@demo.coopfed.cymru")
        email = analyst.email
        [(kind, area)] = analyst_areas(analyst.id)
        assert is_valid_geography(kind, area)
        db.session.commit()
    client = _client(demo.app)
    token = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
    )
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    catalogue = client.get("/api/v1/stats/catalogue", headers=headers)
    assert catalogue.status_code == 200
    assert catalogue.get_json()["geographies"][0] == {"kind": kind, "code": area}
    assert sign_in(client, email, DEMO_PASSWORD).status_code == 302
    assert client.get("/regional/").status_code == 200


def test_demo_lending(demo):
    """Pool workers, an open request, a confirmed loan and a ledger."""
    app = demo.app
    with app.app_context():
        coops = {c.slug: c for c in db.session.scalars(select(Coop))}
        assert all(coops[slug].joins_worker_pool for slug in POOLED)
        assert db.session.scalar(select(func.count()).select_from(PoolProfile)) >= 6
        assert (
            db.session.scalar(
                select(LendingRequest.id).where(
                    LendingRequest.state == "open", LendingRequest.on_board.is_(True)
                )
            )
            is not None
        )
        confirmed = db.session.scalar(
            select(LendingAgreement).where(LendingAgreement.state == "confirmed")
        )
        assert confirmed is not None
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) >= 3
        # Every entry carries its rate's parts (not the wage alone) and approved hours.
        for entry, parts in db.session.execute(
            select(LedgerEntry, LedgerEntryParts).outerjoin(
                LedgerEntryParts, LedgerEntryParts.entry_id == LedgerEntry.id
            )
        ):
            assert parts is not None and parts.employer_ni > 0 and parts.holiday_pay > 0
            assert entry.rate == sum(getattr(parts, p) for p in RATE_PARTS) > RATE
        borrower = db.session.get(Coop, confirmed.borrower_coop_id)
        lender = db.session.get(Coop, confirmed.lender_coop_id)
        assert borrower.id != lender.id  # a loan between two co-ops
        db.session.expunge_all()
    with in_coop(app, borrower) as session:
        assert (
            session.scalar(
                select(GuestAssignment.id).where(GuestAssignment.agreement_id == confirmed.id)
            )
            is not None
        )
    with in_coop(app, lender) as session:
        assert (
            session.scalar(
                select(LendingCommitment.id).where(LendingCommitment.agreement_id == confirmed.id)
            )
            is not None
        )
    # The second seed added no pool profile, request, agreement or ledger entry.
    names = [m.__tablename__ for m in LENDING]
    assert [demo.after[n] for n in names] == [demo.before[n] for n in names]
