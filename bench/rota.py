"""Rota benchmark: the co-op's week view with 300 workers, 500 clients and 6,000 visits a week.

Run it from the project folder::

    .venv/bin/python -m bench.rota                      # both stores
    .venv/bin/python -m bench.rota --store sqlite --requests 50

Each store is a fresh scratch store (a temporary instance folder; on PostgreSQL a scratch
database and app role), dropped at the end, even on error. One co-op is provisioned the
way the app does it; the data set is bulk-inserted into it; then the rota week page (and,
for comparison, one worker's week) is fetched through the Flask test client, signed in
as the co-op's admin. Target: p95 ≤ 200 ms for the week page on both stores.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

from bench.tenancy import (
    ADMIN_EMAIL,
    PASSWORD,
    create_admin,
    log,
    machine_line,
    make_app,
    provision_dp_pool,
    scratch_store,
    store_arguments,
    summary,
)

TARGET_P95 = 0.200
WORKERS, CLIENTS, VISITS = 300, 500, 6000
MONDAY = date(2026, 3, 2)
SKILLS = ("personal_care", "medication", "dementia", "moving_handling", "hoist", "domestic")


def seed(app, coop_id: int, slug: str, seed_value: int = 7) -> None:
    """Bulk-insert workers, clients and a week of visits (5% unassigned) in one transaction."""
    from sqlalchemy import insert, select

    from tenants.clients.models import Client
    from tenants.context import bind_tenant, finish_tenant_session, tenant_session
    from tenants.rota.models import Visit, VisitSkill
    from tenants.store import TenantRef
    from tenants.workforce.models import Worker, WorkerSkill

    rng = random.Random(seed_value)
    with app.app_context():
        bind_tenant(TenantRef(coop_id, slug))
        session = tenant_session()
        session.execute(insert(Worker), [{
            "display_name": f"Worker {i:03d}", "started_on": date(2020, 1, 1),
            "scw_registration_number": f"SCW{i:05d}", "scw_expires_on": date(2030, 1, 1),
            "dbs_certificate_date": date(2025, 1, 1) if i % 25 else date(2020, 1, 1),
            "dbs_update_service": bool(i % 25), "welsh_level": rng.choice(
                ("none", "learner", "conversational", "fluent")),
            "contracted_hours": 37, "wt_opt_out": i % 10 == 0} for i in range(WORKERS)])
        worker_ids = list(session.scalars(select(Worker.id).order_by(Worker.id)))
        session.execute(insert(WorkerSkill), [
            {"worker_id": w, "skill": s} for w in worker_ids
            for s in rng.sample(SKILLS, 3)])
        session.execute(insert(Client), [{
            "display_name": f"Client {i:03d}", "funding_source": "direct_payment",
            "age_band": "75-84", "la_code": "W06000015"} for i in range(CLIENTS)])
        client_ids = list(session.scalars(select(Client.id).order_by(Client.id)))
        rows = []
        per_worker = VISITS // WORKERS  # 20 visits each: about 3 a day, 7 days
        for n in range(VISITS):
            day = MONDAY + timedelta(days=n % 7)
            worker = worker_ids[(n // per_worker) % WORKERS]
            start = datetime.combine(day, clock(7)) + timedelta(minutes=30 * rng.randrange(28))
            rows.append({"client_id": rng.choice(client_ids),
                         "worker_id": None if n % 20 == 0 else worker,
                         "starts_at": start, "ends_at": start + timedelta(minutes=45),
                         "status": "scheduled", "travel_minutes": 10,
                         "welsh_required": n % 15 == 0})
        session.execute(insert(Visit), rows)
        visit_ids = list(session.scalars(select(Visit.id)))
        session.execute(insert(VisitSkill), [{"visit_id": v, "skill": rng.choice(SKILLS)}
                                             for v in visit_ids if v % 3 == 0])
        finish_tenant_session(commit=True)


def timed(client, path: str, count: int, warmup: int) -> dict:
    """Fetch ``path`` ``warmup`` times untimed, then ``count`` times timed."""
    for _ in range(warmup):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return summary(times)


def run_store(kind: str, requests: int, warmup: int) -> dict:
    """Build the data set on a fresh store of ``kind`` and time the pages."""
    with scratch_store(kind) as scratch:
        app = make_app(scratch)
        create_admin(app)
        coop_id, slug = provision_dp_pool(app, "bench-rota", "Bench rota co-op")
        started = time.perf_counter()
        seed(app, coop_id, slug)
        log(f"{kind}: seeded {VISITS} visits in {time.perf_counter() - started:.1f}s")
        client = app.test_client()
        token_page = client.get("/signin").get_data(as_text=True)
        token = token_page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"')[0]
        signed = client.post("/signin", data={"email": ADMIN_EMAIL, "password": PASSWORD,
                                              "csrf_token": token})
        assert signed.status_code == 302, signed.status_code
        week = MONDAY.isoformat()
        page = client.get(f"/c/{slug}/rota/?week={week}&day=0").get_data(as_text=True)
        shown = page.count('class="govuk-table__row"') - 9
        week_url = f"/c/{slug}/rota/?week={week}&day=0"
        worker_url = f"/c/{slug}/rota/workers/2?week={week}"
        result = {"store": kind, "rows_on_page": shown,
                  "week_plain": timed(client, week_url, requests, warmup),
                  "worker_week_plain": timed(client, worker_url, requests, warmup)}
        # As a gunicorn worker does after start-up (deploy/gunicorn.conf.py): freeze the
        # warmed heap so that full garbage collections stop walking it.
        gc.collect()
        gc.freeze()
        try:
            result["week"] = timed(client, week_url, requests, warmup)
            result["worker_week"] = timed(client, worker_url, requests, warmup)
        finally:
            gc.unfreeze()
        return result


def main(argv=None) -> int:
    """Run the benchmark and print p50/p95 per store."""
    args, kinds = store_arguments(__doc__.splitlines()[0], argv, requests=40, warmup=5)
    print(f"# rota week view: {WORKERS} workers, {CLIENTS} clients, {VISITS} visits a week")
    print(machine_line())
    ok = True
    for kind in kinds:
        result = run_store(kind, args.requests, args.warmup)
        for page in ("week_plain", "worker_week_plain", "week", "worker_week"):
            figures = result[page]
            label = page if "plain" in page else f"{page} (frozen)"
            print(f"{kind:8} {label:24} p50 {figures['p50'] * 1000:6.1f} ms  "
                  f"p95 {figures['p95'] * 1000:6.1f} ms  max {figures['max'] * 1000:6.1f} ms"
                  f"  (n={figures['n']})")
        passed = result["week"]["p95"] <= TARGET_P95
        ok &= passed
        print(f"{kind:8} week page rows shown: {result['rows_on_page']} · target p95 ≤ "
              f"{TARGET_P95 * 1000:.0f} ms: {'PASS' if passed else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
