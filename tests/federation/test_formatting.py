"""Numbers, dates and weeks in the reader's language, and a 40% vote cap that reads "40%"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale

from core import formatting
from tenants.members.models import MemberClass
from tests.tenants.members.helpers import class_id, signed_in


@pytest.fixture
def request_ctx(app):
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize(("locale", "expected"), [
    ("cy", {"day": "6 Rhagfyr 2026", "when": "1 Gorffennaf 2026, 13:05",
            "week": "30 Tachwedd – 6 Rhagfyr 2026"}),
    ("en", {"day": "6 December 2026", "when": "1 July 2026, 13:05",
            "week": "30 November – 6 December 2026"}),
])
def test_dates_and_weeks_are_written_in_the_readers_language(request_ctx, locale, expected):
    with force_locale(locale):
        assert formatting.day(date(2026, 12, 6)) == expected["day"]
        # An instant is shown as wall-clock time in Wales (summer time: UTC+1).
        assert formatting.when(datetime(2026, 7, 1, 12, 5, tzinfo=UTC)) == expected["when"]
        assert formatting.week(date(2026, 11, 30)) == expected["week"]
        assert formatting.week(date(2026, 12, 28)).endswith(" 2026 – 3 " + (
            "Ionawr 2027" if locale == "cy" else "January 2027"))
        assert formatting.day(None) == ""


@pytest.mark.parametrize("locale", ["cy", "en"])
def test_numbers_and_percentages_never_use_scientific_notation(request_ctx, locale):
    with force_locale(locale):
        assert formatting.percent(Decimal("40")) == "40%"
        assert formatting.percent(Decimal("40.00")) == "40%"
        assert formatting.percent(Decimal("4E+1")) == "40%"
        assert formatting.percent(Decimal("12.50")) == "12.5%"
        assert formatting.number(Decimal("4E+1")) == "40"
        assert formatting.number(1234.5) == "1,234.5"
        assert formatting.number(Decimal("12.6"), places=2) == "12.60"


def test_a_forty_per_cent_vote_cap_reads_forty_per_cent_in_both_languages(
        app, two_coops, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    with coop_session(a) as session:
        worker = class_id(session, "worker")
    client = signed_in(app, admin_a)
    assert client.patch(f"/api/v1/c/{a.slug}/member-classes/{worker}",
                        json={"vote_cap_pct": "40"}).status_code == 200
    for locale, words in (("en", "at most 40% of votes"), ("cy", "40% o'r pleidleisiau")):
        client.get(f"/language/{locale}")
        for page in (f"/c/{a.slug}/members/classes", f"/c/{a.slug}/"):
            text = client.get(page).get_data(as_text=True)
            assert words in text and "4E+1" not in text, page
        form = client.get(f"/c/{a.slug}/members/classes/{worker}/edit").get_data(as_text=True)
        assert 'value="40"' in form and "4E+1" not in form
    # The other co-op's classes are untouched, and its pages show no cap.
    with coop_session(b) as session:
        assert session.query(MemberClass).filter(MemberClass.vote_cap_pct.isnot(None)).count() \
            == 0
    other = signed_in(app, admin_b)
    assert "40%" not in other.get(f"/c/{b.slug}/members/classes").get_data(as_text=True)


def test_dates_on_a_welsh_page_are_welsh_and_iso_stays_in_the_api(app, two_coops,
                                                                  coop_session):
    (a, admin_a), _ = two_coops
    client = signed_in(app, admin_a)
    created = client.post(f"/api/v1/c/{a.slug}/members", json={
        "display_name": "Gwenllian Parry", "joined_on": "2025-01-15", "classes": ["worker"]})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["joined_on"] == "2025-01-15"
    client.get("/language/cy")
    page = client.get(f"/c/{a.slug}/members/{created.get_json()['id']}").get_data(as_text=True)
    assert "15 Ionawr 2025" in page and "2025-01-15" not in page
