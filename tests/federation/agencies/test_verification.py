"""Issue 18: an advisor verifies, for pooled statistics, a co-op that granted their
agency access; no one else's grant and no other co-op's.

Two co-ops and two agencies: A grants agency X access, B grants no one. X's advisor
verifies A from the co-op's page (in English or Welsh), audited in the same transaction
with the agency named; B, and A for agency Y's advisor, answer 404 exactly as a slug that
does not exist, are left unverified, and the refusal is audited.
"""

from __future__ import annotations

from html import unescape

import pytest

from core.db import db
from federation.agencies.access import grant_access
from tenants.registry.models import Coop, CoopState
from tests.fixtures.app import csrf_token

from .conftest import audit_rows


def _verified(app, coop) -> bool:
    with app.app_context():
        return db.session.get(Coop, coop.id).stats_verified_at is not None


@pytest.fixture
def granted(app, two_coops, make_agency, make_advisor, signed_in_client):
    """(A, B, agency X, X's signed-in advisor client, X's advisor): A granted X access."""
    (a, admin_a), (b, _admin_b) = two_coops
    x = make_agency()
    advisor = make_advisor(x)
    with app.app_context():
        grant_access(a.id, x.id, actor_account_id=admin_a.id)
        db.session.commit()
    return a, b, x, signed_in_client(advisor), advisor


@pytest.mark.parametrize("locale, button, done", [
    ("en", "Verify this co-op for statistics", "its figures count in the next statistics"),
    ("cy", "Gwirio'r cwmni cydweithredol hwn ar gyfer ystadegau",
     "bydd ei ffigurau'n cyfrif yn y datganiad"),
])
def test_an_advisor_with_a_grant_verifies_the_coop(app, granted, locale, button, done):
    a, b, x, client, advisor = granted
    client.get(f"/language/{locale}?next=/")
    page = unescape(client.get(f"/agency/coops/{a.slug}").get_data(as_text=True))
    assert button in page
    assert not _verified(app, a)
    token = csrf_token(client, f"/agency/coops/{a.slug}")
    answer = client.post(f"/agency/coops/{a.slug}/verify-statistics",
                         data={"csrf_token": token})
    assert answer.status_code == 302 and answer.location.endswith(f"/agency/coops/{a.slug}")
    assert _verified(app, a) and not _verified(app, b)
    (row,) = audit_rows(app, "coop.stats_verified", coop_id=a.id)
    assert row.actor_account_id == advisor.id and row.detail == {"agency_id": x.id}
    after = unescape(client.get(answer.location).get_data(as_text=True))
    assert done in after and button not in after
    # Verifying again changes nothing and audits nothing more.
    client.post(f"/agency/coops/{a.slug}/verify-statistics", data={"csrf_token": token})
    assert len(audit_rows(app, "coop.stats_verified", coop_id=a.id)) == 1


def test_without_a_grant_the_answer_is_404_and_nothing_is_verified(
        app, granted, make_agency, make_advisor, signed_in_client):
    a, b, _x, client, advisor = granted
    token = csrf_token(client, f"/agency/coops/{a.slug}")
    # B granted no agency: 404, as for a slug that does not exist, and the refusal audited.
    refused = client.post(f"/agency/coops/{b.slug}/verify-statistics",
                          data={"csrf_token": token})
    missing = client.post("/agency/coops/no-such-coop/verify-statistics",
                          data={"csrf_token": token})
    assert refused.status_code == missing.status_code == 404
    assert not _verified(app, b)
    assert audit_rows(app, "agency.access_refused", actor_account_id=advisor.id,
                      outcome="refused")
    # Agency Y's advisor has no grant from A.
    other = signed_in_client(make_advisor(make_agency()))
    other_token = csrf_token(other, "/agency/")
    assert other.post(f"/agency/coops/{a.slug}/verify-statistics",
                      data={"csrf_token": other_token}).status_code == 404
    # Without the CSRF token nothing happens.
    assert client.post(f"/agency/coops/{a.slug}/verify-statistics").status_code == 400
    assert not _verified(app, a)
    assert audit_rows(app, "coop.stats_verified", coop_id=a.id) == []
    assert audit_rows(app, "coop.stats_verified", coop_id=b.id) == []


def test_someone_who_is_not_an_advisor_gets_404(app, two_coops, signed_in_client):
    (a, admin_a), _ = two_coops
    client = signed_in_client(admin_a)  # A's own admin, but no agency's advisor
    token = csrf_token(client, f"/c/{a.slug}/")
    assert client.post(f"/agency/coops/{a.slug}/verify-statistics",
                       data={"csrf_token": token}).status_code == 404
    assert not _verified(app, a)


def test_a_suspended_coop_is_not_verified(app, granted):
    a, _b, _x, client, _advisor = granted
    token = csrf_token(client, f"/agency/coops/{a.slug}")
    with app.app_context():
        db.session.get(Coop, a.id).state = CoopState.SUSPENDED
        db.session.commit()
    answer = client.post(f"/agency/coops/{a.slug}/verify-statistics",
                         data={"csrf_token": token})
    assert answer.status_code == 302
    assert not _verified(app, a)
    assert audit_rows(app, "coop.stats_verified", coop_id=a.id) == []
