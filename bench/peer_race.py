"""Interleaved provisioning race against django-tenants on the same PostgreSQL (issue 16).

Run it from the project folder::

    .venv/bin/python -m bench.peer_race                 # 30 tenants each, pool of 3
    .venv/bin/python -m bench.peer_race --tenants 100 --pool-size 0   # coopfed inline
    .venv/bin/python -m bench.peer_race --tenants 100 --pool-size 0 --migrate 4   # + migrate-all

django-tenants is never a coopfed dependency: it is installed, with Django and psycopg,
into a scratch virtualenv of its own (``PEER_VENV``, default /tmp/peer_race_venv;
created with pip on first use) and runs in a separate process. That process builds a
throwaway Django project whose tenant schema has as many tables as coopfed's (Django's
contenttypes, auth and sessions, plus generated models to make up the count, each with a
foreign key and an index), then waits for "provision N" on stdin and answers with the
seconds ``Client(...).save()`` took (django-tenants creates the schema and runs every
tenant migration in it).

coopfed provisions into its own scratch database on the same server, with the warm pool
on (``--pool-size``) or off; only ``tenants.provisioning.provision`` is timed, the
refill it queues runs after the clock stops (see ``bench.tenancy --pool-compare``). The
two take turns, one tenant each, and who goes first alternates every round, so load on
the shared machine falls on both alike. Both scratch databases and every scratch role are
dropped at the end.

coopfed does more per co-op than django-tenants does per tenant: a NOLOGIN role with
grants, the member classes for the co-op's type, the first admin's membership and audit
rows.

With ``--migrate R``, after provisioning, R rounds of migrate-all follow, the two sides
taking turns and who goes first alternating every round. In each round each side adds
ONE nullable column to one tenant table and migrates every tenant:

- coopfed: a copy of migrations/tenant with one more revision per round
  (``op.add_column("settings", ...)``, ``bench.tenancy.add_revision``), then
  ``tenants.migrate.migrate_all(app, federation=False)`` with ``--workers`` processes;
- django-tenants: one more migration file in the generated app (``AddField`` on
  ``Thing0``), then ``migrate_schemas --tenant`` with ``--peer-executor``: "multiprocessing"
  (django-tenants' parallel executor, ``TENANT_MULTIPROCESSING_MAX_PROCESSES`` = ``--workers``)
  or "standard" (one schema after another, its default).

Only the migrate call is timed on each side (writing the revision or migration file is
not). Afterwards both sides count, in information_schema.columns, the tenant schemas that
really have each round's column.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.tenancy import (
    PG_BASE_URL,
    TENANT_TREE,
    _admin_engine,
    add_revision,
    copy_tree,
    create_admin,
    machine_line,
    machine_load,
    make_app,
    percentile,
    provision_one,
    scratch_store,
    tree_head,
)

PEER_VENV = Path(os.environ.get("PEER_VENV", "/tmp/peer_race_venv"))
PEER_PACKAGES = ("django-tenants==4.0.1", "Django>=5.2,<5.3", "psycopg[binary]>=3.2")
TARGET_RATIO = 3.0

# The Django side: a project written into a temporary folder and driven over stdin/stdout.
PEER_SETTINGS = '''
import os
SECRET_KEY = "peer-race-not-secret"
DEBUG = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {{"default": {{
    "ENGINE": "django_tenants.postgresql_backend", "NAME": {database!r},
    "USER": {user!r}, "PASSWORD": {password!r}, "HOST": {host!r}, "PORT": {port!r}}}}}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
SHARED_APPS = ["django_tenants", "customers", "django.contrib.contenttypes",
               "django.contrib.auth"]
TENANT_APPS = ["django.contrib.contenttypes", "django.contrib.auth",
               "django.contrib.sessions", "coopapp"]
INSTALLED_APPS = SHARED_APPS + [a for a in TENANT_APPS if a not in SHARED_APPS]
TENANT_MODEL = "customers.Client"
TENANT_DOMAIN_MODEL = "customers.Domain"
TENANT_MULTIPROCESSING_MAX_PROCESSES = {processes!r}
'''

PEER_CUSTOMERS = '''
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Client(TenantMixin):
    name = models.CharField(max_length=100)
    auto_create_schema = True


class Domain(DomainMixin):
    pass
'''

PEER_WORKER = '''
import importlib, os, sys, time
out, sys.stdout = sys.stdout, sys.stderr  # Django's own output must not mix with answers
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("makemigrations", "customers", "coopapp", verbosity=0)
call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
from customers.models import Client
print("ready", file=out, flush=True)
MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("coopapp", {previous!r})]
    operations = [migrations.AddField(
        model_name="thing0", name={column!r},
        field=models.CharField(max_length=50, null=True, blank=True))]
"""
latest = "0001_initial"


