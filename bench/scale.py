"""Scale benchmark (issue 16): thousands of co-ops on one PostgreSQL, and the batched DDL.

Run it from the project folder::

    .venv/bin/python -m bench.scale --coops 10000 --procs 2   # the full run (over an hour)
    .venv/bin/python -m bench.scale --coops 10000 --procs 2 --stop-provisioning-at 07:57
    .venv/bin/python -m bench.scale --coops 500               # smoke run
    .venv/bin/python -m bench.scale --ddl-compare 150         # inline DDL: create_all vs batch

The scale run works on a scratch database and scratch roles (``bench.tenancy``'s
``scratch_store``), all dropped at the end, even on error, and then checked gone:

1. provisions ``--coops`` co-ops through ``tenants.provisioning.provision(coop_id)``, the
   warm pool off (each store built inline, so the DDL meets the growing catalogue every
   time) unless ``--pool`` is given; the registry row is written before the clock starts.
   ``--procs 2`` runs two processes side by side, each co-op still timed on its own;
   the tenths are taken in the order the co-ops started.
2. migrate-all with nothing to do, then adding one column to every co-op (a copied tenant
   tree plus one revision, as ``bench.tenancy`` does), in a process started then, so it
   runs ``tenants/migrate.py`` as it is on disk at that point;
3. the catalogue's size (row counts and ``pg_total_relation_size`` of the catalogue
   tables, the database size), and the backup and restore of one co-op: ``pg_dump -Fc -n
   coop_<id>`` restored with ``pg_restore`` into a fresh scratch database, and the
   project's own ``coop export`` / ``coop import`` archive.

``--stop-provisioning-at HH:MM`` (UTC) starts no co-op after that time; the report then
says how many of the co-ops asked for were provisioned.

``--ddl-compare N`` provisions 2×N co-ops in one scratch store per store kind,
alternating the tables built by ``metadata.create_all`` (as before issue 16; the bench
swaps ``create_schema_tables`` for it) and by the precompiled batch.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.tenancy import (
    _admin_engine,
    add_revision,
    close_app,
    copy_tree,
    create_admin,
    log,
    machine_line,
    make_app,
    migrate_noop,
    ms,
    percentile,
    provision_one,
    scratch_store,
    summary,
    tree_head,
)
from core.ddl import PG_APPEND_ONLY_FUNCTION

TARGETS = {"tenth_ratio": 1.2, "migrate_noop": 2.0, "migrate_column": 150.0}
CATALOGUE_TABLES = ("pg_class", "pg_attribute", "pg_namespace", "pg_depend", "pg_constraint",
                    "pg_index", "pg_type", "pg_attrdef", "pg_trigger", "pg_sequence",
                    "pg_authid", "pg_auth_members", "pg_shdepend", "pg_default_acl")


def load() -> str:
    """The load averages now, as uptime shows them."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


# -- provisioning, in one or more processes ----------------------------------------------


def _provision_slice(config: dict, numbers: list[int], admin_id: int, label: str,
                     stop_at: float | None = None) -> list:
    """In a child process: an app on the scratch store, and ``provision`` for each number
    until ``stop_at`` (epoch seconds) has passed; [(started at, seconds, number, coop id,
    slug)]."""
    from federation.app import create_app

    app = create_app(config)
    results = []
    try:
        for n, number in enumerate(numbers, 1):
            started = time.time()
            if stop_at is not None and started > stop_at:
                log(f"  {label}: time is up after {n - 1} co-ops")
                break
            elapsed, coop_id, slug = provision_one(app, number, admin_id)
            results.append((started, elapsed, number, coop_id, slug))
            if n % 500 == 0:
                recent = [r[1] for r in results[-500:]]
                log(f"  {label}: {n}/{len(numbers)} provisioned; last 500 p50 "
                    f"{ms(statistics.median(recent))} p95 {ms(percentile(recent, 95))}; "
                    f"load {load()}")
    finally:
        close_app(app)
    return results


