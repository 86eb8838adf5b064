"""The stats API serves fixed cells only: every other request is a 422 naming the parameter,
with nothing served. Paging and the catalogue work on what remains.
"""

from __future__ import annotations

import json

import pytest

from tests.federation.regional.helpers import (
    CAERPHILLY,
    GWENT,
    NEWPORT,
    bearer,
    make_client,
    publish_cells,
)

GOOD = {"geography": GWENT, "measure": "clients", "period_kind": "month"}

# (case, query parameters, the parameter the problem names)
BAD = [
    ("custom range: from/to", dict(GOOD, **{"from": "2026-01-01", "to": "2026-02-15"}), "from"),
    ("custom range: start", dict(GOOD, start="2026-01-01"), "start"),
    ("custom range: end_date", dict(GOOD, end_date="2026-03-01"), "end_date"),
    ("custom range: since", dict(GOOD, since="2026-01"), "since"),
    ("a day as the period", dict(GOOD, period="2026-01-15"), "period"),
    ("a range as the period", dict(GOOD, period="2026-01..2026-03"), "period"),
    ("a range with a slash", dict(GOOD, period="2026-01/2026-03"), "period"),
    ("a week given for months", dict(GOOD, period="2026-W05"), "period"),
    ("a week that does not exist", dict(GOOD, period_kind="week", period="2026-W60"), "period"),
    ("filter on a co-op", dict(GOOD, coop="gofal-gwynedd"), "coop"),
    ("filter on a co-op id", dict(GOOD, coop_id="3"), "coop_id"),
    ("filter on a co-op type", dict(GOOD, coop_type="worker"), "coop_type"),
    ("filter on a slug", dict(GOOD, slug="powys-elders"), "slug"),
    ("filter on an organisation", dict(GOOD, organisation="x"), "organisation"),
    ("unknown breakdown", dict(GOOD, breakdown="postcode"), "breakdown"),
    ("breakdown by co-op", dict(GOOD, breakdown="coop"), "breakdown"),
    ("two breakdowns, comma", dict(GOOD, breakdown="age_band,language"), "breakdown"),
    ("two breakdowns, plus", dict(GOOD, breakdown="age_band+language"), "breakdown"),
    ("unknown parameter", dict(GOOD, colour="blue"), "colour"),
    ("unknown measure", dict(GOOD, measure="profit"), "measure"),
    ("no measure", {"geography": GWENT, "period_kind": "month"}, "measure"),
    ("unknown period kind", dict(GOOD, period_kind="fortnight"), "period_kind"),
    ("lending by month", dict(GOOD, measure="hours_lent_in"), "period_kind"),
    ("breakdown the measure lacks", dict(GOOD, measure="members", breakdown="age_band"),
     "breakdown"),
    ("unknown geography", dict(GOOD, geography="E09000001"), "geography"),
    ("page zero", dict(GOOD, page="0"), "page"),
    ("page size too big", dict(GOOD, page_size="100000"), "page_size"),
    ("NUL in a value", dict(GOOD, measure="clients\x00"), "measure"),
]


@pytest.fixture(scope="module")
def token_headers(app):
    publish_cells(app)
    client_id, secret = make_client(app)
    return bearer(app.test_client(), client_id, secret)


@pytest.mark.parametrize(("case", "params", "named"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_422_naming_it_with_nothing_served(client, token_headers, case, params,
                                                          named):
    response = client.get("/api/v1/stats/cells", query_string=params, headers=token_headers)
    # Read, but a parameter is wrong: 422 (docs/architecture.md, "400 or 422"); NUL bytes
    # are refused before any view, for every route, as 422 too (core.security).
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert named in body["errors"], body
    assert "cells" not in body and "release" not in body


def test_two_breakdowns_as_repeated_parameters(client, token_headers):
    response = client.get("/api/v1/stats/cells?geography=gwent&measure=clients"
                          "&period_kind=month&breakdown=age_band&breakdown=language",
                          headers=token_headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["breakdown"] == ["Choose at most one breakdown."]


def test_every_fault_is_named_at_once(client, token_headers):
    response = client.get("/api/v1/stats/cells", headers=token_headers, query_string={
        "measure": "clients", "period_kind": "month", "coop": "x", "from": "2026-01-01",
        "breakdown": "shoe_size", "page": "0"})
    assert response.status_code == 422
    assert {"coop", "from", "breakdown", "page"} <= set(response.get_json()["errors"])


def test_a_good_query_serves_the_fixed_cells_with_paging(app, client, token_headers):
    published = publish_cells(app)
    response = client.get("/api/v1/stats/cells", headers=token_headers, query_string={
        "geography": NEWPORT, "measure": "clients", "period_kind": "month",
        "breakdown": "age_band", "page_size": "5", "page": "2"})
    assert response.status_code == 200
    paging = json.loads(response.headers["X-Pagination"])
    assert paging["total"] == 3 * 6 and paging["page"] == 2 and paging["total_pages"] == 4
    cells = response.get_json()["cells"]
    assert len(cells) == 5
    for cell in cells:
        key = (NEWPORT, "clients", "month", cell["period"], "age_band", cell["category"])
        assert (cell["value"], cell["status"], cell["reason"]) == published.cells[key]
        assert cell["breakdown"] == "age_band"


def test_one_period_and_the_default_geography(app, client, token_headers):
    published = publish_cells(app)
    response = client.get("/api/v1/stats/cells", headers=token_headers, query_string={
        "measure": "care_hours", "period_kind": "week", "period": "2026-W02"})
    assert response.status_code == 200
    [cell] = response.get_json()["cells"]
    assert (cell["geography_code"], cell["period"]) == (GWENT, "2026-W02")
    assert cell["value"] == published.total(GWENT, "care_hours", "week", "2026-W02")[0]


def test_catalogue_lists_the_fixed_cells_and_the_area(client, token_headers):
    response = client.get("/api/v1/stats/catalogue", headers=token_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert {g["code"] for g in body["geographies"]} == {
        GWENT, CAERPHILLY, NEWPORT, "W06000019", "W06000020", "W06000021"}
    assert "coop" not in {b["breakdown"] for b in body["breakdowns"]}
    refused = client.get("/api/v1/stats/catalogue?coop_id=1", headers=token_headers)
    assert refused.status_code == 422 and "coop_id" in refused.get_json()["errors"]


def test_the_document_lists_422_not_400_for_the_stats_routes(client):
    """The routes read only the query string: a wrong parameter is 422, and nothing they
    read can be unreadable, so the document does not promise a 400."""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    stats_paths = {path: ops for path, ops in paths.items() if "/stats/" in path}
    assert {"cells", "catalogue"} <= {path.rsplit("/", 1)[-1] for path in stats_paths}
    for path in ("cells", "catalogue"):
        [operation] = [ops["get"] for p, ops in stats_paths.items() if p.endswith(f"/{path}")]
        assert "422" in operation["responses"] and "400" not in operation["responses"], path