def migrate(k, executor):
    """One more migration adding a column to Thing0, then every tenant schema migrated."""
    global latest
    column = f"bench_col_{k}"
    name = f"{k + 1:04d}_bench_col_{k}"
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "coopapp", "migrations",
                        name + ".py")
    with open(path, "w") as f:
        f.write(MIGRATION.format(previous=latest, column=column))
    latest = name
    importlib.invalidate_caches()
    started = time.perf_counter()
    call_command("migrate_schemas", tenant=True, executor=executor, interactive=False,
                 verbosity=0)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT table_schema) FROM information_schema.columns "
                       "WHERE table_schema LIKE 'peer\\\\_%%' AND table_name = 'coopapp_thing0' "
                       "AND column_name = %s", [column])
        having = cursor.fetchone()[0]
    print(f"{elapsed} {having}", file=out, flush=True)


for line in sys.stdin:
    words = line.split()
    if words[0] == "migrate":
        migrate(int(words[1]), words[2])
        continue
    n = int(words[1])
    started = time.perf_counter()
    Client(schema_name=f"peer_{n}", name=f"Peer tenant {n}").save(verbosity=0)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s", [f"peer_{n}"])
        tables = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM peer_{n}.django_migrations")
        migrations = cursor.fetchone()[0]
    print(f"{elapsed} {tables} {migrations}", file=out, flush=True)