def provision_all(config: dict, count: int, procs: int, admin_id: int,
                  stop_at: float | None = None) -> dict:
    """Provision ``count`` co-ops in ``procs`` processes (apps made from ``config``), none
    started after ``stop_at``; per-tenth figures (by start time)."""
    started = time.perf_counter()
    if procs <= 1:
        results = _provision_slice(config, list(range(1, count + 1)), admin_id, "p0", stop_at)
    else:
        slices = [list(range(1 + k, count + 1, procs)) for k in range(procs)]
        with ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_provision_slice, config, s, admin_id, f"p{k}", stop_at)
                       for k, s in enumerate(slices)]
            results = [r for f in futures for r in f.result()]
    wall = time.perf_counter() - started
    results.sort()
    times = [r[1] for r in results]
    tenth = len(times) // 10
    tenths = [summary(times[k * tenth:(k + 1) * tenth]) for k in range(10)]
    return {"n": len(times), "asked": count, "procs": procs, "wall": wall, "all": summary(times),
            "tenths": [{"p50": t["p50"], "p95": t["p95"]} for t in tenths],
            "ratio": tenths[-1]["p50"] / tenths[0]["p50"],
            "refs": [(r[3], r[4]) for r in results]}


# -- migrate-all ------------------------------------------------------------------------------


def _migrate_in_fresh_process(config: dict, workdir: str, workers: int, column: bool) -> dict:
    """migrate-all with nothing to do, then (``column``) one column added, in a process
    started now: it runs ``tenants.migrate`` as it is on disk at this point, not as it was
    when the (hour-long) run began."""
    from federation.app import create_app

    app = create_app(config)
    try:
        out = {"git": _git_state()}
        noop_load = load()
        out["migrate_noop"] = {"seconds": migrate_noop(app, 3), "load_before": noop_load,
                               "load_after": load()}
        log(f"migrate-all no-op: {out['migrate_noop']['seconds']}")
        if column:
            out["migrate_column"] = migrate_column_all(app, Path(workdir), workers)
            log(f"migrate-all +column: {out['migrate_column']}")
        return out
    finally:
        close_app(app)


