"""The stats API for regional bodies' own tools, at /api/v1/stats (OAuth2 bearer tokens).

It serves exactly the published cells of the latest release inside the token's area,
and nothing else: no raw rollups, no co-op, no custom date range. A session cookie
counts for nothing here; every route needs a bearer token with the ``stats:read``
scope, issued by ``/oauth/token`` to a client registered for an area.
"""

from __future__ import annotations

import json
import math

import marshmallow as ma
from authlib.integrations.flask_oauth2 import current_token
from flask import request
from flask_smorest import Blueprint

from federation.api import api as coopfed_api
from federation.oauth.models import STATS_READ
from federation.oauth.server import require_oauth
from federation.regional import service
from services.stats import cells as fixed
from services.stats import query as stats
from tenants.web import UTCDateTime

SECURITY_SCHEME = "regionalOAuth2"
SECURITY = [{SECURITY_SCHEME: [STATS_READ]}]

api = Blueprint("stats_api", __name__, url_prefix="/api/v1/stats",
                description="Published, disclosure-controlled statistics for regional bodies. "
                            "Fixed cells only: a geography inside the client's area, a measure, "
                            "a kind of period, optionally one whole period, and at most one "
                            "breakdown.")


@api.record_once
def _document_security(_state) -> None:
    """Describe the OAuth2 client-credentials flow once the app's OpenAPI spec exists."""
    components = coopfed_api.spec.components
    if SECURITY_SCHEME not in components.security_schemes:
        components.security_scheme(SECURITY_SCHEME, {
            "type": "oauth2",
            "description": "Client credentials of a regional body's registered tool; the "
                           "token reads only cells inside the client's area.",
            "flows": {"clientCredentials": {"tokenUrl": "/oauth/token",
                                            "scopes": {STATS_READ: "Read published cells"}}},
        })


def _parameter(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"in": "query", "name": name, "required": required, "description": description,
            "schema": schema}


CELL_PARAMETERS = [
    _parameter("geography", "'W92000004' (Wales), an RPB code such as 'gwent', or an LA's ONS "
               "code; inside the client's area. Default: the client's area.",
               {"type": "string"}),
    _parameter("measure", "What is counted.", {"type": "string", "enum": list(fixed.MEASURES)},
               required=True),
    _parameter("period_kind", "Kind of period.",
               {"type": "string", "enum": list(fixed.PERIOD_KINDS)}, required=True),
    _parameter("period", "One whole period of that kind (2026-W05, 2026-01, 2026-Q1, 2026). "
               "Default: every published period. There are no custom date ranges.",
               {"type": "string"}),
    _parameter("breakdown", "At most one breakdown. Default: totals only.",
               {"type": "string", "enum": list(fixed.BREAKDOWNS)}),
    _parameter("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
    _parameter("page_size", "Cells per page (default 100).",
               {"type": "integer", "minimum": 1, "maximum": stats.PAGE_SIZE_MAX}),
]


class ReleaseSchema(ma.Schema):
    version = ma.fields.Integer(required=True)
    published_at = UTCDateTime(attribute="finished_at")


class CellSchema(ma.Schema):
    geography_kind = ma.fields.String(required=True)
    geography_code = ma.fields.String(required=True)
    measure = ma.fields.String(required=True)
    period_kind = ma.fields.String(required=True)
    period = ma.fields.String(required=True)
    breakdown = ma.fields.String(required=True, metadata={"description": "'' for totals"})
    category = ma.fields.String(required=True, metadata={"description": "'' for totals"})
    value = ma.fields.Integer(allow_none=True, required=True,
                              metadata={"description": "null when suppressed"})
    status = ma.fields.String(required=True, metadata={"enum": ["shown", "suppressed"]})
    reason = ma.fields.String(allow_none=True, required=True,
                              metadata={"enum": list(fixed.REASONS)})


class CellsSchema(ma.Schema):
    release = ma.fields.Nested(ReleaseSchema, required=True)
    cells = ma.fields.List(ma.fields.Nested(CellSchema), required=True)


class MeasureSchema(ma.Schema):
    measure = ma.fields.String(required=True)
    period_kinds = ma.fields.List(ma.fields.String(), required=True)
    breakdowns = ma.fields.List(ma.fields.String(), required=True)


class BreakdownSchema(ma.Schema):
    breakdown = ma.fields.String(required=True)
    categories = ma.fields.List(ma.fields.String(), required=True)


class GeographySchema(ma.Schema):
    kind = ma.fields.String(required=True)
    code = ma.fields.String(required=True)


class CatalogueSchema(ma.Schema):
    release = ma.fields.Nested(ReleaseSchema, allow_none=True, required=True)
    geographies = ma.fields.List(ma.fields.Nested(GeographySchema), required=True)
    measures = ma.fields.List(ma.fields.Nested(MeasureSchema), required=True)
    breakdowns = ma.fields.List(ma.fields.Nested(BreakdownSchema), required=True)
    period_kinds = ma.fields.List(ma.fields.String(), required=True)


class UsefulnessRowSchema(ma.Schema):
    geography_kind = ma.fields.String(required=True)
    measure = ma.fields.String(required=True)
    cells = ma.fields.Integer(required=True)
    shown = ma.fields.Integer(required=True)
    share = ma.fields.Float(required=True, metadata={"description": "shown / cells, 0-1"})


class UsefulnessSchema(ma.Schema):
    release = ma.fields.Nested(ReleaseSchema, required=True)
    share = ma.fields.Float(allow_none=True, required=True,
                            metadata={"description": "published share of every cell"})
    by_geography_and_measure = ma.fields.List(ma.fields.Nested(UsefulnessRowSchema),
                                              required=True)
    named_coops = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "co-ops in the client's area that this release names: their "
                       "directory entry was published when it was built"})


