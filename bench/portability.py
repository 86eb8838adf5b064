"""Portability benchmark: export (and import) a co-op with 100 workers, 500 members and
52 weeks of rota.

Run it from the project folder::

    .venv/bin/python -m bench.portability                    # both stores
    .venv/bin/python -m bench.portability --store sqlite

Each store is a fresh scratch store (bench.tenancy), dropped at the end. One co-op is
provisioned the way the app does it, a second one beside it (it must not travel), the
data set is bulk-inserted, then ``coopfed coop export`` is timed, followed by
``coopfed coop import`` of that archive under a new slug. Target: export ≤ 30 s.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from bench.tenancy import (
    create_admin,
    log,
    machine_line,
    make_app,
    provision_dp_pool,
    scratch_store,
    store_arguments,
)

TARGET_EXPORT = 30.0
WORKERS, MEMBERS, CLIENTS, WEEKS, VISITS_PER_WORKER_WEEK = 100, 500, 150, 52, 25
MONDAY = date(2025, 3, 3)
SKILLS = ("personal_care", "medication", "dementia", "moving_handling", "hoist", "domestic")


def seed(app, coop_id: int, slug: str, seed_value: int = 15) -> int:
    """Bulk-insert members, workers, clients and 52 weeks of visits; returns the visit count."""
    from sqlalchemy import insert, select

    from tenants.clients.models import Client
    from tenants.context import bind_tenant, finish_tenant_session, tenant_session
    from tenants.members.models import Member, MemberClass, MemberClassLink
    from tenants.rota.models import Visit, VisitSkill
    from tenants.store import TenantRef
    from tenants.workforce.models import Worker, WorkerSkill

    rng = random.Random(seed_value)
    with app.app_context():
        bind_tenant(TenantRef(coop_id, slug))
        session = tenant_session()
        class_id = session.scalar(select(MemberClass.id).order_by(MemberClass.id))
        session.execute(insert(Member), [{
            "display_name": f"Member {i:03d}", "email": f"member{i}@example.org",
            "postal_address": f"{i} Heol y Bont, Caerdydd", "joined_on": date(2020, 1, 1),
            "shares_held": 1} for i in range(MEMBERS)])
        member_ids = list(session.scalars(select(Member.id).order_by(Member.id)))
        session.execute(insert(MemberClassLink), [{"member_id": m, "class_id": class_id}
                                                  for m in member_ids])
        session.execute(insert(Worker), [{
            "display_name": f"Worker {i:03d}", "started_on": date(2020, 1, 1),
            "scw_registration_number": f"SCW{i:05d}", "scw_expires_on": date(2030, 1, 1),
            "dbs_certificate_date": date(2025, 1, 1), "dbs_update_service": True,
            "welsh_level": rng.choice(("none", "learner", "conversational", "fluent")),
            "contracted_hours": 37, "wt_opt_out": False} for i in range(WORKERS)])
        worker_ids = list(session.scalars(select(Worker.id).order_by(Worker.id)))
        session.execute(insert(WorkerSkill), [{"worker_id": w, "skill": s} for w in worker_ids
                                              for s in rng.sample(SKILLS, 3)])
        session.execute(insert(Client), [{
            "display_name": f"Client {i:03d}", "funding_source": "direct_payment",
            "age_band": "75-84", "la_code": "W06000015", "preferred_language": "en"}
            for i in range(CLIENTS)])
        client_ids = list(session.scalars(select(Client.id).order_by(Client.id)))
        total = 0
        for week in range(WEEKS):
            rows = []
            for w in worker_ids:
                for n in range(VISITS_PER_WORKER_WEEK):
                    day = MONDAY + timedelta(weeks=week, days=n % 7)
                    start = datetime.combine(day, clock(7)) + timedelta(minutes=40 * (n // 7))
                    rows.append({"client_id": rng.choice(client_ids), "worker_id": w,
                                 "starts_at": start, "ends_at": start + timedelta(minutes=30),
                                 "status": "completed", "travel_minutes": 10,
                                 "welsh_required": n % 15 == 0})
            session.execute(insert(Visit), rows)
            total += len(rows)
        visit_ids = list(session.scalars(select(Visit.id)))
        session.execute(insert(VisitSkill), [{"visit_id": v, "skill": rng.choice(SKILLS)}
                                             for v in visit_ids if v % 3 == 0])
        finish_tenant_session(commit=True)
    return total


def run_store(kind: str, workdir: Path) -> dict:
    """Seed a fresh store of ``kind``; time the export and the import."""
    from core.db import db
    from services.portability.importer import import_coop
    from services.portability.service import do_export_to_file

    with scratch_store(kind) as scratch:
        app = make_app(scratch)
        create_admin(app)
        coop_id, slug = provision_dp_pool(app, "bench-export")
        provision_dp_pool(app, "bench-neighbour")
        started = time.perf_counter()
        visits = seed(app, coop_id, slug)
        log(f"{kind}: seeded {visits} visits in {time.perf_counter() - started:.1f}s")
        out = workdir / f"{kind}.zip"
        with app.app_context():
            started = time.perf_counter()
            manifest = do_export_to_file(slug, str(out))
            db.session.commit()
            export_s = time.perf_counter() - started
        with app.app_context():
            started = time.perf_counter()
            result = import_coop(out, slug="bench-imported")
            import_s = time.perf_counter() - started
        rows = sum(sum(group.values()) for group in manifest["counts"].values())
        return {"store": kind, "visits": visits, "rows": rows, "export_s": export_s,
                "import_s": import_s, "imported_rows": result.rows,
                "mb": out.stat().st_size / 1e6, "parts": len(manifest["parts"])}


def main(argv=None) -> int:
    """Run the benchmark and print the figures per store."""
    _args, kinds = store_arguments(__doc__.splitlines()[0], argv)
    print(f"# co-op export: {WORKERS} workers, {MEMBERS} members, {CLIENTS} clients, "
          f"{WEEKS} weeks × {VISITS_PER_WORKER_WEEK} visits per worker")
    print(machine_line())
    ok = True
    with tempfile.TemporaryDirectory(prefix="coopfed-bench-export-") as workdir:
        for kind in kinds:
            r = run_store(kind, Path(workdir))
            passed = r["export_s"] <= TARGET_EXPORT
            ok &= passed
            print(f"{kind:8} export {r['export_s']:6.1f} s  ({r['rows']} rows, {r['parts']} "
                  f"parts, {r['mb']:.1f} MB)  import {r['import_s']:6.1f} s "
                  f"({r['imported_rows']} rows)  target export ≤ {TARGET_EXPORT:.0f} s: "
                  f"{'PASS' if passed else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
