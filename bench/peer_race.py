"""Interleaved provisioning race against django-tenants on the same PostgreSQL (issue 16).

Run it from the project folder::

    .venv/bin/python -m bench.peer_race                 # 30 tenants each, pool of 3
    .venv/bin/python -m bench.peer_race --tenants 100 --pool-size 0   # coopfed inline

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
from pathlib import Path

from bench.tenancy import (
    PG_BASE_URL,
    _admin_engine,
    create_admin,
    machine_line,
    machine_load,
    make_app,
    percentile,
    provision_one,
    scratch_store,
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
import os, sys, time
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
for line in sys.stdin:
    n = int(line.split()[1])
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

    def __init__(self, python: Path, database: str, tables: int):
        from sqlalchemy.engine import make_url

        from core.config import normalise_database_url

        url = make_url(normalise_database_url(PG_BASE_URL))
        self.folder = Path(tempfile.mkdtemp(prefix="coopfed-peer-"))
        (self.folder / "settings.py").write_text(PEER_SETTINGS.format(
            database=database, user=url.username or "postgres", password=url.password or "",
            host=url.host or "127.0.0.1", port=str(url.port or 5432)))
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

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def figures(times: list[float]) -> dict:
    return {"n": len(times), "p50": statistics.median(times), "p95": percentile(times, 95),
            "max": max(times)}


def race(tenants: int, pool_size: int) -> dict:
    """Provision ``tenants`` co-ops and ``tenants`` django-tenants tenants, taking turns."""
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
        peer = Peer(python, database, tables - 8)  # contenttypes 1, auth 6, sessions 1
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
            return {"coopfed": ours, "django_tenants": theirs, "pool_size": pool_size,
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer_race", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=30, help="tenants each (default 30)")
    parser.add_argument("--pool-size", type=int, default=3,
                        help="coopfed's STORE_POOL_SIZE (default 3; 0 builds inline)")
    parser.add_argument("--json", metavar="PATH", help="write the figures to PATH")
    args = parser.parse_args(argv)
    print(machine_line(), flush=True)
    load_before = machine_load()
    result = race(args.tenants, args.pool_size)
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
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