def _token_areas() -> list[tuple[str, str]]:
    client = current_token.client
    return [(client.area_kind, client.area)]


def _refusals(view):
    """Document the problems every route may answer with."""
    for status, name in ((401, "UNAUTHORIZED"), (403, "FORBIDDEN"),
                         (422, "UNPROCESSABLE_ENTITY")):
        view = api.alt_response(status, response=name)(view)
    return view


@api.get("/catalogue")
@require_oauth(STATS_READ)
@api.doc(security=SECURITY, parameters=[])
@_refusals
@api.response(200, CatalogueSchema)
def catalogue():
    """The fixed cells on offer and the geographies this client may read."""
    stats.refuse_parameters(request.args)
    return {"release": stats.latest_release(),
            "geographies": service.geographies_for(_token_areas()), **stats.catalogue()}


@api.get("/cells")
@require_oauth(STATS_READ)
@api.doc(security=SECURITY, parameters=CELL_PARAMETERS)
@_refusals
@api.alt_response(404, response="NOT_FOUND")
@api.response(200, CellsSchema, headers={"X-Pagination": {
    "description": "total, total_pages, page, first_page, last_page, previous_page, next_page",
    "schema": {"type": "string"}}})
def cells():
    """Published cells of the latest release for one geography, measure and kind of period."""
    client = current_token.client
    default = stats.Geography(client.area_kind, client.area)
    query, page, page_size = stats.parse_paged_query(request.args, default_geography=default)
    service.check_within(query, _token_areas(), client_id=client.id, ip=request.remote_addr)
    release = stats.require_release()
    total = stats.count_cells(release, query)
    found = stats.read_cells(release, query, page=page, page_size=page_size)
    return {"release": release, "cells": found}, 200, {
        "X-Pagination": json.dumps(_pagination(total, page, page_size))}


def _pagination(total: int, page: int, page_size: int) -> dict:
    """The same header flask-smorest's pagination sends on the other lists."""
    pages = max(1, math.ceil(total / page_size))
    header = {"total": total, "total_pages": pages, "first_page": 1, "last_page": pages,
              "page": page}
    if page > 1:
        header["previous_page"] = page - 1
    if page < pages:
        header["next_page"] = page + 1
    return header


@api.get("/usefulness")
@require_oauth(STATS_READ)
@api.doc(security=SECURITY, parameters=[])
@_refusals
@api.alt_response(404, response="NOT_FOUND")
@api.response(200, UsefulnessSchema)
def usefulness():
    """How much the latest release publishes: the share of its cells shown, by geography
    kind and measure, and the co-ops in the client's area it names."""
    stats.refuse_parameters(request.args)
    release = stats.require_release()
    rows = service.release_usefulness([release.id])[release.id]
    return {"release": release, "share": service.overall_share(rows),
            "by_geography_and_measure": rows,
            "named_coops": service.named_coops(release.id, _token_areas())}
