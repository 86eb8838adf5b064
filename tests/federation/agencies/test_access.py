"""Must show: an advisor sees a co-op only while it grants their agency access.

Two co-ops and two agencies: an advisor from agency X gets 404 for a co-op that has not
granted X access, 200 once it has, and 404 again once access is withdrawn; the refusals
look exactly like a slug that does not exist, and every decision is audited.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from tenants.members.models import Member
from tests.fixtures.app import csrf_token
from tests.fixtures.factories import add_member, create_account

from .conftest import audit_rows


def _members(coop_session, coop, count: int) -> None:
    with coop_session(coop) as session:
        session.add_all(Member(display_name=f"Member {n}", joined_on=date(2025, 1, 1))
                        for n in range(count))


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1)


def test_grant_then_withdraw_opens_then_closes_the_advisors_view(
        app, two_coops, coop_session, make_agency, make_advisor, signed_in_client):
    (a, admin_a), (b, _admin_b) = two_coops
    x, y = make_agency(), make_agency()
    advisor_x, advisor_y = make_advisor(x), make_advisor(y)
    _members(coop_session, a, 2)
    _members(coop_session, b, 3)
    with coop_session(a) as session:  # a member who has left is not counted
        session.add(Member(display_name="Gone", joined_on=date(2024, 1, 1),
                           left_on=date(2025, 6, 1)))
    as_x, as_y = signed_in_client(advisor_x), signed_in_client(advisor_y)
    missing = as_x.get("/agency/coops/no-such-coop")
    assert missing.status_code == 404

    # Not granted: 404, indistinguishable from a slug that does not exist, and audited.
    refused = as_x.get(f"/agency/coops/{a.slug}")
    assert refused.status_code == 404 and _title(refused) == _title(missing)
    assert a.name not in refused.get_data(as_text=True)
    assert audit_rows(app, "agency.access_refused", actor_account_id=advisor_x.id,
                      outcome="refused")

    # A's admin grants X access on the workspace page.
    as_admin = signed_in_client(admin_a)
    listing = as_admin.get(f"/c/{a.slug}/agencies/")
    assert listing.status_code == 200
    assert x.name in listing.get_data(as_text=True) and y.name in listing.get_data(as_text=True)
    token = csrf_token(as_admin, f"/c/{a.slug}/agencies/")
    granted = as_admin.post(f"/c/{a.slug}/agencies/{x.id}/grant", data={"csrf_token": token})
    assert granted.status_code == 302
    (row,) = audit_rows(app, "agency.access_granted", coop_id=a.id)
    assert row.actor_account_id == admin_a.id and row.detail == {"agency_id": x.id}

    seen = as_x.get(f"/agency/coops/{a.slug}")
    assert seen.status_code == 200
    page = seen.get_data(as_text=True)
    assert a.name in page and 'id="count-members">2<' in page
    assert audit_rows(app, "agency.coop_viewed", coop_id=a.id, actor_account_id=advisor_x.id)
    # Only A: B has not granted X, and Y has no grant from A.
    assert as_x.get(f"/agency/coops/{b.slug}").status_code == 404
    assert as_y.get(f"/agency/coops/{a.slug}").status_code == 404
    # Granting twice changes nothing.
    as_admin.post(f"/c/{a.slug}/agencies/{x.id}/grant", data={"csrf_token": token})
    assert len(audit_rows(app, "agency.access_granted", coop_id=a.id)) == 1

    withdrawn = as_admin.post(f"/c/{a.slug}/agencies/{x.id}/withdraw",
                              data={"csrf_token": token})
    assert withdrawn.status_code == 302
    (row,) = audit_rows(app, "agency.access_withdrawn", coop_id=a.id)
    assert row.actor_account_id == admin_a.id and row.detail == {"agency_id": x.id}
    again = as_x.get(f"/agency/coops/{a.slug}")
    assert again.status_code == 404 and _title(again) == _title(missing)
    # Withdrawing what is not granted is a 404, and writes nothing.
    assert as_admin.post(f"/c/{a.slug}/agencies/{x.id}/withdraw",
                         data={"csrf_token": token}).status_code == 404
    assert len(audit_rows(app, "agency.access_withdrawn", coop_id=a.id)) == 1


def test_only_the_coops_admin_changes_its_grants(
        app, two_coops, make_agency, signed_in_client):
    (a, admin_a), (b, admin_b) = two_coops
    x = make_agency()
    worker = create_account(app)
    add_member(app, a, worker, "coordinator")
    as_worker = signed_in_client(worker)
    assert as_worker.get(f"/c/{a.slug}/agencies/").status_code == 403
    token = csrf_token(as_worker, f"/c/{a.slug}/")
    assert as_worker.post(f"/c/{a.slug}/agencies/{x.id}/grant",
                          data={"csrf_token": token}).status_code == 403
    # B's admin cannot reach A at all.
    as_b = signed_in_client(admin_b)
    token_b = csrf_token(as_b, f"/c/{b.slug}/agencies/")
    assert as_b.post(f"/c/{a.slug}/agencies/{x.id}/grant",
                     data={"csrf_token": token_b}).status_code == 404
    # Without the CSRF token nothing happens.
    as_a = signed_in_client(admin_a)
    assert as_a.post(f"/c/{a.slug}/agencies/{x.id}/grant").status_code == 400
    # An agency that does not exist.
    token_a = csrf_token(as_a, f"/c/{a.slug}/agencies/")
    assert as_a.post(f"/c/{a.slug}/agencies/999999/grant",
                     data={"csrf_token": token_a}).status_code == 404
    assert audit_rows(app, "agency.access_granted", coop_id=a.id) == []


def test_the_portal_is_for_advisors_only(app, two_coops, signed_in_client, client):
    (a, admin_a), _ = two_coops
    for path in ("/agency/", "/agency/groups/new", f"/agency/coops/{a.slug}"):
        assert client.get(path).status_code == 404
    as_admin = signed_in_client(admin_a)
    for path in ("/agency/", "/agency/groups/new", f"/agency/coops/{a.slug}"):
        assert as_admin.get(path).status_code == 404
    assert audit_rows(app, "agency.portal_refused", actor_account_id=admin_a.id)


def test_the_grants_api(app, two_coops, make_agency, make_advisor, api_client,
                        signed_in_client):
    (a, admin_a), (b, admin_b) = two_coops
    x = make_agency()
    advisor = make_advisor(x)
    api = api_client(admin_a)
    listed = api.get(f"/api/v1/c/{a.slug}/agencies?page_size=100")
    assert listed.status_code == 200 and "X-Pagination" in listed.headers
    row = next(r for r in listed.get_json() if r["id"] == x.id)
    assert row["has_access"] is False and row["granted_at"] is None
    granted = api.put(f"/api/v1/c/{a.slug}/agencies/{x.id}/access")
    assert granted.status_code == 200 and granted.get_json()["has_access"] is True
    assert signed_in_client(advisor).get(f"/agency/coops/{a.slug}").status_code == 200
    again = api.put(f"/api/v1/c/{a.slug}/agencies/{x.id}/access")  # read back from the store
    assert datetime.fromisoformat(again.get_json()["granted_at"]).utcoffset() is not None
    assert api.put(f"/api/v1/c/{a.slug}/agencies/999999/access").status_code == 404
    # B's admin cannot touch A's grants; A's grant does not open B.
    api_b = api_client(admin_b)
    assert api_b.delete(f"/api/v1/c/{a.slug}/agencies/{x.id}/access").status_code == 404
    assert signed_in_client(advisor).get(f"/agency/coops/{b.slug}").status_code == 404
    assert api.delete(f"/api/v1/c/{a.slug}/agencies/{x.id}/access").status_code == 204
    gone = api.delete(f"/api/v1/c/{a.slug}/agencies/{x.id}/access")
    assert gone.status_code == 404
    assert gone.headers["Content-Type"] == "application/problem+json"
    assert signed_in_client(advisor).get(f"/agency/coops/{a.slug}").status_code == 404
    assert len(audit_rows(app, "agency.access_granted", coop_id=a.id)) == 1
    assert len(audit_rows(app, "agency.access_withdrawn", coop_id=a.id)) == 1
