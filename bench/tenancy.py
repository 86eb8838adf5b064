"""Tenancy benchmark: provisioning, migrate-all and per-co-op request latency.

Run it from the project folder::

    .venv/bin/python -m bench.tenancy                 # both stores, sizes 10,100,1000
    .venv/bin/python -m bench.tenancy --quick         # smoke run: sizes 10,50; 100 co-ops
    .venv/bin/python -m bench.tenancy --store sqlite --json /tmp/tenancy.json
    .venv/bin/python -m bench.tenancy --pool-compare 100  # warm pool vs inline (issue 16)
    .venv/bin/python -m bench.tenancy --overhead 20   # tenant page vs no tenancy only (issue 16)
    .venv/bin/python -m bench.tenancy --only migrate  # migrate-all at 1,000 co-ops (issue 16)

Each size gets a fresh store (a temporary instance folder; on PostgreSQL also a scratch
database and a scratch app role, dropped at the end, even on error). Only
``tenants.provisioning.provision(coop_id)`` is timed for provisioning: the registry row
is written before the clock starts, and the in-process jobs that provisioning queues
(the outbox relay) are drained after the clock stops, so they never overlap the next
co-op's provisioning.

Nothing here changes application code: the benchmark drives the public functions the
app and its CLI use (``create_app``, ``provision``, ``migrate_all``, the test client).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from core.config import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
TENANT_TREE = ROOT / "migrations" / "tenant"
PG_BASE_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-key-not-for-production"
PASSWORD = "correct horse battery staple"
ADMIN_EMAIL = "bench-admin@example.org"
COOP_TYPES = ("worker", "user_led", "dp_pool", "multi_stakeholder", "foster", "community")

# Targets from the brief (seconds unless stated).
TARGETS = {
    "provision_p95": {"sqlite": 0.05, "postgres": 0.1},
    "provision_1000_total": 120.0,
    "migrate_noop": 1.0,
    "migrate_column": 15.0,
    "latency_p50_ratio": 1.10,     # tenant page p50 / no-tenancy p50
    "throughput_ratio": 0.90,      # rps cycling over all co-ops / rps on one co-op
}


# -- statistics ------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``pct``% of values ≤ it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict:
    """p50 (statistics.median), p95, max and sum of a list of durations in seconds."""
    return {"n": len(values), "p50": statistics.median(values), "p95": percentile(values, 95),
            "max": max(values), "total": sum(values)}



def store_arguments(description: str, argv=None, **defaults: int):
    """The command line of a per-store benchmark: ``--store`` (sqlite, postgres or both) and
    one integer option per keyword in ``defaults`` (``requests=40`` gives ``--requests``);
    the parsed arguments and the stores they name."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    for name, default in defaults.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args(argv)
    return args, ("sqlite", "postgres") if args.store == "both" else (args.store,)


def machine_line() -> str:
    """Where and when the figures were taken: the header line of a benchmark's output."""
    return (f"# {platform.node()} · nproc {os.cpu_count()} · load {os.getloadavg()[0]:.1f} · "
            f"Python {platform.python_version()} · {time.strftime('%Y-%m-%d %H:%M %Z')}")