'''


def peer_models(count: int) -> str:
    """``count`` tenant models, each with a few columns, an index and a foreign key."""
    parts = ["from django.db import models\n"]
    for i in range(count):
        parent = "" if i == 0 else (
            "    parent = models.ForeignKey('Thing0', on_delete=models.CASCADE, null=True)\n")
        parts.append(textwrap.dedent(f'''
            class Thing{i}(models.Model):
                code = models.CharField(max_length=32, db_index=True)
                name = models.CharField(max_length=200)
                note = models.TextField(blank=True)
                amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
                created_at = models.DateTimeField(auto_now_add=True)
            ''') + parent)
    return "".join(parts)


def ensure_peer_venv() -> Path:
    """The scratch virtualenv with django-tenants (never a project dependency)."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    return python


def coopfed_tenant_tables() -> int:
    from tenants.models import metadata

    return len(metadata.tables)


class Peer:
    """The django-tenants process, provisioning one tenant per request."""

    def __init__(self, python: Path, database: str, tables: int, processes: int = 2):
        from sqlalchemy.engine import make_url

        from core.config import normalise_database_url

        url = make_url(normalise_database_url(PG_BASE_URL))
        self.folder = Path(tempfile.mkdtemp(prefix="coopfed-peer-"))
        (self.folder / "settings.py").write_text(PEER_SETTINGS.format(
            database=database, user=url.username or "postgres", password=url.password or "",
            host=url.host or "127.0.0.1", port=str(url.port or 5432), processes=processes))
        for app, models in (("customers", PEER_CUSTOMERS), ("coopapp", peer_models(tables))):
            (self.folder / app).mkdir()
            (self.folder / app / "__init__.py").write_text("")
            (self.folder / app / "models.py").write_text(models)
        (self.folder / "worker.py").write_text(PEER_WORKER)
        self.process = subprocess.Popen(
            [str(python), str(self.folder / "worker.py")], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, cwd=self.folder)
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"django-tenants did not start: {ready!r}")

    def provision(self, n: int) -> tuple[float, int, int]:
        """Seconds for tenant ``n``, and the tables and migrations its schema got."""
        self.process.stdin.write(f"provision {n}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().split()
        if len(answer) != 3:
            raise RuntimeError(f"django-tenants failed on tenant {n}")
        return float(answer[0]), int(answer[1]), int(answer[2])

    def migrate(self, k: int, executor: str) -> tuple[float, int]:
        """Seconds ``migrate_schemas --tenant`` took to add column ``k`` to every tenant,
        and how many tenant schemas have it afterwards."""
        self.process.stdin.write(f"migrate {k} {executor}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().split()
        if len(answer) != 2:
            raise RuntimeError(f"django-tenants failed on migration {k}")
        return float(answer[0]), int(answer[1])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def figures(times: list[float]) -> dict:
    return {"n": len(times), "p50": statistics.median(times), "p95": percentile(times, 95),
            "max": max(times)}


def coopfed_schemas_with(scratch, column: str) -> int:
    """How many co-op schemas of ``scratch`` have ``settings.<column>``."""
    from sqlalchemy import create_engine, text

    engine = create_engine(scratch.owner_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(DISTINCT table_schema) FROM information_schema.columns "
                "WHERE table_schema LIKE 'coop\\_%' AND table_name = 'settings' "
                "AND column_name = :column"), {"column": column}).scalar_one()
    finally:
        engine.dispose()


def migrate_rounds(app, scratch, peer: Peer, rounds: int, workers: int, executor: str,
                   workdir: Path) -> list[dict]:
    """``rounds`` rounds of one added column, every tenant migrated on each side in turn."""
    from tenants.migrate import migrate_all

    app.config["MIGRATE_WORKERS"] = workers
    tree = copy_tree(workdir / "tree-base")
    down = tree_head(TENANT_TREE)
    runs = []
    for k in range(1, rounds + 1):
        turns = ("coopfed", "peer") if k % 2 else ("peer", "coopfed")
        run = {"round": k, "first": turns[0], "date": datetime.now(UTC).isoformat(
            timespec="seconds"), "load_before": machine_load().get("loadavg", [])}
        for turn in turns:
            if turn == "coopfed":
                revision = f"race{k:03d}"
                column = f"bench_race_{k}"
                add_revision(tree, revision, down, column)
                down = revision
                run_tree = workdir / f"tree-{revision}"
                shutil.copytree(tree, run_tree)  # a new path per run: heads are cached by path
                app.config["TENANT_MIGRATIONS_PATH"] = str(run_tree)
                started = time.perf_counter()
                report = migrate_all(app, federation=False)
                run["coopfed"] = time.perf_counter() - started
                run["coopfed_upgraded"] = len(report.upgraded)
                run["coopfed_failed"] = len(report.failed)
                run["coopfed_having"] = coopfed_schemas_with(scratch, column)
            else:
                run["peer"], run["peer_having"] = peer.migrate(k, executor)
        run["load_after"] = machine_load().get("loadavg", [])
        runs.append(run)
        print(f"  [{run['date']}] round {k}: coopfed {run['coopfed']:.2f} s "
              f"({run['coopfed_upgraded']} upgraded, {run['coopfed_failed']} failed), "
              f"django-tenants {run['peer']:.2f} s; load {' '.join(run['load_before'])} → "
              f"{' '.join(run['load_after'])}", file=sys.stderr, flush=True)
    return runs


def race(tenants: int, pool_size: int, rounds: int = 0, workers: int = 4,
         executor: str = "multiprocessing") -> dict:
    """Provision ``tenants`` co-ops and ``tenants`` django-tenants tenants, taking turns;
    then ``rounds`` rounds of migrate-all adding a column (``migrate_rounds``)."""
    from services.jobs.runner import run_job
    from tenants.provisioning import REFILL_JOB

    python = ensure_peer_venv()
    tables = coopfed_tenant_tables()
    database = "peer_race_" + secrets.token_hex(4)
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    peer = None
    try:
        peer = Peer(python, database, tables - 8, workers)  # contenttypes 1, auth 6, sessions 1
        with scratch_store("postgres") as scratch:
            app = make_app(scratch, STORE_POOL_SIZE=pool_size)
            admin_id = create_admin(app)
            if pool_size:
                with app.app_context():
                    run_job(REFILL_JOB)
                app.extensions["coopfed.jobs"].drain()  # the runs it queues: a full pool
            coopfed: list[float] = []
            django: list[float] = []
            peer_schema = (0, 0)
            for n in range(1, tenants + 1):
                turns = ("coopfed", "peer") if n % 2 else ("peer", "coopfed")
                for turn in turns:
                    if turn == "coopfed":
                        coopfed.append(provision_one(app, n, admin_id)[0])
                    else:
                        elapsed, *peer_schema = peer.provision(n)
                        django.append(elapsed)
            ours, theirs = figures(coopfed), figures(django)
            migrate = None
            if rounds:
                with tempfile.TemporaryDirectory(prefix="coopfed-peer-trees-") as workdir:
                    migrate = migrate_rounds(app, scratch, peer, rounds, workers, executor,
                                             Path(workdir))
            return {"migrate": migrate, "workers": workers, "executor": executor,
                    "coopfed": ours, "django_tenants": theirs, "pool_size": pool_size,
                    "tables": {"coopfed": tables, "django_tenants": peer_schema[0]},
                    "peer_migrations": peer_schema[1],
                    "p50_ratio": theirs["p50"] / ours["p50"],
                    "p95_ratio": theirs["p95"] / ours["p95"]}
    finally:
        if peer is not None:
            peer.close()
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        engine.dispose()


def migrate_report(result: dict, tenants: int) -> str:
    """The lines of ``--migrate``'s output: one per round, then medians and the ratio."""
    runs = result["migrate"]
    lines = [f"## migrate-all adding one column, {tenants} tenants each, interleaved "
             f"(coopfed MIGRATE_WORKERS {result['workers']}; django-tenants migrate_schemas "
             f"--tenant, executor {result['executor']}"
             + (f", {result['workers']} processes" if result["executor"] == "multiprocessing"
                else "") + ")",
             "| round | date (UTC) | first | coopfed s | django-tenants s | peer/coopfed | "
             "columns coopfed / django-tenants | load before → after |",
             "|---|---|---|---|---|---|---|---|"]
    for run in runs:
        lines.append(
            f"| {run['round']} | {run['date']} | {run['first']} | {run['coopfed']:.2f} | "
            f"{run['peer']:.2f} | ×{run['peer'] / run['coopfed']:.1f} | "
            f"{run['coopfed_having']} / {run['peer_having']} | "
            f"{' '.join(run['load_before'])} → {' '.join(run['load_after'])} |")
    ours = statistics.median(r["coopfed"] for r in runs)
    theirs = statistics.median(r["peer"] for r in runs)
    lines.append(f"  medians: coopfed {ours:.2f} s, django-tenants {theirs:.2f} s, "
                 f"django-tenants / coopfed ×{theirs / ours:.1f}")
    complete = all(r["coopfed_having"] == tenants and r["peer_having"] == tenants
                   and not r["coopfed_failed"] for r in runs)
    lines.append(f"  every round's column in every tenant schema on both sides: "
                 f"{'yes' if complete else 'NO'}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer_race", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=30, help="tenants each (default 30)")
    parser.add_argument("--pool-size", type=int, default=3,
                        help="coopfed's STORE_POOL_SIZE (default 3; 0 builds inline)")
    parser.add_argument("--migrate", type=int, default=0, metavar="R",
                        help="then R rounds of migrate-all adding one column (default 0)")
    parser.add_argument("--workers", type=int, default=4,
                        help="coopfed's MIGRATE_WORKERS and django-tenants' "
                             "TENANT_MULTIPROCESSING_MAX_PROCESSES (default 4, coopfed's "
                             "default)")
    parser.add_argument("--peer-executor", default="multiprocessing",
                        choices=("multiprocessing", "standard"),
                        help="django-tenants' migrate_schemas executor (default "
                             "multiprocessing, its parallel one)")
    parser.add_argument("--json", metavar="PATH", help="write the figures to PATH")
    args = parser.parse_args(argv)
    print(machine_line(), flush=True)
    load_before = machine_load()
    result = race(args.tenants, args.pool_size, args.migrate, args.workers, args.peer_executor)
    result["load"] = {"before": load_before, "after": machine_load()}

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f} ms"

    print(f"## Provisioning race on one PostgreSQL, interleaved, {args.tenants} tenants each "
          f"(coopfed pool {args.pool_size})")
    print(f"  tenant tables: coopfed {result['tables']['coopfed']}, django-tenants "
          f"{result['tables']['django_tenants']} ({result['peer_migrations']} migrations)")
    for name in ("coopfed", "django_tenants"):
        f = result[name]
        print(f"  {name:15} p50 {ms(f['p50'])}  p95 {ms(f['p95'])}  max {ms(f['max'])}")
    ok = result["p50_ratio"] >= TARGET_RATIO
    print(f"  django-tenants / coopfed: p50 ×{result['p50_ratio']:.1f}, "
          f"p95 ×{result['p95_ratio']:.1f} (target ≥ ×{TARGET_RATIO:.0f}: "
          f"{'met' if ok else 'MISSED'})")
    print(f"  load average before {' '.join(load_before.get('loadavg', []))}, after "
          f"{' '.join(result['load']['after'].get('loadavg', []))}")
    if result["migrate"]:
        print(migrate_report(result, args.tenants))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
