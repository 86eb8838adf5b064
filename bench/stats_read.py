"""Stats read benchmark: the regional dashboard and the stats API at 1,000 co-ops × 52 weeks.

Run it from the project folder::

    .venv/bin/python -m bench.stats_read                    # both stores
    .venv/bin/python -m bench.stats_read --store sqlite --requests 100

Each store is a fresh scratch store, dropped at the end. Two published releases are
bulk-inserted straight into ``stats_cells`` at the volume a year of 1,000 co-ops
publishes: Wales, 7 RPBs and 22 LAs × every week, month, quarter and year of 2026 ×
every measure × its breakdowns' categories (lending by quarter and year only), with
a fifth of the cells suppressed. The newer release is the one read. Then, through the
Flask test client:

- the dashboard page (signed in as an analyst for all Wales): weekly care hours by age
  band for an RPB (52 rows, line chart, bars), monthly clients by need type for an LA,
  and its CSV;
- the API with a bearer token (validated on every call, as in production): one page of
  100 weekly cells by age band, and the whole year of monthly totals.

Target (DESIGN §4): p95 ≤ 50 ms on both stores.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import secrets
import sys
import time

from bench.tenancy import log, make_app, scratch_store, summary

TARGET_P95 = 0.050
YEAR = 2026
ANALYST_EMAIL = "bench-analyst@example.org"
PASSWORD = "bench-password-123"


def all_cells(release_id: int, rng: random.Random) -> list[dict]:
    """Every fixed cell of one release, as rows for a bulk insert."""
    from datetime import date, timedelta

    from services.stats import cells as fixed

    weeks = []
    day = date.fromisocalendar(YEAR, 1, 1)
    while day.isocalendar()[0] == YEAR:
        weeks.append(fixed.iso_week(day))
        day += timedelta(days=7)
    periods = {"week": weeks, "month": [f"{YEAR}-{m:02d}" for m in range(1, 13)],
               "quarter": [f"{YEAR}-Q{q}" for q in range(1, 5)], "year": [str(YEAR)]}
    rows = []
    for kind in fixed.GEOGRAPHY_KINDS:
        for code in fixed.geography_codes(kind):
            scale = {"wales": 30, "rpb": 5, "la": 1}[kind]
            for measure in fixed.MEASURES:
                for period_kind in fixed.measure_periods(measure):
                    for period in periods[period_kind]:
                        for breakdown in fixed.MEASURE_BREAKDOWNS[measure]:
                            for category in fixed.categories(breakdown):
                                suppressed = rng.random() < 0.2
                                rows.append({
                                    "release_id": release_id, "geography_kind": kind,
                                    "geography_code": code, "measure": measure,
                                    "period_kind": period_kind, "period": period,
                                    "breakdown": breakdown, "category": category,
                                    "value": None if suppressed else
                                    5 * rng.randrange(2, 400) * scale,
                                    "status": "suppressed" if suppressed else "shown",
                                    "reason": rng.choice(fixed.REASONS) if suppressed else None})
    return rows


def seed(app) -> tuple[int, int]:
    """Two published releases of every cell; returns (cells per release, the newer version)."""
    from sqlalchemy import insert

    from core.db import db
    from core.timeutil import utcnow
    from services.stats.models import StatsCell, StatsRelease, StatsReleaseUsefulness

    rng = random.Random(6)
    count = 0
    with app.app_context():
        for version in (1, 2):
            release = StatsRelease(version=version, status="published", progress=100,
                                   finished_at=utcnow(), input_digest=secrets.token_hex(32),
                                   output_digest=secrets.token_hex(32))
            db.session.add(release)
            db.session.flush()
            rows = all_cells(release.id, rng)
            for start in range(0, len(rows), 20_000):
                db.session.execute(insert(StatsCell), rows[start:start + 20_000])
            release.cell_count = count = len(rows)
            useful: dict[tuple[str, str], list[int]] = {}
            for row in rows:
                counts = useful.setdefault((row["geography_kind"], row["measure"]), [0, 0])
                counts[0] += 1
                counts[1] += row["status"] == "shown"
            db.session.execute(insert(StatsReleaseUsefulness), [
                {"release_id": release.id, "geography_kind": k, "measure": m, "cells": n,
                 "shown": shown} for (k, m), (n, shown) in sorted(useful.items())])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE federation.stats_cells")
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
    return count, 2


def people(app) -> tuple[str, str]:
    """An analyst for all Wales, and an API client for Gwent: (client_id, secret)."""
    from core.db import db
    from federation.accounts.service import do_sign_up
    from federation.oauth.service import do_register_client
    from federation.regional.models import AnalystGrant
    from services.stats.cells import WALES_CODE

    with app.app_context():
        analyst = do_sign_up(ANALYST_EMAIL, "Bench Analyst", PASSWORD, email_verified=True)
        db.session.add(AnalystGrant(account_id=analyst.id, area_kind="wales", area=WALES_CODE))
        client, secret = do_register_client("Bench RPB tool", "rpb", "gwent",
                                            actor_account_id=None)
        db.session.commit()
        return client.client_id, secret


def timed(client, path: str, count: int, warmup: int, headers=None) -> dict:
    """GET ``path`` ``warmup`` times untimed, then ``count`` times timed."""
    for _ in range(warmup):
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: "
                               f"{response.get_data(as_text=True)[:300]}")
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return summary(times)


PAGES = {
    "dashboard: RPB weekly care hours by age band":
        "/regional/?geography=gwent&measure=care_hours&period_kind=week&breakdown=age_band",
    "dashboard: LA monthly clients by need type":
        "/regional/?geography=W06000018&measure=clients&period_kind=month&breakdown=need_type",
    "dashboard: Wales weekly clients, totals":
        "/regional/?geography=W92000004&measure=clients&period_kind=week&breakdown=none",
    "dashboard CSV: RPB weekly care hours by age band":
        "/regional/statistics.csv?geography=gwent&measure=care_hours&period_kind=week"
        "&breakdown=age_band",
    "public directory (issue 13)": "/directory",
}
API = {
    "API: 100 weekly cells by age band (page 2)":
        "/api/v1/stats/cells?geography=gwent&measure=care_hours&period_kind=week"
        "&breakdown=age_band&page=2&page_size=100",
    "API: LA monthly totals":
        "/api/v1/stats/cells?geography=W06000018&measure=clients&period_kind=month",
    "API: one week by need type":
        "/api/v1/stats/cells?geography=W06000022&measure=clients&period_kind=week"
        "&period=2026-W10&breakdown=need_type",
    "API: the latest release's usefulness (issue 13)": "/api/v1/stats/usefulness",
}


def run_store(kind: str, requests: int, warmup: int) -> dict:
    """Build the releases on a fresh store of ``kind`` and time the reads."""
    with scratch_store(kind) as scratch:
        app = make_app(scratch)
        started = time.perf_counter()
        count, version = seed(app)
        log(f"{kind}: inserted 2 releases × {count:,} cells in "
            f"{time.perf_counter() - started:.1f}s")
        client_id, secret = people(app)
        browser = app.test_client()
        page = browser.get("/signin").get_data(as_text=True)
        csrf = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"')[0]
        signed = browser.post("/signin", data={"email": ANALYST_EMAIL, "password": PASSWORD,
                                               "csrf_token": csrf})
        assert signed.status_code == 302, signed.status_code
        tool = app.test_client()
        token = tool.post("/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(client_id, secret)).get_json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        check = tool.get(next(iter(API.values())), headers=headers).get_json()
        assert check["release"]["version"] == version and len(check["cells"]) == 100
        result = {"store": kind, "cells": count, "timings": {}}
        gc.collect()
        gc.freeze()  # as a gunicorn worker does after start-up (deploy/gunicorn.conf.py)
        try:
            for label, path in PAGES.items():
                result["timings"][label] = timed(browser, path, requests, warmup)
            for label, path in API.items():
                result["timings"][label] = timed(tool, path, requests, warmup, headers)
        finally:
            gc.unfreeze()
        return result


def main(argv=None) -> int:
    """Run the benchmark and print p50/p95 per read and store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    print("# stats reads: 1,000 co-ops × 52 weeks of published cells, 2 releases")
    print(f"# {platform.node()} · nproc {os.cpu_count()} · Python {platform.python_version()}"
          f" · {time.strftime('%Y-%m-%d %H:%M %Z')}")
    ok = True
    for kind in kinds:
        result = run_store(kind, args.requests, args.warmup)
        print(f"{kind}: {result['cells']:,} cells per release")
        for label, figures in result["timings"].items():
            passed = figures["p95"] <= TARGET_P95
            ok &= passed
            print(f"{kind:8} {label:52} p50 {figures['p50'] * 1000:6.1f} ms  "
                  f"p95 {figures['p95'] * 1000:6.1f} ms  max {figures['max'] * 1000:6.1f} ms"
                  f"  (n={figures['n']}) {'PASS' if passed else 'FAIL'}")
    print(f"target p95 ≤ {TARGET_P95 * 1000:.0f} ms: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
