"""The co-op's rules (notice, proxies, year end, share value) as settings, on two co-ops."""

from __future__ import annotations

from tenants.governance import meetings
from tests.tenants.members.helpers import person, signed_in


def test_admin_sets_the_rules_bad_input_names_the_field_and_others_keep_theirs(
        app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    admin = signed_in(app, admin_a)
    url = f"/api/v1/c/{a.slug}/society-rules"
    assert admin.get(url).get_json()["proxies_allowed"] is False
    bad = admin.patch(url, json={"financial_year_end": "13-01", "proxy_limit": 0})
    assert bad.status_code == 422
    assert sorted(bad.get_json()["errors"]) == ["financial_year_end", "proxy_limit"]
    feb = admin.patch(url, json={"financial_year_end": "02-30"})
    assert feb.status_code == 422 and list(feb.get_json()["errors"]) == ["financial_year_end"]
    good = admin.patch(url, json={"proxies_allowed": True, "proxy_limit": 3,
                                  "financial_year_end": "03-31"})
    assert good.status_code == 200 and good.get_json()["proxy_limit"] == 3
    _, coordinator = person(app, a, "coordinator")
    assert coordinator.patch(url, json={"proxy_limit": 9}).status_code == 403
    assert coordinator.get(url).get_json()["financial_year_end"] == "03-31"
    page = admin.client
    token = page.get("/api/v1/session").get_json()["csrf_token"]
    form = {"csrf_token": token, "meeting_notice_clear_days": "21", "proxies_allowed": "no",
            "proxy_limit": "2", "financial_year_end": "31-03", "agm_within_months": "6",
            "share_value_pence": "100"}
    refused = page.post(f"/c/{a.slug}/governance/rules", data=form)
    assert refused.status_code == 422
    assert 'href="#financial_year_end"' in refused.get_data(as_text=True)
    saved = page.post(f"/c/{a.slug}/governance/rules",
                      data=dict(form, financial_year_end="03-31"))
    assert saved.status_code == 302
    with coop_session(a) as session:
        assert meetings.society_rules(session)["meeting_notice_clear_days"] == 21
        assert meetings.rule(session, "proxies_allowed") is False
    with coop_session(b) as session:
        assert meetings.society_rules(session) == meetings.RULE_DEFAULTS
