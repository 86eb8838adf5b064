"""The register and member classes: roles, privacy, the statutory CSV, on two co-ops."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from tenants.members.models import Member, MemberClass
from tests.tenants.members.helpers import class_id, person, signed_in

NEW = {"display_name": "Gwenllian Parry", "email": "Gwen@Example.org",
       "postal_address": "1 Stryd Fawr\nBangor LL57 1AA", "joined_on": "2025-01-15",
       "shares_held": 1, "classes": ["worker"]}


def test_admin_edits_a_class_and_a_cap_on_a_non_voting_class_is_refused(
        app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    client = signed_in(app, admin_a)
    with coop_session(a) as session:
        supporter = class_id(session, "supporter")
        worker = class_id(session, "worker")
    url = f"/api/v1/c/{a.slug}/member-classes"
    refused = client.patch(f"{url}/{supporter}", json={"vote_cap_pct": "5"})
    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert list(refused.get_json()["errors"]) == ["vote_cap_pct"]
    changed = client.patch(f"{url}/{worker}", json={
        "vote_cap_pct": "50", "min_shares": 2, "eligibility_cy": "Gweithwyr gofal."})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["vote_cap_pct"] == "50.00"
    listed = client.get(url)
    assert listed.status_code == 200 and "X-Pagination" in listed.headers
    with coop_session(a) as session:
        assert session.get(MemberClass, supporter).vote_cap_pct is None
        assert session.get(MemberClass, worker).min_shares == 2
    with coop_session(b) as session:
        assert session.scalar(select(MemberClass).where(MemberClass.code == "worker")) is None
        assert session.scalars(select(MemberClass.vote_cap_pct)).all() == [None] * 3
    _, coordinator = person(app, a, "coordinator")
    assert coordinator.patch(f"{url}/{worker}", json={"min_shares": 3}).status_code == 403


def test_register_api_hides_addresses_and_emails_from_members(app, two_coops, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    admin = signed_in(app, admin_a)
    created = admin.post(f"/api/v1/c/{a.slug}/members", json=NEW)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["email"] == "gwen@example.org" and body["classes"] == ["worker"]
    _, member = person(app, a, "member")
    seen = member.get(f"/api/v1/c/{a.slug}/members").get_json()
    assert [m["display_name"] for m in seen] == ["Gwenllian Parry"]
    assert "postal_address" not in seen[0] and "email" not in seen[0]
    one = member.get(f"/api/v1/c/{a.slug}/members/{body['id']}").get_json()
    assert "postal_address" not in one and one["joined_on"] == "2025-01-15"
    page = member.client.get(f"/c/{a.slug}/members/").get_data(as_text=True)
    assert "Gwenllian Parry" in page and "Bangor" not in page
    detail = member.client.get(f"/c/{a.slug}/members/{body['id']}").get_data(as_text=True)
    assert "Bangor" not in detail and "gwen@example.org" not in detail
    assert "Bangor" in admin.client.get(f"/c/{a.slug}/members/{body['id']}").get_data(
        as_text=True)
    # Co-op B's register is its own.
    other = signed_in(app, admin_b)
    assert other.get(f"/api/v1/c/{b.slug}/members").get_json() == []
    assert other.get(f"/api/v1/c/{a.slug}/members/{body['id']}").status_code == 404
    with coop_session(b) as session:
        assert session.scalar(select(func.count(Member.id))) == 0


def test_roles_member_gets_403_and_other_coop_gets_404(app, two_coops):
    (a, _), (b, _) = two_coops
    _, member = person(app, a, "member")
    assert member.post(f"/api/v1/c/{a.slug}/members", json=NEW).status_code == 403
    assert member.post(f"/api/v1/c/{a.slug}/proposals", json={
        "title": "x", "kind": "ordinary"}).status_code == 403
    assert member.client.get(f"/c/{a.slug}/members/new").status_code == 403
    assert member.client.get(f"/c/{a.slug}/members/register.csv").status_code == 403
    assert member.client.get(f"/c/{a.slug}/governance/new").status_code == 403
    for path in ("/api/v1/c/{}/members", "/api/v1/c/{}/ballots", "/api/v1/c/{}/proposals",
                 "/api/v1/c/{}/member-classes", "/c/{}/members/", "/c/{}/governance/",
                 "/c/{}/members/classes"):
        assert member.client.get(path.format(a.slug)).status_code == 200, path
        assert member.client.get(path.format(b.slug)).status_code == 404, path
    assert member.post(f"/api/v1/c/{b.slug}/members", json=NEW).status_code == 404


def test_register_csv_has_the_statutory_columns_and_only_this_coop(
        app, two_coops, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    client_a = signed_in(app, admin_a)
    client_b = signed_in(app, admin_b)
    client_a.post(f"/api/v1/c/{a.slug}/members", json=NEW)
    left = client_a.post(f"/api/v1/c/{a.slug}/members", json=dict(
        NEW, display_name="=HYPERLINK(1)", email=None, postal_address=None)).get_json()
    assert client_a.patch(f"/api/v1/c/{a.slug}/members/{left['id']}",
                          json={"left_on": "2025-06-30"}).status_code == 200
    client_b.post(f"/api/v1/c/{b.slug}/members", json=dict(
        NEW, display_name="Only In B", classes=["dp_holder"]))
    response = client_a.client.get(f"/c/{a.slug}/members/register.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Name", "Postal address", "Date admitted", "Date ceased",
                       "Shares held", "Class(es)"]
    assert rows[1] == ["Gwenllian Parry", "1 Stryd Fawr\nBangor LL57 1AA", "2025-01-15", "",
                       "1", "Worker member"]
    assert rows[2][0] == "'=HYPERLINK(1)" and rows[2][3] == "2025-06-30"
    assert len(rows) == 3 and "Only In B" not in response.get_data(as_text=True)


def test_pages_add_edit_and_mark_left(app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    client = signed_in(app, admin_a).client
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    bad = client.post(f"/c/{a.slug}/members/new", data={
        "csrf_token": token, "display_name": "", "joined_on": "2025-02-30",
        "shares_held": "1"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "govuk-error-summary" in page
    assert 'href="#display_name"' in page and 'href="#joined_on"' in page
    good = client.post(f"/c/{a.slug}/members/new", data={
        "csrf_token": token, "display_name": "Dylan Rees", "joined_on": "2025-02-03",
        "shares_held": "1", "classes": ["worker"]})
    assert good.status_code == 302
    member_id = int(good.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    early = client.post(f"/c/{a.slug}/members/{member_id}/leave",
                        data={"csrf_token": token, "left_on": "2024-01-01"})
    assert early.status_code == 422 and 'href="#left_on"' in early.get_data(as_text=True)
    assert client.post(f"/c/{a.slug}/members/{member_id}/leave", data={
        "csrf_token": token, "left_on": "2025-12-31"}).status_code == 302
    assert client.get(f"/c/{a.slug}/members/{member_id}/edit").status_code == 200
    with coop_session(a) as session:
        assert str(session.get(Member, member_id).left_on) == "2025-12-31"
    with coop_session(b) as session:
        assert session.get(Member, member_id) is None
    with coop_session(a) as session:
        worker = class_id(session, "worker")
    form = client.post(f"/c/{a.slug}/members/classes/{worker}/edit", data={
        "csrf_token": token, "voting": "no", "vote_cap_pct": "10", "min_shares": "1",
        "eligibility_en": "x", "eligibility_cy": "y"})
    assert form.status_code == 422 and 'href="#vote_cap_pct"' in form.get_data(as_text=True)
    assert client.get(f"/c/{a.slug}/members/classes").status_code == 200