def log(message: str) -> None:
    """Progress on stderr, so stdout stays the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- scratch stores ------------------------------------------------------------------------


@dataclass
class Scratch:
    """One fresh store: an instance folder and, on PostgreSQL, a database and app role."""

    kind: str  # "sqlite" or "postgres"
    prefix: str
    instance: str
    app_url: str | None = None
    owner_url: str | None = None
    database: str | None = None
    apps: list = field(default_factory=list)

    def config(self, **overrides) -> dict:
        """``test_config`` for ``create_app`` pointing at this store."""
        return {"ENV": "test", "TESTING": False, "SECRET_KEY": SECRET,
                "INSTANCE_PATH": self.instance, "DATABASE_URL": self.app_url,
                "OWNER_DATABASE_URL": self.owner_url, "DEPLOYMENT": self.prefix,
                "REDIS_URL": None, "MIGRATE_WORKERS": 2, **overrides}


def _admin_engine():
    return create_engine(normalise_database_url(PG_BASE_URL), isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def scratch_store(kind: str) -> Iterator[Scratch]:
    """A fresh store, removed (apps closed, database and roles dropped) when the block ends."""
    from sqlalchemy.engine import make_url

    prefix = "bench" + secrets.token_hex(4)
    instance = tempfile.mkdtemp(prefix=f"coopfed-{prefix}-")
    scratch = Scratch(kind, prefix, instance)
    if kind == "postgres":
        database = f"coopfed_{prefix}"
        app_role = f"{prefix}_app"
        engine = _admin_engine()
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
                scratch.database = database
                conn.exec_driver_sql(f'CREATE ROLE "{app_role}" LOGIN NOINHERIT')
        finally:
            engine.dispose()
        owner = make_url(normalise_database_url(PG_BASE_URL)).set(database=database)
        scratch.owner_url = owner.render_as_string(hide_password=False)
        scratch.app_url = owner.set(username=app_role, password=None).render_as_string(
            hide_password=False)
    try:
        yield scratch
    finally:
        for app in scratch.apps:
            with contextlib.suppress(Exception):
                close_app(app)
        if kind == "postgres":
            engine = _admin_engine()
            try:
                with engine.connect() as conn:
                    if scratch.database:
                        conn.exec_driver_sql(
                            f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)')
                    roles = conn.execute(
                        text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"),
                        {"p": f"{prefix}\\_%"}).scalars().all()
                    for role in roles:
                        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
            finally:
                engine.dispose()
        shutil.rmtree(instance, ignore_errors=True)


def make_app(scratch: Scratch, **overrides):
    """A migrated app on ``scratch``, with the bench-only no-tenancy route registered."""
    from federation.app import create_app
    from tenants.migrate import migrate_all

    app = create_app(scratch.config(**overrides))
    scratch.apps.append(app)
    _register_no_tenancy_route(app)
    migrate_all(app)
    return app


def close_app(app) -> None:
    """Finish queued jobs and release every connection, so the scratch store can go."""
    from core.db import db

    with contextlib.suppress(Exception):
        app.extensions["coopfed.jobs"].drain()
    app.extensions["coopfed.store"].dispose()
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


# -- provisioning ---------------------------------------------------------------------


def create_admin(app) -> int:
    """The one account that is first admin of every co-op (argon2 is paid once, untimed)."""
    from core.db import db
    from federation.accounts.service import do_sign_up

    with app.app_context():
        account = do_sign_up(ADMIN_EMAIL, "Bench Admin", PASSWORD, email_verified=True)
        db.session.commit()
        return account.id



def provision_dp_pool(app, slug: str, name: str | None = None) -> tuple[int, str]:
    """A Direct Payment pooling co-op, provisioned by the app's own service and jobs, with
    the bench admin (``create_admin``) as its first admin; (id, slug)."""
    from core.db import db
    from federation.coops.service import check_create_coop

    with app.app_context():
        coop = check_create_coop({"name": name or f"Bench {slug}", "slug": slug,
                                  "type": "dp_pool", "la": "W06000015",
                                  "admin_email": ADMIN_EMAIL}).coop
        db.session.commit()
        ref = (coop.id, coop.slug)
    app.extensions["coopfed.jobs"].drain()
    return ref

def local_authority_codes() -> list[str]:
    from core.areas import local_authorities

    return list(local_authorities())


def provision_one(app, i: int, admin_id: int) -> tuple[float, int, str]:
    """Register co-op number ``i`` (untimed), then time ``provision``; (seconds, id, slug)."""
    from core.db import db
    from tenants.provisioning import provision, validate_request
    from tenants.registry.models import Coop

    las = local_authority_codes()
    slug = f"bench-coop-{i}"
    with app.app_context():
        values = validate_request({
            "name": f"Bench co-op {i}", "slug": slug,
            "type": COOP_TYPES[(i - 1) % len(COOP_TYPES)], "la": las[(i - 1) % len(las)],
            "admin_email": ADMIN_EMAIL})
        coop = Coop(slug=values["slug"], name=values["name"], coop_type=values["type"],
                    la_code=values["la"], first_admin_account_id=admin_id)
        db.session.add(coop)
        db.session.commit()
        coop_id = coop.id
    with app.app_context():
        t0 = time.perf_counter()
        state = provision(coop_id)
        elapsed = time.perf_counter() - t0
    if state != "active":
        raise RuntimeError(f"co-op {slug} ended {state}")
    app.extensions["coopfed.jobs"].drain()  # the outbox relay queued by provisioning; untimed
    return elapsed, coop_id, slug


def provision_run(app, count: int, admin_id: int, first: int = 1
                  ) -> tuple[list[float], list[tuple[int, str]], float]:
    """Provision ``count`` co-ops in a row; returns per-co-op seconds, (id, slug)s, wall time."""
    times: list[float] = []
    refs: list[tuple[int, str]] = []
    started = time.perf_counter()
    for i in range(first, first + count):
        elapsed, coop_id, slug = provision_one(app, i, admin_id)
        times.append(elapsed)
        refs.append((coop_id, slug))
        if len(times) % 250 == 0 and count > 250:
            log(f"  provisioned {len(times)}/{count}")
    return times, refs, time.perf_counter() - started


def provisioning_figures(times: list[float], wall: float) -> dict:
    """Summary of one provisioning run, with p50 of the first and last 10%."""
    figures = summary(times)
    tenth = max(1, len(times) // 10)
    figures.update(first=times[0], first10_p50=statistics.median(times[:tenth]),
                   tenths_p50=[statistics.median(times[i:i + tenth])
                               for i in range(0, tenth * 10, tenth)] if len(times) >= 10 else [],
                   last10_p50=statistics.median(times[-tenth:]), wall=wall)
    return figures


# -- the warm pool (issue 16) ------------------------------------------------------------


def pool_compare(kind: str, count: int, pool_size: int) -> dict:
    """Provision ``count`` co-ops with a store built inline and ``count`` claiming a spare
    from a warm pool, alternately in one store (so drift in the machine's load falls on
    both alike). Only ``provision`` is timed; the refill job a claim queues runs after the
    clock stops (drained with the other jobs), so every claim finds the pool warm.
    """
    from core.db import db
    from services.jobs.runner import run_job
    from tenants.provisioning import REFILL_JOB
    from tenants.registry.models import SpareStore

    def spares(app) -> set[int]:
        with app.app_context():
            ids = set(db.session.scalars(db.select(SpareStore.id)))
            db.session.rollback()
        return ids

    times: dict[str, list[float]] = {"inline": [], "warm": []}
    with scratch_store(kind) as scratch:
        app = make_app(scratch, STORE_POOL_SIZE=pool_size)
        admin_id = create_admin(app)
        with app.app_context():
            run_job(REFILL_JOB)
        app.extensions["coopfed.jobs"].drain()  # the runs it queues: a full pool
        for i in range(1, 2 * count + 1):
            mode = "warm" if i % 2 == 0 else "inline"
            app.config["STORE_POOL_SIZE"] = pool_size if mode == "warm" else 0
            before = spares(app)
            if mode == "warm" and len(before) < pool_size:
                raise RuntimeError(f"the pool is not warm before co-op {i}: {before}")
            elapsed, _coop_id, _slug = provision_one(app, i, admin_id)
            after = spares(app)
            if (mode == "warm") == (before <= after):
                raise RuntimeError(f"co-op {i} ({mode}) did not do what it should with the "
                                   f"pool: spares {sorted(before)} → {sorted(after)}")
            times[mode].append(elapsed)
            if i % 50 == 0:
                log(f"  {kind}: {i}/{2 * count} provisioned")
    inline, warm = summary(times["inline"]), summary(times["warm"])
    return {"inline": inline, "warm": warm, "pool_size": pool_size,
            "p50_ratio": inline["p50"] / warm["p50"], "p95_ratio": inline["p95"] / warm["p95"]}


def pool_report(kind: str, figures: dict) -> str:
    """One store's warm-pool comparison, as a few lines of text."""
    target = TARGETS["provision_p95"][kind]
    lines = [f"## {kind}: provisioning, store built inline vs claimed from a warm pool "
             f"(pool {figures['pool_size']}, n={figures['warm']['n']} each, interleaved)"]
    for mode in ("inline", "warm"):
        f = figures[mode]
        lines.append(f"  {mode:6}  p50 {ms(f['p50'])}  p95 {ms(f['p95'])}  max {ms(f['max'])}"
                     + (f"  (target p95 ≤ {ms(target)}: {verdict(f['p95'] <= target)})"
                        if mode == "warm" else ""))
    lines.append(f"  inline/warm: p50 ×{figures['p50_ratio']:.1f}, "
                 f"p95 ×{figures['p95_ratio']:.1f}")
    return "\n".join(lines)


