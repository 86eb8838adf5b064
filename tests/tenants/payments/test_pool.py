"""The Direct Payment pool: idempotent postings, statements that add up, CSV, and who may
see which statement, on two co-ops."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tenants.payments.models import DpPoolEntry, DpPoolMember
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, add_member
from tests.tenants.rota.helpers import count, make_client, make_member, make_visit

PROBLEM = "application/problem+json"


@pytest.fixture
def pool(coops, coop_session, api_client, app, make_account):
    """A pool member (with a signed-in account) in the DP co-op, and another in each co-op."""
    (other, other_admin), (dp, admin) = coops
    person = make_account()
    add_member(app, dp, person, "member")
    with coop_session(other) as session:
        other_member = make_member(session)
        session.add(DpPoolMember(member_id=other_member, weekly_budget=Decimal("10"),
                               hourly_rate=Decimal("10"), starts_on=datetime(2026, 1, 1)))
    with coop_session(dp) as session:
        member_id = make_member(session, account_id=person.id)
        neighbour_id = make_member(session)
        client_id = make_client(session)
    api = api_client(admin)
    created = api.post(f"/api/v1/c/{dp.slug}/pool/members", json={
        "member_id": member_id, "client_id": client_id, "weekly_budget": "300.00",
        "hourly_rate": "20.00", "starts_on": "2026-06-01"})
    assert created.status_code == 201, created.get_json()
    neighbour = api.post(f"/api/v1/c/{dp.slug}/pool/members", json={
        "member_id": neighbour_id, "weekly_budget": "100", "hourly_rate": "20",
        "starts_on": "2026-06-01"}).get_json()
    return {"app": app, "dp": dp, "admin": admin, "api": api, "person": person,
            "client_id": client_id, "id": created.get_json()["id"],
            "neighbour": neighbour["id"], "other": other, "other_admin": other_admin}


def completed(session, client_id, start: datetime, minutes: int, **values) -> int:
    return make_visit(session, client_id, start, minutes, status="completed", **values)


def test_posting_twice_changes_nothing(pool, coop_session):
    dp, api = pool["dp"], pool["api"]
    with coop_session(dp) as session:
        completed(session, pool["client_id"], datetime(2026, 6, 2, 9), 90)
        make_visit(session, pool["client_id"], datetime(2026, 6, 3, 9), 60)  # not completed
    first = api.post(f"/api/v1/c/{dp.slug}/pool/post", json={"week": "2026-06-04"})
    assert first.get_json() == {"budget_credits": 2, "care_debits": 1}
    with coop_session(dp) as session:
        before = session.execute(select(DpPoolEntry.kind, DpPoolEntry.amount, DpPoolEntry.hours)
                                 .order_by(DpPoolEntry.id)).all()
    again = api.post(f"/api/v1/c/{dp.slug}/pool/post", json={"week": "2026-06-01"})
    assert again.get_json() == {"budget_credits": 0, "care_debits": 0}
    with coop_session(dp) as session:
        after = session.execute(select(DpPoolEntry.kind, DpPoolEntry.amount, DpPoolEntry.hours)
                                .order_by(DpPoolEntry.id)).all()
    assert after == before
    assert sorted(map(tuple, before))[-1] == ("care", Decimal("-30.00"), Decimal("1.50"))


def test_statement_adds_up_and_csv_has_the_columns(pool, coop_session):
    dp, api, ident = pool["dp"], pool["api"], pool["id"]
    with coop_session(dp) as session:
        completed(session, pool["client_id"], datetime(2026, 6, 2, 9), 60)  # week 1
        # week 2: planned 2 h, actually 1.75 h
        completed(session, pool["client_id"], datetime(2026, 6, 9, 9), 120,
                  actual_start=datetime(2026, 6, 9, 9), actual_end=datetime(2026, 6, 9, 10, 45))
        completed(session, pool["client_id"], datetime(2026, 6, 16, 9), 30)  # week 3
    for week in ("2026-06-01", "2026-06-08", "2026-06-15"):
        assert api.post(f"/api/v1/c/{dp.slug}/pool/post", json={"week": week}).status_code == 200
    adjusted = api.post(f"/api/v1/c/{dp.slug}/pool/members/{ident}/adjustments",
                        json={"amount": "-12.50", "entry_date": "2026-06-17",
                              "description": "Mileage"})
    assert adjusted.status_code == 201
    body = api.get(f"/api/v1/c/{dp.slug}/pool/members/{ident}/statement"
                   "?from=2026-06-08&to=2026-06-21").get_json()
    assert body["opening_balance"] == "280.00"  # 300 budget − 1 h × 20
    assert (body["budget_received"], body["care_hours"], body["care_cost"],
            body["adjustments"]) == ("600.00", "2.25", "45.00", "-12.50")
    assert body["closing_balance"] == "822.50" == str(
        Decimal(body["opening_balance"]) + Decimal(body["budget_received"])
        - Decimal(body["care_cost"]) + Decimal(body["adjustments"]))
    assert [w["week_starting"] for w in body["weeks"]] == ["2026-06-08", "2026-06-15"]
    with coop_session(dp) as session:
        ledger = session.scalar(select(func.sum(DpPoolEntry.amount)).where(
            DpPoolEntry.pool_member_id == ident))
    assert Decimal(body["closing_balance"]) == ledger
    month = api.get(f"/api/v1/c/{dp.slug}/pool/members/{ident}/statement?month=2026-06")
    assert month.get_json()["opening_balance"] == "0.00"
    assert month.get_json()["closing_balance"] == "822.50"
    page = _signed_in_page(pool, pool["admin"],
                           f"/c/{dp.slug}/pool/{ident}/statement.csv?from=2026-06-08&to=2026-06-21")
    assert page.status_code == 200 and page.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(page.get_data(as_text=True))))
    assert rows[0] == ["line", "week_starting", "budget_received", "care_hours", "care_cost",
                       "adjustments", "balance"]
    assert rows[1][0] == "opening" and rows[1][-1] == "280.00"
    assert [r[0] for r in rows[2:]] == ["week", "week", "closing"]
    assert rows[-1] == ["closing", "2026-06-21", "600.00", "2.25", "45.00", "-12.50", "822.50"]


def _signed_in_page(pool, account, path):
    """GET a page as ``account``, signed in through the form."""
    client = pool["app"].test_client()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    return client.get(path)


@pytest.mark.parametrize(("body", "field"), [
    ({"period": "x"}, "period"),
    ({"weekly_budget": "300", "hourly_rate": "20"}, "member_id"),
    ({"member_id": "one", "weekly_budget": "300", "hourly_rate": "20"}, "member_id"),
    ({"member_id": 1, "weekly_budget": "lots", "hourly_rate": "20"}, "weekly_budget"),
    ({"member_id": 1, "weekly_budget": "300", "hourly_rate": "0"}, "hourly_rate"),
    ({"member_id": 1, "weekly_budget": "300", "hourly_rate": "NaN"}, "hourly_rate"),
    ({"member_id": 1, "weekly_budget": "300", "hourly_rate": "20", "starts_on": "\x00"},
     "starts_on"),
    ({"member_id": 1, "weekly_budget": "300", "hourly_rate": "20", "starts_on": "2026-06-02",
      "ends_on": "2026-06-01"}, "ends_on"),
])
def test_bad_pool_member_refused(pool, coop_session, body, field):
    dp = pool["dp"]
    with coop_session(dp) as session:
        before = count(session, DpPoolMember)
    response = pool["api"].post(f"/api/v1/c/{dp.slug}/pool/members", json=body)
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == PROBLEM
    assert field in response.get_json()["errors"], response.get_json()
    with coop_session(dp) as session:
        assert count(session, DpPoolMember) == before


@pytest.mark.parametrize(("path", "body", "field"), [
    ("adjustments", {"amount": "5"}, "description"),
    ("adjustments", {"amount": "five", "description": "x"}, "amount"),
    ("adjustments", {"amount": "0", "description": "x"}, "amount"),
    ("adjustments", {"amount": "5", "description": "a\x00"}, "description"),
    ("post", {}, "week"),
    ("post", {"week": "next"}, "week"),
])
def test_bad_ledger_input_refused(pool, coop_session, path, body, field):
    dp = pool["dp"]
    url = (f"/api/v1/c/{dp.slug}/pool/members/{pool['id']}/adjustments" if path == "adjustments"
           else f"/api/v1/c/{dp.slug}/pool/post")
    with coop_session(dp) as session:
        before = count(session, DpPoolEntry)
    response = pool["api"].post(url, json=body)
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == PROBLEM
    assert field in response.get_json()["errors"], response.get_json()
    with coop_session(dp) as session:
        assert count(session, DpPoolEntry) == before


def test_statement_period_must_be_whole_weeks(pool):
    dp, ident = pool["dp"], pool["id"]
    response = pool["api"].get(f"/api/v1/c/{dp.slug}/pool/members/{ident}/statement"
                               "?from=2026-06-02&to=2026-06-14")
    assert response.status_code == 422 and "from" in response.get_json()["errors"]


def test_member_sees_only_their_own_statement(pool, api_client):
    dp = pool["dp"]
    member = api_client(pool["person"])
    own = member.get(f"/api/v1/c/{dp.slug}/pool/members/{pool['id']}/statement?month=2026-06")
    assert own.status_code == 200
    other = member.get(f"/api/v1/c/{dp.slug}/pool/members/{pool['neighbour']}/statement"
                       "?month=2026-06")
    assert other.status_code == 404
    assert member.get(f"/api/v1/c/{dp.slug}/pool/members").status_code == 403
    assert member.post(f"/api/v1/c/{dp.slug}/pool/post",
                       json={"week": "2026-06-01"}).status_code == 403
    page = _signed_in_page(pool, pool["person"], f"/c/{dp.slug}/pool/")
    assert page.status_code == 302 and page.location.endswith(f"/pool/{pool['id']}/statement")
    assert _signed_in_page(pool, pool["person"],
                           f"/c/{dp.slug}/pool/{pool['neighbour']}/statement").status_code == 404


def test_one_coop_cannot_see_anothers_pool(pool, api_client):
    dp, other = pool["dp"], pool["other"]
    outsider = api_client(pool["other_admin"])
    assert outsider.get(f"/api/v1/c/{dp.slug}/pool/members").status_code == 404
    assert outsider.get(f"/api/v1/c/{dp.slug}/pool/members/{pool['id']}/statement"
                        "?month=2026-06").status_code == 404
    listed = outsider.get(f"/api/v1/c/{other.slug}/pool/members").get_json()
    assert {m["weekly_budget"] for m in listed} == {"10.00"}


def test_pool_page_and_navigation(pool):
    dp, other = pool["dp"], pool["other"]
    page = _signed_in_page(pool, pool["admin"], f"/c/{dp.slug}/pool/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Direct Payment pool" in html and "£300.00" in html
    other_home = _signed_in_page(pool, pool["other_admin"], f"/c/{other.slug}/")
    assert "Direct Payment pool" not in other_home.get_data(as_text=True)
