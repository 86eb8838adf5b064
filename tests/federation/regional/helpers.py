"""Published cells for tests, written straight into the release tables, and the people
who read them: an analyst for Gwent and an API client for an area.

Every call makes a new release with the next version, so it is the latest published
one while the test that made it runs, whatever other tests left behind.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select

from core.db import db
from core.timeutil import utcnow
from federation.oauth.service import do_register_client
from federation.regional.models import AnalystGrant
from services.stats.models import StatsCell, StatsRelease
from tenants.vocabulary import AGE_BANDS

WALES = "W92000004"
GWENT = "gwent"
CAERPHILLY = "W06000018"  # in Gwent
NEWPORT = "W06000022"  # in Gwent
CARDIFF = "W06000015"  # in Cardiff and Vale, outside Gwent
BASE = {WALES: 50000, GWENT: 12000, CAERPHILLY: 4000, NEWPORT: 3000, CARDIFF: 9000}
PERIODS = {"month": ("2026-01", "2026-02", "2026-03"), "week": ("2026-W01", "2026-W02")}
MEASURES = ("care_hours", "clients")
# (geography, measure, period kind, period) of total cells that are suppressed, and why.
SUPPRESSED_TOTALS = {
    (CAERPHILLY, "clients", "month", "2026-02"): "low_count",
    (CAERPHILLY, "care_hours", "month", "2026-02"): "linked_person_cell",
    (NEWPORT, "clients", "month", "2026-03"): "few_coops",
}
# Age bands that are suppressed in every breakdown, and why.
SUPPRESSED_BANDS = {"18-24": "low_count", "25-44": "secondary"}


@dataclass
class Published:
    """What was published: the release and every cell's (value, status, reason)."""

    release_id: int
    version: int
    cells: dict[tuple, tuple[int | None, str, str | None]] = field(default_factory=dict)

    def total(self, geography, measure, kind, period):
        return self.cells[(geography, measure, kind, period, "", "")]


def _value(geography: str, measure: str, index: int, band: int | None = None) -> int:
    base = BASE[geography] + (7 if measure == "clients" else 0) * 10 + index * 10
    return base if band is None else base // 10 + band * 5


def publish_cells(app) -> Published:
    """A published release of total and age-band cells for five geographies."""
    with app.app_context():
        version = (db.session.scalar(select(func.max(StatsRelease.version))) or 0) + 1
        release = StatsRelease(version=version, status="published", progress=100,
                               finished_at=utcnow(), input_digest=secrets.token_hex(32),
                               output_digest=secrets.token_hex(32))
        db.session.add(release)
        db.session.flush()
        published = Published(release.id, version)
        rows = []
        for geography, kind in ((WALES, "wales"), (GWENT, "rpb"), (CAERPHILLY, "la"),
                                (NEWPORT, "la"), (CARDIFF, "la")):
            for measure in MEASURES:
                for period_kind, periods in PERIODS.items():
                    for index, period in enumerate(periods):
                        reason = SUPPRESSED_TOTALS.get((geography, measure, period_kind, period))
                        cells = [("", "", _value(geography, measure, index), reason)]
                        for band_index, band in enumerate(AGE_BANDS):
                            cells.append(("age_band", band,
                                          _value(geography, measure, index, band_index),
                                          SUPPRESSED_BANDS.get(band)))
                        for breakdown, category, value, why in cells:
                            shown = why is None
                            key = (geography, measure, period_kind, period, breakdown, category)
                            published.cells[key] = (value if shown else None,
                                                    "shown" if shown else "suppressed", why)
                            rows.append(dict(
                                release_id=release.id, geography_kind=kind,
                                geography_code=geography, measure=measure,
                                period_kind=period_kind, period=period, breakdown=breakdown,
                                category=category, value=value if shown else None,
                                status="shown" if shown else "suppressed", reason=why))
        db.session.execute(StatsCell.__table__.insert(), rows)
        release.cell_count = len(rows)
        db.session.commit()
        return published


def make_analyst(app, make_account, area_kind: str = "rpb", area: str = GWENT):
    """An account with an analyst grant for one area."""
    account = make_account()
    with app.app_context():
        db.session.add(AnalystGrant(account_id=account.id, area_kind=area_kind, area=area))
        db.session.commit()
    return account


def make_client(app, area_kind: str = "rpb", area: str = GWENT) -> tuple[str, str]:
    """A registered API client for one area: (client_id, client_secret)."""
    with app.app_context():
        client, secret = do_register_client(f"Test body {secrets.token_hex(3)}", area_kind,
                                            area, actor_account_id=None)
        db.session.commit()
        return client.client_id, secret


def bearer(client, client_id: str, secret: str) -> dict:
    """Headers with a fresh token, fetched from the token endpoint through the test client."""
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=(client_id, secret))
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}