# -- migration trees ------------------------------------------------------------------------


def copy_tree(dest: Path) -> Path:
    """A copy of migrations/tenant without caches."""
    shutil.copytree(TENANT_TREE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def tree_head(path: Path) -> str:
    """The head revision of a tree, read from its versions folder (fresh, uncached)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(path))
    return ScriptDirectory.from_config(config).get_current_head()


def add_revision(tree: Path, revision: str, down: str, column: str, length: int = 50) -> None:
    """Append a revision that adds one nullable column to ``settings``."""
    (tree / "versions" / f"{revision}_bench.py").write_text(textwrap.dedent(f'''\
        """bench: add settings.{column}"""

        from alembic import op
        import sqlalchemy as sa

        revision = {revision!r}
        down_revision = {down!r}
        branch_labels = None
        depends_on = None


        def upgrade() -> None:
            op.add_column("settings", sa.Column({column!r}, sa.String({length}), nullable=True))


        def downgrade() -> None:
            op.drop_column("settings", {column!r})
        '''))


def long_history_tree(dest: Path, extra: int = 50) -> Path:
    """migrations/tenant plus ``extra`` chained revisions, each adding one column."""
    tree = copy_tree(dest)
    down = tree_head(TENANT_TREE)
    for n in range(1, extra + 1):
        revision = f"h{n:03d}"
        add_revision(tree, revision, down, f"bench_h{n:03d}", 20)
        down = revision
    return tree


# -- migrate-all -----------------------------------------------------------------------------


def break_coop(app, scratch: Scratch, coop_id: int, slug: str, column: str) -> None:
    """Add the migration's column by hand, so that exactly this co-op fails to upgrade."""
    if scratch.kind == "sqlite":
        path = Path(app.instance_path) / "coops" / f"{slug}.sqlite"
        conn = sqlite3.connect(path, timeout=10)
        try:
            conn.execute(f"ALTER TABLE settings ADD COLUMN {column} VARCHAR(50)")
            conn.commit()
        finally:
            conn.close()
        return
    engine = create_engine(scratch.owner_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                f"ALTER TABLE coop_{coop_id}.settings ADD COLUMN {column} varchar(50)")
    finally:
        engine.dispose()


def registry_states(app, coop_id: int, head: str) -> tuple[str, int]:
    """The broken co-op's state, and how many co-ops the registry has at ``head``."""
    from core.db import db
    from tenants.registry.models import Coop

    with app.app_context():
        state = db.session.scalar(select(Coop.state).where(Coop.id == coop_id))
        at_head = db.session.scalar(
            select(func.count()).select_from(Coop).where(Coop.schema_version == head))
        db.session.rollback()
    return str(state), at_head


def migrate_noop(app, repeats: int) -> list[float]:
    """migrate_all with every co-op at head; its own ``seconds``."""
    from tenants.migrate import migrate_all

    runs = []
    for _ in range(repeats):
        report = migrate_all(app, federation=False)
        if report.upgraded or report.failed:
            raise RuntimeError(f"expected nothing to do, got {report}")
        runs.append(report.seconds)
    return runs


def migrate_column(app, scratch: Scratch, refs: list[tuple[int, str]], workdir: Path,
                   worker_counts: list[int]) -> list[dict]:
    """Add one column to every co-op, one co-op broken by hand, once per worker count.

    Run k uses a tree with one more revision than run k-1, so every run has the same
    work: one ``ADD COLUMN`` in each co-op. The broken co-op fails on 0002 every time.
    """
    from tenants.migrate import migrate_all

    broken_id, broken_slug = refs[len(refs) // 2]
    break_coop(app, scratch, broken_id, broken_slug, "bench_note")
    tree = copy_tree(workdir / "column-tree-base")
    down = tree_head(TENANT_TREE)
    runs = []
    for k, workers in enumerate(worker_counts):
        # The next revision number after the head ("0002" when the head is "0001").
        revision = f"{int(down) + 1:04d}" if down.isdigit() else f"bench{k + 1:03d}"
        column = "bench_note" if k == 0 else f"bench_note_{revision}"
        add_revision(tree, revision, down, column)
        down = revision
        run_tree = workdir / f"column-tree-{revision}"
        shutil.copytree(tree, run_tree)  # a new path per run: heads are cached by path
        app.config["TENANT_MIGRATIONS_PATH"] = str(run_tree)
        app.config["MIGRATE_WORKERS"] = workers
        app.extensions["coopfed.jobs"].drain()
        load = os.getloadavg()[0]
        report = migrate_all(app, workers=workers, federation=False)
        state, at_head = registry_states(app, broken_id, report.head)
        runs.append({"workers": workers, "revision": revision, "seconds": report.seconds,
                     "load": load,
                     "upgraded": len(report.upgraded), "failed": len(report.failed),
                     "failed_slugs": sorted(report.failed), "broken_slug": broken_slug,
                     "broken_state": state, "at_head": at_head,
                     "errors": list(report.failed.values())[:1]})
        log(f"  migrate-all +column, {workers} workers: {report.seconds:.2f}s, "
            f"{len(report.upgraded)} upgraded, {len(report.failed)} failed, "
            f"{broken_slug} is {state}")
    return runs


_MIGRATE_IN_TREE = """
import json, sys
from federation.app import create_app
from tenants.migrate import migrate_all
settings = json.loads(sys.stdin.read())
app = create_app(settings["config"])
report = migrate_all(app, workers=settings["workers"], federation=False)
print(json.dumps({"seconds": report.seconds, "head": report.head,
                  "upgraded": len(report.upgraded), "failed": sorted(report.failed),
                  "errors": list(report.failed.values())[:1]}))
"""


def migrate_in_tree(code: Path, config: dict, workers: int) -> dict:
    """``migrate_all`` run by the code in ``code`` (a checkout of this project, e.g. a
    ``git worktree`` of an older commit) in a fresh process, on the store of ``config``;
    its report, with ``seconds`` as that code measured it."""
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-c", _MIGRATE_IN_TREE], cwd=code, env=env,
                          input=json.dumps({"config": config, "workers": workers}),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"migrate-all in {code} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def migrate_compare(app, scratch: Scratch, refs: list[tuple[int, str]], workdir: Path,
                    worker_counts: list[int], codes: dict[str, Path], rounds: int) -> list[dict]:
    """Add one column to every co-op with each code in ``codes`` in turn (the order rotates
    every round, so drift in the machine's load falls on all alike), one co-op broken by
    hand. Every run adds one more revision, so each does the same work: one ``ADD COLUMN``
    per co-op. Each run is a fresh process (``migrate_in_tree``)."""
    broken_id, broken_slug = refs[len(refs) // 2]
    break_coop(app, scratch, broken_id, broken_slug, "bench_note")  # fails on the 1st revision
    tree = copy_tree(workdir / "compare-tree-base")
    down = tree_head(TENANT_TREE)
    runs = []
    labels = list(codes)
    for r in range(rounds):
        order = labels[r % len(labels):] + labels[:r % len(labels)]
        for workers in worker_counts:
            for label in order:
                revision = f"{int(down) + 1:04d}" if down.isdigit() else f"cmp{len(runs) + 1:03d}"
                add_revision(tree, revision, down,
                             f"bench_note_{revision}" if runs else "bench_note")
                down = revision
                run_tree = workdir / f"compare-tree-{revision}"
                shutil.copytree(tree, run_tree)
                config = scratch.config(TENANT_MIGRATIONS_PATH=str(run_tree),
                                        MIGRATE_WORKERS=workers)
                load = os.getloadavg()[0]
                got = migrate_in_tree(codes[label], config, workers)
                state, at_head = registry_states(app, broken_id, got["head"])
                runs.append({"code": label, "round": r + 1, "workers": workers,
                             "revision": revision, "seconds": got["seconds"],
                             "upgraded": got["upgraded"], "failed": len(got["failed"]),
                             "failed_slugs": got["failed"], "broken_slug": broken_slug,
                             "broken_state": state, "at_head": at_head, "load": load,
                             "errors": got["errors"]})
                log(f"  {label}, {workers} workers: {got['seconds']:.2f}s, {got['upgraded']} "
                    f"upgraded, {len(got['failed'])} failed, {broken_slug} is {state} "
                    f"(load {load:.1f})")
    return runs


def migrate_only(kind: str, args) -> dict:
    """Only migrate-all: provision ``--migrate-coops`` co-ops (untimed), then migrate-all
    with nothing to do, then adding a column with each ``--workers`` count; with
    ``--compare-with``, the current code and the given checkout alternately."""
    from tenants.models import metadata

    result: dict = {"store": kind, "tenant_head": tree_head(TENANT_TREE),
                    "tenant_tables": len(metadata.tables)}
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="coopfed-bench-")))
        scratch = stack.enter_context(scratch_store(kind))
        app = make_app(scratch)
        admin_id = create_admin(app)
        log(f"{kind}: provisioning {args.migrate_coops} co-ops (untimed)")
        _times, refs, wall = provision_run(app, args.migrate_coops, admin_id)
        log(f"  {wall:.0f}s")
        result["migrate_noop"] = {"coops": len(refs),
                                  "seconds": migrate_noop(app, max(3, args.rounds))}
        if args.compare_with:
            codes = {"after": ROOT, "before": Path(args.compare_with).resolve()}
            result["migrate_compare"] = {"coops": len(refs), "runs": migrate_compare(
                app, scratch, refs, workdir, args.workers, codes, args.rounds)}
        else:
            result["migrate_column"] = {"coops": len(refs), "runs": migrate_column(
                app, scratch, refs, workdir, args.workers * args.rounds)}
    return result


