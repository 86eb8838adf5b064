"""Share transactions and the society's registers (CCBS Act 2014 s.30), on two co-ops."""

from __future__ import annotations

import csv
import importlib.util
import io
from datetime import date

from sqlalchemy import func, select

from tenants.members import service as members
from tenants.members import shares
from tenants.members.models import Member, ShareTransaction
from tests.tenants.members.helpers import person, signed_in

NEW = {"display_name": "Gwenllian Parry", "postal_address": "1 Stryd Fawr\nBangor",
       "joined_on": "2025-01-15", "shares_held": 1, "classes": ["worker"]}


def test_application_approval_payment_allotment_and_withdrawal(app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    admin = signed_in(app, admin_a)
    url = f"/api/v1/c/{a.slug}"
    member_id = admin.post(f"{url}/members", json=NEW).get_json()["id"]
    applied = admin.post(f"{url}/members/{member_id}/share-applications", json={"shares": 5})
    assert applied.status_code == 201 and applied.get_json()["state"] == "applied"
    tx = applied.get_json()["id"]
    # Paying before the committee approves is refused, and so is more than the shares' value.
    early = admin.post(f"{url}/share-transactions/{tx}/payment", json={"amount_pence": 500})
    assert early.status_code == 409
    assert admin.post(f"{url}/share-transactions/{tx}/approval", json={}).status_code == 200
    too_much = admin.post(f"{url}/share-transactions/{tx}/payment", json={"amount_pence": 501})
    assert too_much.status_code == 422 and list(too_much.get_json()["errors"]) == [
        "amount_pence"]
    assert admin.post(f"{url}/share-transactions/{tx}/payment",
                      json={"amount_pence": 500}).status_code == 200
    allotted = admin.post(f"{url}/share-transactions/{tx}/allotment", json={})
    assert allotted.get_json()["state"] == "allotted"
    account = admin.get(f"{url}/members/{member_id}/shares").get_json()
    assert (account["shares"], account["amount_paid_pence"]) == (6, 600)
    assert [t["state"] for t in account["transactions"]] == ["allotted", "allotted"]
    with coop_session(a) as session:
        # The register's figure is the derived holding.
        assert session.get(Member, member_id).shares_held == 6
        members.update_class(session, members.list_classes(session)[0].id, {"min_shares": 3},
                             actor_account_id=None)
        too_far = shares.request_withdrawal(session, member_id, 4, applied_on=date.today(),
                                            actor_account_id=None)
        try:
            shares.approve(session, too_far.id, approved_on=date.today(), actor_account_id=1)
        except Exception as exc:
            assert "at least 3 shares" in str(exc)
        else:
            raise AssertionError("a withdrawal below the class minimum was approved")
        shares.refuse(session, too_far.id, actor_account_id=1)
        everything = shares.request_withdrawal(session, member_id, 6, applied_on=date.today(),
                                               actor_account_id=None)
        shares.approve(session, everything.id, approved_on=date.today(), actor_account_id=1)
        shares.complete_withdrawal(session, everything.id, 600, completed_on=date.today(),
                                   actor_account_id=1)
        member = session.get(Member, member_id)
        assert member.shares_held == 0 == shares.holding(session, member_id).shares
        assert member.left_on == date.today()  # withdrawing every share ends membership
    # A member sees their own share account, not anyone else's.
    viewer, client = person(app, a, "member")
    assert client.get(f"{url}/members/{member_id}/shares").status_code == 403
    with coop_session(a) as session:
        own = members.create_member(session, dict(NEW, display_name="Own", joined_on=date(
            2025, 1, 1), shares_held=3), actor_account_id=None)
        own.account_id = viewer.id
        own_id = own.id
    assert client.get(f"{url}/members/{own_id}/shares").get_json()["shares"] == 3
    assert client.post(f"{url}/members/{own_id}/share-applications",
                       json={"shares": 1}).status_code == 403
    with coop_session(b) as session:
        assert session.scalar(select(func.count(ShareTransaction.id))) == 0
    assert admin.get(f"/api/v1/c/{b.slug}/members/{member_id}/shares").status_code == 404


def _officer_present() -> bool:
    return importlib.util.find_spec("tenants.officers.models") is not None


def test_registers_of_members_and_officers_in_welsh_and_english(app, two_coops, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    with coop_session(a) as session:
        gwen = members.create_member(session, {
            "display_name": "Gwenllian Parry", "postal_address": "1 Stryd Fawr",
            "joined_on": date(2025, 1, 15), "shares_held": 2, "classes": ["worker"]},
            actor_account_id=None)
        if _officer_present():
            from tenants.officers.models import Officer

            session.add(Officer(office="secretary", name="Gwenllian Parry", member_id=gwen.id,
                                appointed_on=date(2025, 2, 1)))
    with coop_session(b) as session:
        members.create_member(session, {
            "display_name": "Only In B", "joined_on": date(2025, 1, 1),
            "classes": ["dp_holder"]}, actor_account_id=None)
    client = signed_in(app, admin_a).client
    english = client.get(f"/c/{a.slug}/members/registers.csv?lang=en")
    rows = list(csv.reader(io.StringIO(english.get_data(as_text=True))))
    assert rows[0] == ["Register of members"]
    assert rows[1] == ["Name", "Address", "Date admitted", "Date ceased", "Shares held",
                       "Amount paid (£)"]
    assert rows[2] == ["Gwenllian Parry", "1 Stryd Fawr", "2025-01-15", "", "2", "2.00"]
    assert rows[4] == ["Register of officers"]
    if _officer_present():
        assert rows[5] == ["Name", "Office", "Date appointed", "Date ended"]
        assert rows[6] == ["Gwenllian Parry", "Secretary", "2025-02-01", ""]
    welsh = client.get(f"/c/{a.slug}/members/registers.csv?lang=cy").get_data(as_text=True)
    assert welsh.startswith("Cofrestr aelodau")
    assert "Only In B" not in welsh and "Only In B" not in english.get_data(as_text=True)
    page = client.get(f"/c/{a.slug}/members/registers?lang=cy")
    assert page.status_code == 200 and 'lang="cy"' in page.get_data(as_text=True)
    assert "Cofrestr aelodau" in page.get_data(as_text=True)
    _, member = person(app, a, "member")
    assert member.client.get(f"/c/{a.slug}/members/registers").status_code == 403
    assert member.client.get(f"/c/{a.slug}/members/registers.csv").status_code == 403
    other = signed_in(app, admin_b).client
    assert "Gwenllian" not in other.get(f"/c/{b.slug}/members/registers").get_data(
        as_text=True)


def test_share_account_through_the_pages(app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    with coop_session(a) as session:
        member_id = members.create_member(session, {
            "display_name": "Dilys Evans", "postal_address": "2 Heol y Bont",
            "joined_on": date(2024, 1, 1), "classes": ["worker"]}, actor_account_id=None).id
    client = signed_in(app, admin_a).client
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    base = f"/c/{a.slug}/members/{member_id}"
    bad = client.post(f"{base}/shares", data={"csrf_token": token, "kind": "application",
                                              "shares": "lots"})
    assert bad.status_code == 422 and 'href="#shares"' in bad.get_data(as_text=True)
    assert client.post(f"{base}/shares", data={"csrf_token": token, "kind": "application",
                                               "shares": "4"}).status_code == 302
    with coop_session(a) as session:
        tx = shares.transactions(session, member_id)[-1].id
    assert client.post(f"{base}/shares/{tx}/approve",
                       data={"csrf_token": token}).status_code == 302
    wrong = client.post(f"{base}/shares/{tx}/pay", data={"csrf_token": token,
                                                         f"amount-{tx}": "four pounds"})
    assert wrong.status_code == 422 and f'href="#amount-{tx}"' in wrong.get_data(as_text=True)
    assert client.post(f"{base}/shares/{tx}/pay", data={"csrf_token": token,
                                                        f"amount-{tx}": "£4.00"}).status_code == 302
    early = client.post(f"{base}/shares/{tx}/approve", data={"csrf_token": token})
    assert early.status_code == 409
    assert client.post(f"{base}/shares/{tx}/allot",
                       data={"csrf_token": token}).status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "5 shares held; £5.00 paid." in page
    with coop_session(b) as session:
        assert session.scalar(select(func.count(ShareTransaction.id))) == 0
