"""Lending benchmark: top-5 matching in a pool of 30,000 workers across 1,000 co-ops.

Run it from the project folder::

    .venv/bin/python -m bench.lending                      # both stores
    .venv/bin/python -m bench.lending --store sqlite --requests 100

Each store is a fresh scratch store (bench.tenancy), dropped at the end. The federation
tables are bulk-filled directly (1,000 registry rows that join the pool, 30,000 minimal
profiles, eight committed home shifts each, and 1,000 confirmed loans): provisioning
1,000 real co-ops is not what is measured here. Then ``find_candidates`` runs for random
requests (one to three slots, random area, skills and Welsh) and its latency is timed.
Target: p95 ≤ 100 ms on both stores (DESIGN §4).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from bench.tenancy import log, machine_line, make_app, scratch_store, store_arguments, summary

TARGET_P95 = 0.100
COOPS, PER_COOP = 1000, 30
SHIFTS_PER_WORKER = 8


def seed(app, rng: random.Random, today: date) -> None:
    """Bulk-insert the registry rows, profiles, home shifts and some confirmed loans."""
    from sqlalchemy import insert, select

    from core.db import db
    from services.lending.models import LendingAgreement, LendingRequest, LendingSlot
    from services.pool.areas import centroids
    from services.pool.models import PoolProfile, PoolShift, skills_mask
    from tenants.registry.models import Coop
    from tenants.vocabulary import SKILLS

    las = list(centroids())
    skills = list(SKILLS)
    with app.app_context():
        db.session.execute(insert(Coop), [{
            "slug": f"bench-pool-{i:04d}", "name": f"Bench pool co-op {i}",
            "coop_type": "worker", "la_code": rng.choice(las), "state": "active",
            "joins_worker_pool": True} for i in range(COOPS)])
        coops = db.session.execute(select(Coop.id, Coop.la_code)).all()
        profiles = []
        for coop_id, la in coops:
            for _ in range(PER_COOP):
                home = la if rng.random() < 0.8 else rng.choice(las)
                lat, lon = centroids()[home]
                mine = rng.sample(skills, rng.randint(2, 6))
                days = rng.sample(range(7), rng.randint(3, 7))
                profiles.append({
                    "coop_id": coop_id, "worker_ref": f"{rng.getrandbits(128):032x}",
                    "skills": sorted(mine), "skills_mask": skills_mask(mine),
                    "welsh_level": rng.choice(("none", "learner", "conversational", "fluent")),
                    "la_code": home, "lat": lat, "lon": lon,
                    "travel_radius_km": rng.choice((10, 20, 30, 40, 60)),
                    "dbs_valid_from": today - timedelta(days=rng.randint(30, 1000)),
                    "dbs_valid_until": rng.choice((None, today + timedelta(days=400))),
                    "scw_status": rng.choices(("registered", "new_starter", "unregistered"),
                                              (90, 7, 3))[0],
                    "scw_valid_until": today + timedelta(days=rng.randint(-30, 700)),
                    "wt_opt_out": rng.random() < 0.1,
                    # How engaged, and whether on the DBS Update Service (issue 11).
                    "engagement": rng.choices(("employee", "dp_pa", "self_employed",
                                               "volunteer"), (85, 8, 5, 2))[0],
                    "dbs_update_service": rng.random() < 0.6,
                    "availability": [[d, "07:00", "21:00"] for d in sorted(days)],
                    "available_days": sum(1 << d for d in days),
                    "available_from_minute": 7 * 60, "available_until_minute": 21 * 60})
        for start in range(0, len(profiles), 5000):
            db.session.execute(insert(PoolProfile), profiles[start:start + 5000])
        ids = list(db.session.scalars(select(PoolProfile.id)))
        shifts = []
        for profile_id in ids:
            for _ in range(SHIFTS_PER_WORKER):
                day = today + timedelta(days=rng.randint(-14, 28))
                begin = datetime.combine(day, clock(rng.randint(7, 17)))
                shifts.append({"profile_id": profile_id, "starts_at": begin,
                               "ends_at": begin + timedelta(hours=rng.choice((1, 2, 4))),
                               "travel_minutes": rng.choice((0, 15, 30))})
        for start in range(0, len(shifts), 20000):
            db.session.execute(insert(PoolShift), shifts[start:start + 20000])
        refs = db.session.execute(select(PoolProfile.id, PoolProfile.worker_ref,
                                         PoolProfile.coop_id).limit(1000)).all()
        for profile_id, ref, lender in refs:
            borrower = coops[rng.randrange(len(coops))][0]
            if borrower == lender:
                continue
            begin = datetime.combine(today + timedelta(days=rng.randint(2, 20)), clock(9))
            request = LendingRequest(borrower_coop_id=borrower, la_code="W06000015", lat=0,
                                     lon=0, rate=Decimal("12.60"), state="filled",
                                     slots=[LendingSlot(starts_at=begin,
                                                        ends_at=begin + timedelta(hours=3))])
            db.session.add(request)
            db.session.flush()
            db.session.add(LendingAgreement(
                request_id=request.id, borrower_coop_id=borrower, lender_coop_id=lender,
                profile_id=profile_id, worker_ref=ref, rate=Decimal("12.60"),
                state="confirmed"))
        db.session.commit()
    if app.extensions["coopfed.store"].kind == "postgresql":
        # What autovacuum does after a bulk load: statistics, and the visibility map.
        with app.app_context(), db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("pool_profiles", "pool_shifts", "lending_agreements",
                          "lending_slots", "coops"):
                conn.exec_driver_sql(f"VACUUM ANALYZE federation.{table}")


def random_need(rng: random.Random, today: date, coop_ids: list[int]):
    """A random request, as the matcher reads it."""
    from services.lending.matching import Need
    from services.pool.areas import centroids
    from services.pool.models import skills_mask
    from tenants.rota.rules import Shift
    from tenants.vocabulary import SKILLS

    lat, lon = centroids()[rng.choice(list(centroids()))]
    day = today + timedelta(days=rng.randint(3, 21))
    begin = datetime.combine(day, clock(rng.randint(8, 15)))
    slots = []
    for _ in range(rng.randint(1, 3)):
        end = begin + timedelta(hours=rng.choice((1, 2, 3)))
        slots.append(Shift(begin, end))
        begin = end + timedelta(hours=1)
    return Need(borrower_coop_id=rng.choice(coop_ids), lat=lat, lon=lon,
                skills_mask=skills_mask(rng.sample(list(SKILLS), rng.randint(1, 2))),
                welsh_required=rng.random() < 0.3, slots=tuple(slots))


def run_store(kind: str, requests: int, warmup: int) -> dict:
    """Seed a fresh store of ``kind`` and time top-5 matching."""
    from sqlalchemy import func, select

    from core.db import db
    from services.lending.matching import find_candidates
    from services.pool.models import PoolProfile
    from tenants.registry.models import Coop

    rng = random.Random(5)
    today = date.today()
    with scratch_store(kind) as scratch:
        app = make_app(scratch)
        started = time.perf_counter()
        seed(app, rng, today)
        log(f"{kind}: seeded in {time.perf_counter() - started:.1f}s")
        with app.app_context():
            pool = db.session.scalar(select(func.count()).select_from(PoolProfile))
            coop_ids = list(db.session.scalars(select(Coop.id)))
            times, found = [], []
            for i in range(warmup + requests):
                need = random_need(rng, today, coop_ids)
                begin = time.perf_counter()
                result = find_candidates(need, limit=5)
                elapsed = time.perf_counter() - begin
                db.session.rollback()
                if i >= warmup:
                    times.append(elapsed)
                    found.append(len(result))
        return {"store": kind, "pool": pool, "figures": summary(times),
                "full": sum(n == 5 for n in found), "n": len(found)}


def main(argv=None) -> int:
    """Run the benchmark and print median and p95 per store."""
    args, kinds = store_arguments(__doc__.splitlines()[0], argv, requests=200, warmup=10)
    print(f"# lending match: top 5 from {COOPS * PER_COOP} pooled workers in {COOPS} co-ops")
    print(machine_line())
    ok = True
    for kind in kinds:
        result = run_store(kind, args.requests, args.warmup)
        figures = result["figures"]
        passed = figures["p95"] <= TARGET_P95
        ok &= passed
        print(f"{kind:8} pool {result['pool']}  p50 {figures['p50'] * 1000:6.1f} ms  "
              f"p95 {figures['p95'] * 1000:6.1f} ms  max {figures['max'] * 1000:6.1f} ms  "
              f"(n={figures['n']}, {result['full']} requests filled all 5) · target p95 ≤ "
              f"{TARGET_P95 * 1000:.0f} ms: {'PASS' if passed else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