def migrate_report(result: dict) -> str:
    """The lines of ``--only migrate``'s output for one store."""
    kind = result["store"]
    noop = result["migrate_noop"]
    n = noop["coops"]
    lines = [f"== migrate-all on {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}, {n} co-ops "
             f"== (tenant schema: {result['tenant_tables']} tables, head "
             f"{result['tenant_head']})",
             "  nothing to do:  " + ", ".join(f"{s * 1000:.1f} ms" for s in noop["seconds"])
             + f"   target ≤ 1 s {verdict(max(noop['seconds']) <= TARGETS['migrate_noop'])}"]
    runs = (result.get("migrate_compare") or result.get("migrate_column"))["runs"]
    for run in runs:
        ok = (run["seconds"] <= TARGETS["migrate_column"] and run["failed"] == 1
              and run["upgraded"] == n - 1 and run["broken_state"] == "maintenance")
        lines.append(
            f"  add column{', ' + run['code'] if 'code' in run else ''}, {run['workers']} "
            f"workers: {run['seconds']:.2f}s, {run['upgraded']} upgraded, {run['failed']} "
            f"failed ({run['broken_slug']} → {run['broken_state']}), load "
            f"{run.get('load', float('nan')):.1f}   target ≤ 15 s, {n - 1}/1 {verdict(ok)}")
    by: dict = {}
    for run in runs:
        by.setdefault((run.get("code", "current"), run["workers"]), []).append(run["seconds"])
    for (code, workers), seconds in sorted(by.items()):
        lines.append(f"  median {code}, {workers} workers: {statistics.median(seconds):.2f}s "
                     f"over {len(seconds)} runs")
    if result.get("migrate_compare"):
        for workers in sorted({w for _c, w in by}):
            if ("before", workers) in by and ("after", workers) in by:
                ratio = (statistics.median(by[("after", workers)])
                         / statistics.median(by[("before", workers)]))
                lines.append(f"  after/before, {workers} workers: {ratio:.2f}")
    return "\n".join(lines)


