"""Naming by consent across releases (issue 13), through the real publish job.

A release names a co-op only if its directory entry was published when the release was
built, and only then leaves it out of rule 3. Withdrawing the entry changes the next
release; the previous one stays exactly as it was (same bytes, same names). The admin's
releases page and the API report each release's published share.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from core.db import db
from services.directory import service as directory
from services.stats.models import StatsRelease, StatsReleaseCoop, StatsReleaseUsefulness
from tests.federation.regional.helpers import bearer, make_client
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, create_account
from tests.services.stats.test_publish import LA, _cell, _coops, _publish, _serialised

ENTRY = {"publish": "yes", "la_codes": [LA], "services": "Care at home",
         "welsh_offer": "some_welsh", "taking_new_people": "yes"}


@pytest.fixture
def fed(isolated_app):
    return isolated_app()


def _name(fed, coops):
    with fed.app_context():
        for coop in coops:
            directory.do_save_listing(coop.id, directory.load_listing(ENTRY),
                                      actor_account_id=None)
        db.session.commit()


def _named(fed, release_id):
    with fed.app_context():
        return sorted(db.session.scalars(select(StatsReleaseCoop.coop_id).where(
            StatsReleaseCoop.release_id == release_id, StatsReleaseCoop.named_as.is_not(None))))


def test_withdrawing_consent_changes_the_next_release_and_never_the_last(fed):
    named = _coops(fed, 3)
    other = _coops(fed, 1, share=False)  # a second kind of co-op: not contributing at all
    _name(fed, named + other)  # listed, but a co-op that does not share is never named
    first = _publish(fed)
    # Three named co-ops only: rule 3 has no one to protect, so the cell is published.
    assert _cell(fed, first) == (30, "shown", None)
    assert _named(fed, first) == sorted(c.id for c in named)
    before = _serialised(fed, first)
    with fed.app_context():
        digest = db.session.get(StatsRelease, first).output_digest
        directory.do_withdraw(named[0].id, actor_account_id=None)
        db.session.commit()

    second = _publish(fed)
    # The co-op is no longer named, so rule 3 protects it again: one open co-op.
    assert _named(fed, second) == sorted(c.id for c in named[1:])
    # (A release says only "suppressed": the reason, kept in the restricted references,
    # would bound the value; issue 18.)
    assert _cell(fed, second) == (None, "suppressed", "suppressed")
    # The previous release is unchanged: the same bytes and the same names.
    assert _serialised(fed, first) == before
    assert hashlib.sha256(before).hexdigest() == digest
    assert _named(fed, first) == sorted(c.id for c in named)
    with fed.app_context():
        useful = {(u.geography_kind, u.measure): (u.cells, u.shown) for u in db.session.scalars(
            select(StatsReleaseUsefulness).where(StatsReleaseUsefulness.release_id == first))}
        cells, shown = useful[("la", "clients")]
        assert 0 < shown <= cells


def test_the_releases_page_and_the_api_report_the_published_share(fed):
    named = _coops(fed, 2)
    _coops(fed, 1)
    _name(fed, named)
    _publish(fed)
    admin = create_account(fed, is_federation_admin=True)
    client = fed.test_client()
    assert sign_in(client, admin.email, PASSWORD).status_code == 302
    html = client.get("/regional/admin/releases").get_data(as_text=True)
    assert "How much release 1 publishes" in html and "%" in html
    with fed.app_context():
        names = sorted(db.session.scalars(select(StatsReleaseCoop.named_as).where(
            StatsReleaseCoop.named_as.is_not(None))))
    assert len(names) == 2 and all(name in html for name in names)

    client_id, secret = make_client(fed, "la", LA)
    api = fed.test_client()
    body = api.get("/api/v1/stats/usefulness", headers=bearer(api, client_id, secret)).get_json()
    assert body["release"]["version"] == 1 and 0 < body["share"] < 1
    rows = {(r["geography_kind"], r["measure"]): r for r in body["by_geography_and_measure"]}
    assert rows[("la", "clients")]["shown"] <= rows[("la", "clients")]["cells"]
    assert sorted(body["named_coops"]) == names
    # Outside the area, a client sees no names.
    other_id, other_secret = make_client(fed, "la", "W06000015")
    body = api.get("/api/v1/stats/usefulness",
                   headers=bearer(api, other_id, other_secret)).get_json()
    assert body["named_coops"] == []


def test_the_portal_names_the_co_ops_the_release_names_in_the_analysts_area(fed):
    from federation.regional.models import AnalystGrant

    named = _coops(fed, 2)
    _coops(fed, 1)
    _name(fed, named)
    _publish(fed)
    analyst = create_account(fed)
    with fed.app_context():
        db.session.add(AnalystGrant(account_id=analyst.id, area_kind="rpb", area="gwent"))
        db.session.commit()
        names = sorted(db.session.scalars(select(StatsReleaseCoop.named_as).where(
            StatsReleaseCoop.named_as.is_not(None))))
    client = fed.test_client()
    assert sign_in(client, analyst.email, PASSWORD).status_code == 302
    html = client.get("/regional/", query_string={
        "geography": "gwent", "measure": "clients", "period_kind": "week"}).get_data(as_text=True)
    assert all(name in html for name in names) and "Hidden to protect people" in html
