"""Role sweep of the register (CCBS Act 2014 s.103, UK GDPR Art. 9), on two co-ops.

Members and workers see names on the register, but not other members' shareholdings or
classes that reveal care; each member sees their own entry in full; admins and
coordinators, who keep the register, see everything: on the page, the CSV and the API.
"""

from __future__ import annotations

import pytest

from tenants.members import service as members
from tests.tenants.members.helpers import person

# Distinctive shareholdings, so that a number on a page can only be that holding.
CARED_FOR_SHARES, INVESTOR_SHARES, OWN_SHARES = 4711, 8123, 3917


@pytest.fixture
def registers(app, make_coop, coop_session):
    """Co-op A (multi-stakeholder) with a cared-for member, an investor and the viewer's
    own entry; co-op B (user-led) with a service user. Returns a viewer factory."""
    a, _ = make_coop(coop_type="multi_stakeholder")
    b, _ = make_coop(coop_type="user_led")
    viewers = {role: person(app, a, role) for role in ("admin", "coordinator", "member",
                                                        "worker")}
    with coop_session(a) as session:
        def add(name, classes, shares, account=None):
            member = members.create_member(session, {
                "display_name": name, "joined_on": members.date(2024, 5, 1),
                "classes": classes, "shares_held": shares,
                "postal_address": f"{name}, Aberystwyth"}, actor_account_id=None)
            member.account_id = account
            return member.id

        ids = {"cared": add("Bryn Cared", ["cared_for"], CARED_FOR_SHARES),
               "investor": add("Ceri Investor", ["investor"], INVESTOR_SHARES),
               "own": add("Dafydd Viewer", ["active_older", "cared_for"], OWN_SHARES,
                          viewers["member"][0].id)}
    with coop_session(b) as session:
        members.create_member(session, {
            "display_name": "Only In B", "joined_on": members.date(2024, 5, 1),
            "classes": ["service_user"], "shares_held": 1}, actor_account_id=None)
    return a, b, viewers, ids


@pytest.mark.parametrize("role", ["admin", "coordinator", "member", "worker"])
def test_register_role_sweep(registers, role):
    a, b, viewers, ids = registers
    _account, api = viewers[role]
    keeper = role in ("admin", "coordinator")
    # -- the page ---------------------------------------------------------------------
    page = api.client.get(f"/c/{a.slug}/members/").get_data(as_text=True)
    for name in ("Bryn Cared", "Ceri Investor", "Dafydd Viewer"):
        assert name in page
    assert "Only In B" not in page
    assert (str(INVESTOR_SHARES) in page) is keeper
    assert (str(CARED_FOR_SHARES) in page) is keeper
    assert "Investor member" in page  # not a care label: everyone sees it
    if role == "member":
        # Their own entry shows their shares and their own care-related class.
        assert str(OWN_SHARES) in page and "Cared-for member" in page
        assert page.count("Cared-for member") == 1
    else:
        assert (str(OWN_SHARES) in page) is keeper
        assert ("Cared-for member" in page) is keeper
    detail = api.client.get(f"/c/{a.slug}/members/{ids['cared']}").get_data(as_text=True)
    assert "Bryn Cared" in detail
    assert ("Cared-for member" in detail) is keeper
    assert (str(CARED_FOR_SHARES) in detail) is keeper
    # -- the CSV ----------------------------------------------------------------------
    csv = api.client.get(f"/c/{a.slug}/members/register.csv")
    if keeper:
        body = csv.get_data(as_text=True)
        assert csv.status_code == 200
        assert str(CARED_FOR_SHARES) in body and "Cared-for member" in body
        assert "Only In B" not in body
    else:
        assert csv.status_code == 403  # the register's export is for its keepers
    # -- the API ----------------------------------------------------------------------
    listed = {m["display_name"]: m for m in api.get(f"/api/v1/c/{a.slug}/members").get_json()}
    assert set(listed) == {"Bryn Cared", "Ceri Investor", "Dafydd Viewer"}
    cared, investor, own = (listed["Bryn Cared"], listed["Ceri Investor"],
                            listed["Dafydd Viewer"])
    assert investor["classes"] == ["investor"]
    if keeper:
        assert cared["shares_held"] == CARED_FOR_SHARES and cared["classes"] == ["cared_for"]
        assert investor["shares_held"] == INVESTOR_SHARES
    else:
        assert "shares_held" not in cared and "shares_held" not in investor
        assert cared["classes"] == []
    if keeper or role == "member":
        assert own["shares_held"] == OWN_SHARES
        assert own["classes"] == ["active_older", "cared_for"]
    else:
        assert "shares_held" not in own and own["classes"] == ["active_older"]
    one = api.get(f"/api/v1/c/{a.slug}/members/{ids['cared']}").get_json()
    assert ("shares_held" in one) is keeper and ("cared_for" in one["classes"]) is keeper
    # Nobody in A reaches B's register.
    assert api.get(f"/api/v1/c/{b.slug}/members").status_code == 404