# -- request latency ------------------------------------------------------------------------

_NO_TENANCY: dict = {}


def _register_no_tenancy_route(app) -> None:
    """GET /bench/no-tenancy: the workspace home's query and template on one fixed co-op,
    without the URL routing to a co-op and without the registry/membership lookup."""
    from flask import g, render_template
    from flask_login import current_user

    from core.areas import local_authority
    from tenants.members.models import MemberClass

    def no_tenancy():
        if not current_user.is_authenticated:  # the same sign-in check the workspace makes
            return app.login_manager.unauthorized()
        fixed = _NO_TENANCY[id(app)]
        coop = fixed["coop"]
        # The layout shows the co-op's name and its role-based navigation, as on /c/<slug>/.
        g.coop, g.coop_role = coop, fixed["role"]
        session = app.extensions["coopfed.store"].session(fixed["ref"])
        # Handed to the request boundary, which commits and closes it as it does a tenant's.
        g.coopfed_tenant_session = session
        classes = session.scalars(select(MemberClass).order_by(MemberClass.id)).all()
        return render_template("workspace/home.html", coop=coop, role=fixed["role"],
                               la=local_authority(coop.la_code), classes=classes)

    app.add_url_rule("/bench/no-tenancy", "bench_no_tenancy", no_tenancy)


def _fix_no_tenancy_coop(app, coop_id: int) -> None:
    from core.db import db
    from tenants.registry.models import Coop
    from tenants.store import TenantRef

    with app.app_context():
        coop = db.session.get(Coop, coop_id)
        db.session.expunge(coop)
    _NO_TENANCY[id(app)] = {"coop": coop, "ref": TenantRef(coop.id, coop.slug),
                            "role": "admin"}


def sign_in(client) -> None:
    import re

    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/signin", data={"email": ADMIN_EMAIL, "password": PASSWORD,
                                            "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed: {response.status_code}")


def timed_gets(client, paths, count: int, warmup: int) -> dict:
    """``warmup`` untimed then ``count`` timed GETs over ``paths`` (cycled)."""
    n = len(paths)
    for i in range(warmup):
        response = client.get(paths[i % n])
        if response.status_code != 200:
            raise RuntimeError(f"GET {paths[i % n]} → {response.status_code}")
    times = []
    started = time.perf_counter()
    for i in range(warmup, warmup + count):
        path = paths[i % n]
        t0 = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} → {response.status_code}")
    wall = time.perf_counter() - started
    figures = summary(times)
    figures.update(rps=count / wall, wall=wall)
    return figures


def interleaved_gets(client, conditions: dict[str, list[str]], count: int, warmup: int,
                     block: int = 50) -> dict[str, dict]:
    """Time ``count`` GETs per condition, in blocks of ``block`` taken in rotating order.

    The machine is shared: interleaving makes every condition see the same background
    load, so their ratios hold even when the absolute figures drift.
    """
    position = dict.fromkeys(conditions, 0)

    def get(key: str) -> float:
        paths = conditions[key]
        path = paths[position[key] % len(paths)]
        position[key] += 1
        t0 = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - t0
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} → {response.status_code}")
        return elapsed

    for key in conditions:
        for _ in range(warmup):
            get(key)
    times: dict[str, list[float]] = {key: [] for key in conditions}
    walls = dict.fromkeys(conditions, 0.0)
    keys = list(conditions)
    for b in range(math.ceil(count / block)):
        for key in keys[b % len(keys):] + keys[:b % len(keys)]:
            started = time.perf_counter()
            for _ in range(block):
                times[key].append(get(key))
            walls[key] += time.perf_counter() - started
    result = {}
    for key in keys:
        figures = summary(times[key])
        figures.update(rps=len(times[key]) / walls[key], wall=walls[key])
        result[key] = figures
    return result


def request_latency(app, refs: list[tuple[int, str]], count: int, warmup: int,
                    rounds: int) -> dict:
    """(a) one co-op, (b) all co-ops in turn, (c) the same page without tenancy.

    Co-op types have 2 to 4 member classes, so (b) renders a slightly bigger page on
    average than (a); (a6) cycles over one co-op of each type, the same page mix as (b)
    with only six co-ops, to tell the number of co-ops apart from the page size.
    """
    from federation.extensions import limiter

    one_id, one_slug = refs[0]
    _fix_no_tenancy_coop(app, one_id)
    limiter.reset()
    client = app.test_client()
    sign_in(client)
    one = [f"/c/{one_slug}/"]
    every = [f"/c/{slug}/" for _, slug in refs]
    six = every[:len(COOP_TYPES)]  # co-ops are provisioned cycling over the six types
    bare = ["/bench/no-tenancy"]
    # Sanity check of the baseline: the same page, the same rows.
    a_body = client.get(one[0]).get_data(as_text=True)
    c_body = client.get(bare[0]).get_data(as_text=True)
    if "Member classes" not in c_body or a_body.count("govuk-table__row") != c_body.count(
            "govuk-table__row"):
        raise RuntimeError("the no-tenancy page does not render what the workspace does")
    # Enough requests that (b) visits every co-op at least once.
    per_condition = max(count, len(every))
    result: dict = {"coops": len(refs), "requests": per_condition,
                    "one": [], "six": [], "all": [], "bare": []}
    # First visit of each co-op in this process: drop the store's cached engines first.
    app.extensions["coopfed.store"].dispose()
    result["all_first_visit"] = timed_gets(client, every, len(every), 0)
    for _ in range(rounds):
        figures = interleaved_gets(client, {"one": one, "bare": bare, "all": every, "six": six},
                                   per_condition, warmup)
        for key, value in figures.items():
            result[key].append(value)
    # The federation home lists every co-op of the person (all of them here): context only.
    result["home"] = timed_gets(client, ["/"], min(count, 100), min(warmup, 10))
    return result