def _git_state() -> str:
    """The commit the code was read at, and whether tenants/migrate.py had local edits."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent.parent).stdout.strip()

    dirty = git("status", "--short", "--", "tenants/migrate.py")
    return git("log", "-1", "--format=%h %s")[:80] + (f" (+ {dirty})" if dirty else "")


def migrate_column_all(app, workdir: Path, workers: int) -> dict:
    """Add one nullable column to every co-op with a copied tree plus one revision."""
    from tenants.migrate import migrate_all

    tree = copy_tree(workdir / "tree")
    down = tree_head(tree)
    revision = f"{int(down) + 1:04d}" if down.isdigit() else "scale001"
    add_revision(tree, revision, down, "scale_note")
    app.config["TENANT_MIGRATIONS_PATH"] = str(tree)
    load_before = load()
    report = migrate_all(app, workers=workers, federation=False)
    return {"seconds": report.seconds, "upgraded": len(report.upgraded),
            "failed": len(report.failed), "errors": list(report.failed.values())[:3],
            "workers": workers, "load_before": load_before, "load_after": load()}


# -- catalogue, backup and restore ------------------------------------------------------------


def catalogue_size(owner_url: str) -> dict:
    """Row counts and on-disk sizes of the catalogue tables, and the database's size."""
    engine = create_engine(owner_url)
    try:
        with engine.connect() as conn:
            tables = {}
            for name in CATALOGUE_TABLES:
                rows = conn.scalar(text(f"SELECT count(*) FROM pg_catalog.{name}"))
                size = conn.scalar(text("SELECT pg_total_relation_size(CAST(:t AS regclass))"),
                                   {"t": f"pg_catalog.{name}"})
                tables[name] = {"rows": rows, "bytes": size}
            all_catalogue = conn.scalar(text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r'"))
            database = conn.scalar(text("SELECT pg_database_size(current_database())"))
            schemas = conn.scalar(text(
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'coop\\_%'"))
    finally:
        engine.dispose()
    return {"tables": tables, "catalogue_bytes": int(all_catalogue), "database_bytes": database,
            "coop_schemas": schemas}


def _pg_env(url: str) -> tuple[list[str], dict]:
    """libpq arguments and environment for ``url``."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432),
            "-U", parsed.username or "postgres"]
    return args, env


def backup_restore(scratch, coop_id: int, workdir: Path) -> dict:
    """pg_dump of one co-op's schema (custom format), restored into a fresh database."""
    owner = make_url(scratch.owner_url)
    libpq_url = owner.set(drivername="postgresql").render_as_string(hide_password=False)
    args, env = _pg_env(libpq_url)
    dump = workdir / f"coop_{coop_id}.dump"
    t0 = time.perf_counter()
    subprocess.run(["pg_dump", *args, "-Fc", "-n", f"coop_{coop_id}", "-f", str(dump),
                    owner.database], env=env, check=True)
    dump_seconds = time.perf_counter() - t0
    restore_db = f"{scratch.database}_restore"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{restore_db}"')
        try:
            # What the federation's migration puts in every deployment's database, and a
            # co-op's append-only triggers call.
            fresh = create_engine(owner.set(database=restore_db))
            try:
                with fresh.begin() as conn:
                    conn.exec_driver_sql(PG_APPEND_ONLY_FUNCTION)
            finally:
                fresh.dispose()
            t0 = time.perf_counter()
            subprocess.run(["pg_restore", *args, "-d", restore_db, "--exit-on-error",
                            str(dump)], env=env, check=True)
            restore_seconds = time.perf_counter() - t0
            check = create_engine(owner.set(database=restore_db))
            try:
                with check.connect() as conn:
                    restored_tables = conn.scalar(text(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = :s"),
                        {"s": f"coop_{coop_id}"})
            finally:
                check.dispose()
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{restore_db}" WITH (FORCE)')
    finally:
        admin.dispose()
    return {"coop_id": coop_id, "dump_seconds": dump_seconds, "dump_bytes": dump.stat().st_size,
            "restore_seconds": restore_seconds, "restored_tables": restored_tables}


def export_import(app, slug: str, workdir: Path) -> dict:
    """The project's own archive of one co-op (``coopfed coop export``), imported back
    under a new slug (``coopfed coop import``)."""
    from core.db import db
    from services.portability.importer import import_coop
    from services.portability.service import do_export_to_file

    archive = workdir / f"{slug}.zip"
    with app.app_context():
        t0 = time.perf_counter()
        do_export_to_file(slug, str(archive))
        db.session.commit()
        export_seconds = time.perf_counter() - t0
    with app.app_context():
        t0 = time.perf_counter()
        result = import_coop(archive, slug=f"{slug}-restored")
        db.session.commit()
        import_seconds = time.perf_counter() - t0
    app.extensions["coopfed.jobs"].drain()
    return {"slug": slug, "export_seconds": export_seconds, "archive_bytes":
            archive.stat().st_size, "import_seconds": import_seconds, "rows": result.rows}


def leftovers(prefix: str) -> dict:
    """Databases and roles of this run still on the server (should be none)."""
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            databases = conn.execute(text(
                "SELECT datname FROM pg_database WHERE datname LIKE :p"),
                {"p": f"coopfed\\_{prefix}%"}).scalars().all()
            roles = conn.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname LIKE :p"),
                                {"p": f"{prefix}\\_%"})
    finally:
        engine.dispose()
    return {"databases": list(databases), "roles": roles}


# -- the scale run -------------------------------------------------------------------------------


def scale_run(args) -> dict:
    """Everything in the module docstring's list, on one scratch PostgreSQL database."""
    result: dict = {"coops": args.coops, "procs": args.procs, "pool": args.pool,
                    "machine": machine_line(), "started_utc": time.strftime(
                        "%Y-%m-%d %H:%M:%S", time.gmtime()), "load_start": load()}
    workdir = Path(tempfile.mkdtemp(prefix="coopfed-scale-"))
    prefix = None
    try:
        with scratch_store("postgres") as scratch:
            prefix = scratch.prefix
            overrides = {"STORE_POOL_SIZE": args.pool, "MIGRATE_WORKERS": args.migrate_workers}
            app = make_app(scratch, **overrides)
            admin_id = create_admin(app)
            if args.pool:
                from services.jobs.runner import run_job
                from tenants.provisioning import REFILL_JOB

                with app.app_context():
                    run_job(REFILL_JOB)
                app.extensions["coopfed.jobs"].drain()
            log(f"provisioning {args.coops} co-ops in {args.procs} process(es), warm pool "
                f"{args.pool or 'off'}; load {load()}")
            stop_at = _utc_today(args.stop_provisioning_at) if args.stop_provisioning_at else None
            figures = provision_all(scratch.config(**overrides), args.coops, args.procs,
                                    admin_id, stop_at)
            refs = figures.pop("refs")
            result["provision"] = figures
            result["load_after_provision"] = load()
            log(f"provisioned {figures['n']} in {figures['wall']:.0f}s; tenth ratio "
                f"{figures['ratio']:.2f}; load {load()}")
            _save(args, result)
            result["catalogue"] = catalogue_size(scratch.owner_url)
            coop_id, slug = refs[len(refs) // 2]
            result["backup"] = backup_restore(scratch, coop_id, workdir)
            log(f"backup/restore: {result['backup']}")
            try:
                result["export"] = export_import(app, slug, workdir)
            except Exception as exc:  # recorded, not fatal: the rest of the run still counts
                result["export"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            log(f"export/import: {result['export']}")
            _save(args, result)
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                result.update(pool.submit(
                    _migrate_in_fresh_process, scratch.config(**overrides), str(workdir),
                    args.migrate_workers, not args.skip_column).result())
            result["catalogue_after_column"] = catalogue_size(scratch.owner_url)
    except BaseException as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"[:1000]
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if prefix:
            result["leftovers"] = leftovers(prefix)
        result["finished_utc"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        result["load_end"] = load()
        _save(args, result)
    return result


def _utc_today(hhmm: str) -> float:
    """Epoch seconds of ``HH:MM`` UTC today."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    now = time.gmtime()
    return calendar.timegm((now.tm_year, now.tm_mon, now.tm_mday, hours, minutes, 0))


def _save(args, result: dict) -> None:
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))


def scale_report(result: dict) -> str:
    """The scale run as text."""
    p = result["provision"]
    lines = [result["machine"],
             f"## {p['n']} co-ops (of {p['asked']} asked) on one PostgreSQL ({p['procs']} "
             "process(es), warm pool "
             f"{result['pool'] or 'off'}); {result['started_utc']} → {result['finished_utc']} "
             "UTC",
             f"provisioning: wall {p['wall']:.0f}s, p50 {ms(p['all']['p50'])} p95 "
             f"{ms(p['all']['p95'])} max {ms(p['all']['max'])}; load {result['load_start']} "
             f"→ {result['load_after_provision']}"]
    for k, t in enumerate(p["tenths"], 1):
        lines.append(f"  tenth {k:2}: p50 {ms(t['p50'])}  p95 {ms(t['p95'])}")
    flat = p["ratio"] <= TARGETS["tenth_ratio"]
    lines.append(f"  last/first tenth p50: ×{p['ratio']:.2f} (target ≤ "
                 f"{TARGETS['tenth_ratio']}: {'met' if flat else 'MISSED'})")
    noop = result.get("migrate_noop")
    if noop:
        worst = max(noop["seconds"])
        runs = ", ".join(f"{s:.3f}s" for s in noop["seconds"])
        lines.append(f"migrate-all, nothing to do: {runs}"
                     f" (target ≤ {TARGETS['migrate_noop']}s: "
                     f"{'met' if worst <= TARGETS['migrate_noop'] else 'MISSED'}); load "
                     f"{noop['load_before']}")
    col = result.get("migrate_column")
    if col:
        lines.append(f"migrate-all, +1 column: {col['seconds']:.1f}s, {col['upgraded']} upgraded, "
                     f"{col['failed']} failed, {col['workers']} workers (target ≤ "
                     f"{TARGETS['migrate_column']:.0f}s: "
                     f"{'met' if col['seconds'] <= TARGETS['migrate_column'] else 'MISSED'}); "
                     f"load {col['load_before']} → {col['load_after']}")
    for key in ("catalogue", "catalogue_after_column"):
        cat = result.get(key)
        if cat:
            t = cat["tables"]
            lines.append(
                f"{key}: {cat['coop_schemas']} co-op schemas; pg_class {t['pg_class']['rows']:,} "
                f"rows ({t['pg_class']['bytes'] / 2**20:.0f} MB), pg_attribute "
                f"{t['pg_attribute']['rows']:,} ({t['pg_attribute']['bytes'] / 2**20:.0f} MB), "
                f"pg_namespace {t['pg_namespace']['rows']:,}, pg_depend {t['pg_depend']['rows']:,}"
                f" ({t['pg_depend']['bytes'] / 2**20:.0f} MB); all catalogue tables "
                f"{cat['catalogue_bytes'] / 2**20:.0f} MB; database "
                f"{cat['database_bytes'] / 2**20:.0f} MB")
    b = result.get("backup")
    if b:
        lines.append(f"one co-op: pg_dump -Fc -n coop_{b['coop_id']} {b['dump_seconds']:.2f}s, "
                     f"{b['dump_bytes'] / 1024:.0f} KiB; pg_restore into a fresh database "
                     f"{b['restore_seconds']:.2f}s ({b['restored_tables']} tables)")
    e = result.get("export")
    if e:
        lines.append("coop export/import: " + (e["error"] if "error" in e else
                     f"export {e['export_seconds']:.2f}s ({e['archive_bytes'] / 1024:.0f} KiB), "
                     f"import {e['import_seconds']:.2f}s ({e['rows']} rows)"))
    if result.get("git"):
        lines.append(f"migrate-all ran in a fresh process on: {result['git']}")
    lines.append(f"left on the server afterwards: {result.get('leftovers')}; load at the end "
                 f"{result['load_end']}")
    return "\n".join(lines)


# -- inline DDL: create_all vs the batch ----------------------------------------------------


def ddl_compare(kind: str, count: int) -> dict:
    """Provision 2×``count`` co-ops inline, alternating the tables' DDL: ``create_all``
    (as before) and the precompiled batch; only ``provision`` is timed."""
    from tenants import provisioning
    from tenants.models import metadata

    batched = provisioning.create_schema_tables

    def create_all(conn):
        metadata.create_all(conn, checkfirst=False)

    times: dict[str, list[float]] = {"create_all": [], "batch": []}
    load_before = load()
    with scratch_store(kind) as scratch:
        app = make_app(scratch, STORE_POOL_SIZE=0)
        admin_id = create_admin(app)
        try:
            for i in range(1, 2 * count + 1):
                mode = "batch" if i % 2 == 0 else "create_all"
                provisioning.create_schema_tables = batched if mode == "batch" else create_all
                elapsed, _id, _slug = provision_one(app, i, admin_id)
                times[mode].append(elapsed)
        finally:
            provisioning.create_schema_tables = batched
    before, after = summary(times["create_all"]), summary(times["batch"])
    return {"kind": kind, "create_all": before, "batch": after, "load_before": load_before,
            "load_after": load(), "p50_saved": before["p50"] - after["p50"],
            "p95_saved": before["p95"] - after["p95"]}


def ddl_report(figures: dict) -> str:
    lines = [f"## {figures['kind']}: inline provisioning, tables by create_all vs one batch "
             f"(n={figures['batch']['n']} each, interleaved; load {figures['load_before']} → "
             f"{figures['load_after']})"]
    for mode in ("create_all", "batch"):
        f = figures[mode]
        lines.append(f"  {mode:10}  p50 {ms(f['p50'])}  p95 {ms(f['p95'])}  max {ms(f['max'])}")
    lines.append(f"  saved: p50 {ms(figures['p50_saved'])}, p95 {ms(figures['p95_saved'])}; "
                 f"p50 ratio ×{figures['create_all']['p50'] / figures['batch']['p50']:.2f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coops", type=int, default=10000)
    parser.add_argument("--procs", type=int, default=1, help="provisioning processes")
    parser.add_argument("--pool", type=int, default=0, help="warm pool size (0: off)")
    parser.add_argument("--migrate-workers", type=int, default=2)
    parser.add_argument("--skip-column", action="store_true")
    parser.add_argument("--stop-provisioning-at", default=None, metavar="HH:MM",
                        help="UTC: start no co-op after this (the run then reports the N "
                             "it reached)")
    parser.add_argument("--ddl-compare", type=int, default=0, metavar="N")
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both",
                        help="for --ddl-compare")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.ddl_compare:
        print(machine_line(), flush=True)
        kinds = ("sqlite", "postgres") if args.store == "both" else (args.store,)
        out = []
        for kind in kinds:
            figures = ddl_compare(kind, args.ddl_compare)
            out.append(figures)
            print(ddl_report(figures), flush=True)
        print(f"date -u: {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())}")
        if args.json:
            Path(args.json).write_text(json.dumps(out, indent=2, default=str))
        return 0
    result = scale_run(args)
    print(scale_report(result), flush=True)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
