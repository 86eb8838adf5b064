"""The regional portal: an analyst sees the published cells of their area only, with
charts, the table, suppression explained and a CSV of the same selection.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from core.db import db
from federation.regional.models import AnalystGrant
from tests.federation.regional.helpers import (
    CAERPHILLY,
    CARDIFF,
    GWENT,
    NEWPORT,
    make_analyst,
    publish_cells,
)
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD

CELL = re.compile(r'<th scope="row" class="govuk-table__header">([^<]+)</th>(.*?)</tr>', re.S)
TD = re.compile(r'<td [^>]*data-status="(\w+)"(?: data-reason="(\w+)")?>(.*?)</td>', re.S)


@pytest.fixture
def published(app):
    return publish_cells(app)


@pytest.fixture
def analyst_client(app, client, make_account):
    analyst = make_analyst(app, make_account)
    assert sign_in(client, analyst.email, PASSWORD).status_code == 302
    return client


def table(html: str) -> dict[str, list[tuple[str, str | None, str]]]:
    """Period → [(status, reason, text)] from the page's table."""
    body = html[html.index('id="cells"'):]
    return {period: [(s, r or None, re.sub(r"<[^>]+>|\s+", " ", t).strip())
                     for s, r, t in TD.findall(cells)]
            for period, cells in CELL.findall(body)}


def test_the_form_offers_only_geographies_in_the_area(analyst_client, published):
    page = analyst_client.get("/regional/").get_data(as_text=True)
    offered = set(re.findall(r'<option value="([^"]*)"', page.split('id="measure"')[0]))
    assert offered == {GWENT, CAERPHILLY, NEWPORT, "W06000019", "W06000020", "W06000021"}
    assert CARDIFF not in offered