def statements_per_request(app, client, path: str) -> list[str]:
    """The SQL statements one GET of ``path`` sends, on any engine: the start of each and
    its tables (what follows FROM), so a reader sees what every request reads."""
    import re

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        flat = " ".join(statement.split())
        head, _, tables = flat.partition(" FROM ")
        tables = re.sub(r"\b(main|federation|coop_\d+)\.", "", tables)[:160]
        seen.append(head[:30] + (" … FROM " + tables if tables else ""))

    event.listen(Engine, "before_cursor_execute", note)
    try:
        if client.get(path).status_code != 200:
            raise RuntimeError(f"GET {path} failed")
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    return seen


def interleaved_cpu(client, paths: dict[str, str], count: int, warmup: int,
                    block: int = 50) -> dict[str, dict]:
    """As ``interleaved_gets`` for one path per condition, also timing each request's CPU
    in this thread (``time.thread_time``): on a busy machine the wall time includes
    waiting for a core, the CPU time much less so."""
    for path in paths.values():
        for _ in range(warmup):
            client.get(path)
    wall: dict[str, list[float]] = {key: [] for key in paths}
    cpu: dict[str, list[float]] = {key: [] for key in paths}
    keys = list(paths)
    for b in range(math.ceil(count / block)):
        for key in keys[b % len(keys):] + keys[:b % len(keys)]:
            for _ in range(block):
                c0, t0 = time.thread_time(), time.perf_counter()
                response = client.get(paths[key])
                wall[key].append(time.perf_counter() - t0)
                cpu[key].append(time.thread_time() - c0)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {paths[key]} → {response.status_code}")
    return {key: {**summary(wall[key]), "cpu_p50": statistics.median(cpu[key])}
            for key in keys}


def tenant_overhead(kind: str, coops: int, count: int, warmup: int, rounds: int) -> dict:
    """Only the tenant page overhead (issue 16): (a) ``GET /c/<slug>/`` on one co-op
    against (c) the same page without tenancy, interleaved in blocks of 50, ``rounds``
    times, in a store of ``coops`` co-ops; with the statements each request sends."""
    from federation.extensions import limiter

    with scratch_store(kind) as scratch:
        app = make_app(scratch)
        admin_id = create_admin(app)
        log(f"{kind}: provisioning {coops} co-ops for the overhead run")
        _times, refs, _wall = provision_run(app, coops, admin_id)
        one_id, one_slug = refs[0]
        _fix_no_tenancy_coop(app, one_id)
        limiter.reset()
        client = app.test_client()
        sign_in(client)
        paths = {"one": f"/c/{one_slug}/", "bare": "/bench/no-tenancy"}
        result: dict = {"coops": coops, "requests": count, "rounds": [],
                        "statements": {key: statements_per_request(app, client, path)
                                       for key, path in paths.items()}}
        for r in range(rounds):
            log(f"{kind}: overhead round {r + 1}/{rounds}")
            figures = interleaved_cpu(client, paths, count, warmup)
            figures["ratio"] = figures["one"]["p50"] / figures["bare"]["p50"]
            figures["cpu_ratio"] = figures["one"]["cpu_p50"] / figures["bare"]["cpu_p50"]
            result["rounds"].append(figures)
        for key in ("ratio", "cpu_ratio"):
            result[f"{key}_median"] = statistics.median(f[key] for f in result["rounds"])
    return result


def overhead_report(kind: str, figures: dict) -> str:
    """The overhead mode's table for one store."""
    lines = [f"## {kind}: tenant page overhead, {figures['coops']} co-ops, "
             f"{figures['requests']} requests per condition per round",
             "statements per request: " + ", ".join(
                 f"{key} {len(value)}" for key, value in figures["statements"].items())]
    for key, value in figures["statements"].items():
        lines += [f"  {key}: {statement}" for statement in value]
    lines.append("round | (a) p50 / p95 ms | (c) p50 / p95 ms | p50 (a)/(c) | CPU p50 (a) / (c) ms"
                 " | CPU (a)/(c)")
    for i, f in enumerate(figures["rounds"], 1):
        one, bare = f["one"], f["bare"]
        lines.append(f"{i} | {one['p50'] * 1000:.2f} / {one['p95'] * 1000:.2f} | "
                     f"{bare['p50'] * 1000:.2f} / {bare['p95'] * 1000:.2f} | {f['ratio']:.3f} | "
                     f"{one['cpu_p50'] * 1000:.2f} / {bare['cpu_p50'] * 1000:.2f} | "
                     f"{f['cpu_ratio']:.3f}")
    target = TARGETS["latency_p50_ratio"]
    lines.append(f"median of the rounds' p50 ratios: {figures['ratio_median']:.3f} "
                 f"(target ≤ {target}: {verdict(figures['ratio_median'] <= target)}); "
                 f"of the CPU ratios: {figures['cpu_ratio_median']:.3f}")
    return "\n".join(lines)


# -- one store ---------------------------------------------------------------------------------


