"""Issue 13's demo must-show, read as the Gwent analyst reads it: through the portal.

The demo release (named and open co-ops in Gwent) gives the Gwent analyst co-ops by type,
people supported (rounded to 5) and care hours for Gwent in every quarter, and at least
half of the RPB × quarter cells of the main measures, read through the portal's CSV of
each selection (the same cells as its table).
"""

from __future__ import annotations

import csv
import io
from datetime import date

from core.db import db
from federation.regional.models import AnalystGrant
from services.stats import demo
from services.stats.cells import MEASURE_BREAKDOWNS
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, create_account

MAIN = ("clients", "care_hours", "visits", "workers", "members")


def test_the_gwent_analyst_sees_the_demo_release_for_gwent(isolated_app):
    app = isolated_app()
    with app.app_context():
        demo.seed(date.today())
        db.session.commit()
    analyst = create_account(app)
    with app.app_context():
        db.session.add(AnalystGrant(account_id=analyst.id, area_kind="rpb", area="gwent"))
        db.session.commit()
    client = app.test_client()
    assert sign_in(client, analyst.email, PASSWORD).status_code == 302

    def read(measure, breakdown="none"):
        response = client.get(
            "/regional/statistics.csv",
            query_string={
                "geography": "gwent",
                "measure": measure,
                "period_kind": "quarter",
                "breakdown": breakdown,
            },
        )
        assert response.status_code == 200, (measure, breakdown)
        return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    # People supported, rounded, and care hours, for Gwent in every quarter.
    for measure in ("clients", "care_hours"):
        lines = read(measure)
        assert lines and all(line["status"] == "shown" for line in lines), lines
        assert all(int(line["value"]) % (5 if measure == "clients" else 10) == 0 for line in lines)
    # Co-ops by type: the people each type supports in Gwent.
    by_type = read("clients", "coop_type")
    shown = {line["category"] for line in by_type if line["status"] == "shown"}
    assert {"worker", "user_led", "multi_stakeholder"} <= shown, by_type
    # At least half of the RPB × quarter cells of the main measures, breakdowns included.
    cells = [
        line
        for measure in MAIN
        for breakdown in MEASURE_BREAKDOWNS[measure]
        for line in read(measure, breakdown or "none")
    ]
    published = sum(line["status"] == "shown" for line in cells)
    print(f"demo release through the portal: Gwent RPB x quarter {published}/{len(cells)}")
    assert published * 2 >= len(cells), (published, len(cells))