def test_analyst_sees_totals_with_chart_table_and_reasons(analyst_client, published):
    response = analyst_client.get("/regional/", query_string={
        "geography": CAERPHILLY, "measure": "clients", "period_kind": "month",
        "breakdown": "none"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('role="img"') == 1 and "<title id=\"series-title\">" in html
    rows = table(html)
    assert list(rows) == ["2026-01", "2026-02", "2026-03"]
    for period, [(status, reason, text)] in rows.items():
        value, want_status, want_reason = published.total(CAERPHILLY, "clients", "month", period)
        assert (status, reason) == (want_status, want_reason)
        if value is not None:
            assert text == f"{value:,}"
        else:
            assert "Hidden" in text and "Small count" in text
    assert "Fewer than 8 people are counted here" in html


def test_breakdown_shows_bars_and_every_category(analyst_client, published):
    html = analyst_client.get("/regional/", query_string={
        "geography": GWENT, "measure": "care_hours", "period_kind": "week",
        "breakdown": "age_band"}).get_data(as_text=True)
    assert html.count('role="img"') == 2  # the time series and the bars
    rows = table(html)
    assert list(rows) == ["2026-W01", "2026-W02"]
    first = rows["2026-W01"]
    assert [(s, r) for s, r, _ in first[:2]] == [("suppressed", "low_count"),
                                                 ("suppressed", "secondary")]
    band = published.cells[(GWENT, "care_hours", "week", "2026-W01", "age_band", "45-64")]
    assert first[2][2] == f"{band[0]:,}"
    assert "Protects another cell" in html and "cannot be worked out" in html


def test_welsh_page(analyst_client, published):
    analyst_client.get("/language/cy?next=/")
    html = analyst_client.get("/regional/", query_string={
        "geography": CAERPHILLY, "measure": "clients", "period_kind": "month"}
    ).get_data(as_text=True)
    assert 'lang="cy"' in html
    assert "Caerffili" in html


def test_outside_the_area_nothing_is_served(analyst_client, published):
    response = analyst_client.get("/regional/", query_string={
        "geography": CARDIFF, "measure": "clients", "period_kind": "month"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'id="cells"' not in html and "Choose a geography inside your area" in html
    csv_response = analyst_client.get("/regional/statistics.csv", query_string={
        "geography": CARDIFF, "measure": "clients", "period_kind": "month"})
    assert csv_response.status_code == 403 and csv_response.mimetype == "text/html"


# (case, query, the field the message sits beside, or None for a parameter the form lacks)
BAD = [
    ("custom range", {"from": "2026-01-01", "to": "2026-03-31"}, None),
    ("day as period", {"period": "2026-01-15"}, "period"),
    ("co-op filter", {"coop": "gofal-gwynedd"}, None),
    ("co-op type filter", {"coop_type": "worker"}, None),
    ("unknown breakdown", {"breakdown": "postcode"}, "breakdown"),
    ("two breakdowns", {"breakdown": "age_band,language"}, "breakdown"),
    ("unknown parameter", {"colour": "blue"}, None),
]


@pytest.mark.parametrize(("case", "extra", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_422_with_a_message_and_no_table(analyst_client, published, case, extra,
                                                       field):
    query = {"geography": GWENT, "measure": "clients", "period_kind": "month", **extra}
    response = analyst_client.get("/regional/", query_string=query)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="cells"' not in html and 'role="img"' not in html
    assert "There is a problem" in html
    if field:
        assert f'id="{field}-error"' in html
    else:
        name = next(iter(extra))
        assert f"<code>{name}</code>" in html
    assert analyst_client.get("/regional/statistics.csv",
                              query_string=query).status_code == 422


def test_two_breakdowns_repeated(analyst_client, published):
    response = analyst_client.get("/regional/?geography=gwent&measure=clients&period_kind=month"
                                  "&breakdown=age_band&breakdown=language")
    assert response.status_code == 422
    assert 'id="breakdown-error"' in response.get_data(as_text=True)


def test_csv_matches_the_table_and_is_formula_safe(analyst_client, published):
    query = {"geography": NEWPORT, "measure": "clients", "period_kind": "month",
             "breakdown": "age_band"}
    html = analyst_client.get("/regional/", query_string=query).get_data(as_text=True)
    rows = table(html)
    response = analyst_client.get("/regional/statistics.csv", query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(lines) == sum(len(cells) for cells in rows.values()) == 18
    bands = ("18-24", "25-44", "45-64", "65-74", "75-84", "85+")
    for line in lines:
        status, reason, text = rows[line["period"]][bands.index(line["category"])]
        assert (line["status"], line["reason"] or None) == (status, reason)
        assert line["value"] == ("" if status == "suppressed" else text.replace(",", ""))
        assert all(not v.startswith(("=", "+", "-", "@")) for v in line.values())


def test_csv_safe_escapes_formulas():
    from federation.regional.views import csv_safe

    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_safe("-1") == "'-1"
    assert csv_safe(12) == "12"


def test_people_without_a_grant_get_404(app, client, make_account, published):
    other = make_account()
    assert sign_in(client, other.email, PASSWORD).status_code == 302
    for path in ("/regional/", "/regional/?geography=gwent&measure=clients&period_kind=month",
                 "/regional/statistics.csv?geography=gwent&measure=clients&period_kind=month"):
        assert client.get(path).status_code == 404, path


def test_signed_out_people_are_asked_to_sign_in(client, published):
    response = client.get("/regional/")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_an_la_analyst_sees_only_their_la(app, client, make_account, published):
    analyst = make_analyst(app, make_account, "la", NEWPORT)
    sign_in(client, analyst.email, PASSWORD)
    assert client.get("/regional/", query_string={
        "geography": GWENT, "measure": "clients", "period_kind": "month"}).status_code == 403
    ok = client.get("/regional/", query_string={
        "geography": NEWPORT, "measure": "clients", "period_kind": "month"})
    assert ok.status_code == 200
    with app.app_context():
        assert db.session.query(AnalystGrant).filter_by(account_id=analyst.id).count() == 1