def run_store(kind: str, args) -> dict:
    from tenants.models import metadata

    sizes = args.sizes
    result: dict = {"store": kind, "provisioning": {}, "history": None,
                    "tenant_head": tree_head(TENANT_TREE), "tenant_tables": len(metadata.tables)}
    keep: tuple | None = None  # (scratch context, app, refs) of the migrate/latency store
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="coopfed-bench-")))
        targets = sorted(set(sizes) | {args.migrate_coops})
        for size in targets:
            scratch = stack.enter_context(scratch_store(kind)) if size == args.migrate_coops \
                else None
            with (contextlib.nullcontext(scratch) if scratch else scratch_store(kind)) as sc:
                app = make_app(sc)
                admin_id = create_admin(app)
                log(f"{kind}: provisioning {size} co-ops")
                times, refs, wall = provision_run(app, size, admin_id)
                figures = provisioning_figures(times, wall)
                figures["times"] = times
                figures["in_sizes"] = size in sizes
                result["provisioning"][size] = figures
                log(f"  p50 {figures['p50'] * 1000:.1f} ms, p95 {figures['p95'] * 1000:.1f} ms, "
                    f"total {figures['total']:.1f}s")
                if size == args.migrate_coops:
                    keep = (sc, app, refs)
                else:
                    close_app(app)

        # Flat as the migration history grows: default tree vs 50 extra revisions, the two
        # stores provisioned alternately so that both see the same background load.
        n = args.history_coops
        history = {"coops": n, "extra_revisions": args.extra_revisions, "default": [],
                   "long": []}
        long_tree = long_history_tree(workdir / "long-tree", args.extra_revisions)
        for _ in range(args.rounds):
            with scratch_store(kind) as sc_default, scratch_store(kind) as sc_long:
                apps = {"default": make_app(sc_default),
                        "long": make_app(sc_long, TENANT_MIGRATIONS_PATH=str(long_tree))}
                admins = {label: create_admin(a) for label, a in apps.items()}
                log(f"{kind}: provisioning {n} co-ops each with the 1-revision and the "
                    f"{1 + args.extra_revisions}-revision tree, alternately")
                times: dict[str, list[float]] = {"default": [], "long": []}
                started = time.perf_counter()
                for i in range(1, n + 1):
                    order = ("default", "long") if i % 2 else ("long", "default")
                    for label in order:
                        times[label].append(provision_one(apps[label], i, admins[label])[0])
                wall = time.perf_counter() - started
                for label in times:
                    history[label].append(provisioning_figures(times[label], wall))
        result["history"] = history

        scratch, app, refs = keep
        log(f"{kind}: migrate-all with nothing to do, {len(refs)} co-ops")
        result["migrate_noop"] = {"coops": len(refs),
                                  "seconds": migrate_noop(app, max(2, args.rounds))}
        log(f"{kind}: request latency over {len(refs)} co-ops")
        result["latency"] = request_latency(app, refs, args.requests, args.warmup, args.rounds)
        log(f"{kind}: migrate-all adding a column, {len(refs)} co-ops")
        result["migrate_column"] = {"coops": len(refs), "runs": migrate_column(
            app, scratch, refs, workdir, args.workers)}
    return result


# -- report -----------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(result: dict, args) -> str:
    kind = result["store"]
    lines = [f"== Tenancy on {'SQLite' if kind == 'sqlite' else 'PostgreSQL'} == "
             f"(tenant schema: {result['tenant_tables']} tables, head {result['tenant_head']})"]
    p95_target = TARGETS["provision_p95"][kind]

    lines.append("")
    lines.append("Provisioning, N co-ops in a row into a fresh store (only provision() timed)")
    header = f"{'N':>6} {'p50':>9} {'p95':>9} {'max':>9} {'1st co-op':>10} {'total':>8} " \
             f"{'first10% p50':>13} {'last10% p50':>12}  p95 target"
    lines.append(header)
    for size, f in sorted(result["provisioning"].items()):
        lines.append(
            f"{size:>6} {ms(f['p50']):>9} {ms(f['p95']):>9} {ms(f['max']):>9} "
            f"{ms(f['first']):>10} {f['total']:>7.2f}s {ms(f['first10_p50']):>13} "
            f"{ms(f['last10_p50']):>12}  ≤ {p95_target * 1000:.0f} ms "
            f"{verdict(f['p95'] <= p95_target)}" + ("" if f["in_sizes"] else "  (migrate store)"))
    big = max(result["provisioning"]) if result["provisioning"] else None
    if big:
        f = result["provisioning"][big]
        if f["tenths_p50"]:
            lines.append(f"{big} in a row, p50 of each tenth: "
                         + " ".join(f"{t * 1000:.0f}" for t in f["tenths_p50"]) + " ms")
        lines.append(f"{big} in a row: {f['total']:.1f}s provisioning ({f['wall']:.1f}s wall with "
                     f"registry rows and relay jobs); target ≤ 120 s "
                     f"{verdict(f['total'] <= TARGETS['provision_1000_total'])}")

    h = result["history"]
    lines.append("")
    lines.append(f"Provisioning {h['coops']} co-ops vs migration history "
                 f"(tree: 1 revision vs 1 + {h['extra_revisions']})")
    lines.append(f"{'round':>6} {'p50 1 rev':>11} {'p50 +' + str(h['extra_revisions']):>10} "
                 f"{'p95 1 rev':>11} {'p95 +' + str(h['extra_revisions']):>10}")
    for i, (d, long) in enumerate(zip(h["default"], h["long"], strict=True)):
        lines.append(f"{i + 1:>6} {ms(d['p50']):>11} {ms(long['p50']):>10} {ms(d['p95']):>11} "
                     f"{ms(long['p95']):>10}")

    noop = result["migrate_noop"]
    lines.append("")
    lines.append(f"migrate-all over {noop['coops']} co-ops")
    lines.append("  nothing to do:  " + ", ".join(f"{s:.3f}s" for s in noop["seconds"])
                 + f"   target ≤ 1 s {verdict(max(noop['seconds']) <= TARGETS['migrate_noop'])}")
    for run in result["migrate_column"]["runs"]:
        ok = (run["seconds"] <= TARGETS["migrate_column"] and run["failed"] == 1
              and run["upgraded"] == noop["coops"] - 1 and run["broken_state"] == "maintenance")
        lines.append(
            f"  add column, {run['workers']} workers: {run['seconds']:.2f}s, "
            f"{run['upgraded']} upgraded, {run['failed']} failed "
            f"({run['broken_slug']} → {run['broken_state']})   target ≤ 15 s, "
            f"{noop['coops'] - 1}/1 {verdict(ok)}")

    lat = result["latency"]
    lines.append("")
    lines.append(f"Requests (Flask test client, signed in; {args.warmup} warm-up, "
                 f"{lat['requests']} timed each, interleaved in blocks of 50)")
    width = 50
    lines.append(f"{'':<{width}} {'p50':>9} {'p95':>9} {'max':>9} {'req/s':>8}")
    labels = [("one", "(a)  GET /c/<slug>/, one co-op"),
              ("bare", "(c)  same page without tenancy"),
              ("all", f"(b)  GET /c/<slug>/, {lat['coops']} co-ops in turn"),
              ("six", "(a6) GET /c/<slug>/, 6 co-ops (one per type)")]

    def row(label: str, f: dict) -> str:
        return (f"{label:<{width}} {ms(f['p50']):>9} {ms(f['p95']):>9} {ms(f['max']):>9} "
                f"{f['rps']:>8.0f}")

    for r in range(len(lat["one"])):
        for key, label in labels:
            lines.append(row(f"{label} #{r + 1}", lat[key][r]))
    lines.append(row(f"(b0) {lat['coops']} co-ops, first visit each", lat["all_first_visit"]))
    lines.append(row("     GET / (lists all the person's co-ops)", lat["home"]))
    for r in range(len(lat["one"])):
        ratio = lat["one"][r]["p50"] / lat["bare"][r]["p50"]
        tput = lat["all"][r]["rps"] / lat["one"][r]["rps"]
        tput6 = lat["all"][r]["rps"] / lat["six"][r]["rps"]
        lines.append(f"  #{r + 1}: p50 (a)/(c) = {ratio:.3f} (target ≤ 1.10 "
                     f"{verdict(ratio <= TARGETS['latency_p50_ratio'])}); "
                     f"req/s (b)/(a) = {tput:.3f} (target ≥ 0.90 "
                     f"{verdict(tput >= TARGETS['throughput_ratio'])}); (b)/(a6) = {tput6:.3f}")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.tenancy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--sizes", default=None,
                        help="comma-separated co-op counts to provision (default 10,100,1000)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: sizes 10,50 and 100 co-ops for migrate and requests")
    parser.add_argument("--migrate-coops", type=int, default=None,
                        help="co-ops in the migrate/latency store (default 1000; 100 quick)")
    parser.add_argument("--history-coops", type=int, default=None,
                        help="co-ops for the migration-history comparison (default 100; 50 quick)")
    parser.add_argument("--extra-revisions", type=int, default=50)
    parser.add_argument("--workers", default="2,4", help="MIGRATE_WORKERS to try (default 2,4)")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the history and request measurements (default 1; run the "
                             "whole benchmark twice to see the noise)")
    parser.add_argument("--json", metavar="PATH", help="write the raw figures to PATH")
    parser.add_argument("--pool-compare", type=int, default=None, metavar="N",
                        help="only compare provisioning with and without the warm pool: "
                             "N co-ops each way, interleaved (issue 16)")
    parser.add_argument("--overhead", type=int, default=None, metavar="N",
                        help="only the tenant page overhead, (a) against (c), interleaved, "
                             "in a store of N co-ops; --requests, --warmup and --rounds apply "
                             "(issue 16)")
    parser.add_argument("--only", choices=("migrate",), default=None,
                        help="only migrate-all (nothing to do, then adding a column with one "
                             "co-op broken) over --migrate-coops co-ops; --workers and --rounds "
                             "apply (issue 16)")
    parser.add_argument("--compare-with", metavar="TREE", default=None,
                        help="with --only migrate: also run migrate-all with the code in TREE "
                             "(e.g. a `git worktree` of an older commit), alternating with the "
                             "current code on the same co-ops")
    parser.add_argument("--pool-size", type=int, default=3,
                        help="STORE_POOL_SIZE for --pool-compare (default 3)")
    args = parser.parse_args(argv)
    if args.sizes:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    else:
        args.sizes = [10, 50] if args.quick else [10, 100, 1000]
    if args.migrate_coops is None:
        args.migrate_coops = 100 if args.quick else 1000
    if args.history_coops is None:
        args.history_coops = 50 if args.quick else 100
    if args.quick:
        args.rounds = min(args.rounds, 1)
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    return args


def machine_load() -> dict:
    """Load average and CPU pressure: the machine is shared, so say how busy it was."""
    load: dict = {}
    with contextlib.suppress(OSError):
        load["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
    with contextlib.suppress(OSError):
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0].split()
        load["cpu_pressure_some"] = dict(item.split("=") for item in some[1:4])
    return load


def environment() -> dict:
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def main(argv=None) -> int:
    args = parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    started = time.perf_counter()
    results = {"environment": environment(), "args": {k: v for k, v in vars(args).items()},
               "stores": {}}
    if args.overhead:
        print(machine_line(), flush=True)
        for kind in kinds:
            load_before = machine_load()
            figures = tenant_overhead(kind, args.overhead, args.requests, args.warmup,
                                      args.rounds)
            figures["load"] = {"before": load_before, "after": machine_load()}
            results["stores"][kind] = figures
            print(overhead_report(kind, figures), flush=True)
            print(f"  load average before {' '.join(load_before.get('loadavg', []))}, after "
                  f"{' '.join(figures['load']['after'].get('loadavg', []))}\n", flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1, default=str))
        return 0
    if args.only == "migrate":
        print(machine_line(), flush=True)
        for kind in kinds:
            load_before = machine_load()
            figures = migrate_only(kind, args)
            figures["load"] = {"before": load_before, "after": machine_load()}
            results["stores"][kind] = figures
            print(migrate_report(figures), flush=True)
            print(f"  load average before {' '.join(load_before.get('loadavg', []))}, after "
                  f"{' '.join(figures['load']['after'].get('loadavg', []))}\n", flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1, default=str))
        return 0
    if args.pool_compare:
        print(machine_line(), flush=True)
        for kind in kinds:
            load_before = machine_load()
            figures = pool_compare(kind, args.pool_compare, args.pool_size)
            figures["load"] = {"before": load_before, "after": machine_load()}
            results["stores"][kind] = figures
            print(pool_report(kind, figures), flush=True)
            print(f"  load average before {' '.join(load_before.get('loadavg', []))}, after "
                  f"{' '.join(figures['load']['after'].get('loadavg', []))}\n", flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1, default=str))
        return 0
    for kind in kinds:
        t0 = time.perf_counter()
        load_before = machine_load()
        results["stores"][kind] = run_store(kind, args)
        results["stores"][kind]["seconds"] = time.perf_counter() - t0
        results["stores"][kind]["load"] = {"before": load_before, "after": machine_load()}
        print(report(results["stores"][kind], args), flush=True)
        load = results["stores"][kind]["load"]
        print(f"({kind} part took {results['stores'][kind]['seconds']:.0f}s; load average "
              f"before {' '.join(load['before'].get('loadavg', []))}, after "
              f"{' '.join(load['after'].get('loadavg', []))} on {os.cpu_count()} CPUs)\n",
              flush=True)
    results["seconds"] = time.perf_counter() - started
    print(f"whole run: {results['seconds']:.0f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
