"""Embedded (SQLite) memory of a process that has served 1,000 co-ops (issue 16).

Run it from the project folder::

    .venv/bin/python -m bench.embedded_memory                     # 1,000 co-ops, this checkout
    .venv/bin/python -m bench.embedded_memory --coops 200 --rounds 1
    git worktree add /tmp/mem-before <commit>
    .venv/bin/python -m bench.embedded_memory --before /tmp/mem-before   # old vs new, interleaved
    .venv/bin/python -m bench.embedded_memory --before /tmp/mem-before --after /tmp/mem-after \
        --also lru-only=/tmp/mem-lru --provision-each      # three checkouts, provisioning too
    .venv/bin/python -m bench.embedded_memory --trace             # + tracemalloc / types

One scratch instance folder with the embedded configuration (no COOPFED_DATABASE_URL) is
provisioned with ``--coops`` co-ops by a child process running the ``--after`` code (its
final and peak RSS are reported; ``--provision-each`` provisions with every checkout, each
into a folder of its own, to compare them). Then each measured run is a *fresh* child
process on the application code of one checkout (``--after``, default this one;
``--before``; ``--also``), taken in turn ``--rounds`` times (before, after, after, before,
…) so that all see the same background load. A run creates the app on the provisioned
folder, signs in once (the bench admin is first admin of every co-op) and

1. visits every co-op once: ``GET /c/<slug>/`` then ``GET /api/v1/c/<slug>/officers``,
   the first request of that co-op in this process (the first-visit latency);
2. visits every co-op again in the same order (with more co-ops than
   ``TENANT_ENGINE_CACHE``, each of these reopens an engine the cache evicted);
3. visits the last 50 co-ops four times more ("hot": their engines are cached);
4. reports VmRSS and VmHWM (/proc/self/status; the peak is reached while signing in,
   argon2 hashing), live objects (``gc.get_objects``), the time of a full ``gc.collect()``
   (median of 3), and what the co-op store holds.

``--trace`` also takes tracemalloc snapshots (after sign-in and after the first pass) and
counts live objects by type, to see where the memory is; it slows the run, so its
latencies are not comparable. The scratch folder is removed at the end, even on error.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THIS = Path(__file__).resolve()
SECRET = "bench-secret-key-not-for-production"
PASSWORD = "correct horse battery staple"
ADMIN_EMAIL = "bench-admin@example.org"
PREFIX = "benchmem"
HOT = 50  # the co-ops revisited last, fewer than any engine cache holds
TARGET_RSS_MB = 300
TARGET_FIRST_VISIT_RATIO = 2.0


# -- measuring this process -------------------------------------------------------------


def status_mb() -> dict[str, float]:
    """VmRSS and VmHWM (peak RSS) of this process, in MB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


def gc_figures() -> dict:
    """Live objects and the median time of three full collections."""
    gc.collect()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - t0)
    return {"objects": len(gc.get_objects()), "full_gc_s": statistics.median(times)}


def objects_by_type(top: int = 25) -> list[tuple[str, int]]:
    """The most numerous live object types (gc-tracked objects)."""
    counts: dict[str, int] = {}
    for obj in gc.get_objects():
        name = f"{type(obj).__module__}.{type(obj).__qualname__}"
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])[:top]


def store_figures(app) -> dict:
    """What the co-op store holds open: engines, pooled connections, compiled statements.

    Read through attributes that exist before and after issue 16's change, so the same
    bench describes both.
    """
    store = app.extensions["coopfed.store"]
    engines = getattr(store, "_engines", {})
    figures: dict = {"engines": len(engines)}
    pooled = 0
    caches = {}
    for engine in list(engines.values()):
        pool = engine.pool
        pooled += pool.checkedin() if hasattr(pool, "checkedin") else 0
        cache = engine._compiled_cache
        if cache is not None:
            caches[id(cache)] = len(cache)
    shared = getattr(store, "_compiled_cache", None)
    if shared is not None:
        caches[id(shared)] = len(shared)
    figures.update(pooled_connections=pooled, compiled_caches=len(caches),
                   compiled_statements=sum(caches.values()))
    return figures


# -- the child: provision --------------------------------------------------------------------


def config(instance: str) -> dict:
    return {"ENV": "test", "TESTING": False, "SECRET_KEY": SECRET, "INSTANCE_PATH": instance,
            "DATABASE_URL": None, "OWNER_DATABASE_URL": None, "DEPLOYMENT": PREFIX,
            "REDIS_URL": None, "MIGRATE_WORKERS": 2}


def child_provision(instance: str, coops: int) -> dict:
    """Migrate, create the bench admin, provision ``coops`` co-ops; memory afterwards."""
    # The tree's own bench.tenancy (the tree is first on sys.path): the same registry row
    # and timed provision() as every provisioning bench, its outbox relay drained untimed.
    from bench.tenancy import provision_one
    from core.db import db
    from federation.accounts.service import do_sign_up
    from federation.app import create_app
    from tenants.migrate import migrate_all

    app = create_app(config(instance))
    migrate_all(app)
    with app.app_context():
        admin = do_sign_up(ADMIN_EMAIL, "Bench Admin", PASSWORD, email_verified=True)
        db.session.commit()
        admin_id = admin.id
    slugs, times = [], []
    for i in range(1, coops + 1):
        elapsed, _coop_id, slug = provision_one(app, i, admin_id)
        times.append(elapsed)
        slugs.append(slug)
        if i % 250 == 0:
            log(f"  provisioned {i}/{coops}")
    result = {"slugs": slugs, "provision_p50_s": statistics.median(times),
              "memory": status_mb(), "gc": gc_figures(), "store": store_figures(app)}
    app.extensions["coopfed.store"].dispose()
    return result


# -- the child: serve ------------------------------------------------------------------------


def visit(client, slug: str) -> float:
    """The co-op's workspace page and one API call; seconds for both."""
    t0 = time.perf_counter()
    page = client.get(f"/c/{slug}/")
    api = client.get(f"/api/v1/c/{slug}/officers")
    elapsed = time.perf_counter() - t0
    if page.status_code != 200 or api.status_code != 200:
        raise RuntimeError(f"{slug}: page {page.status_code}, api {api.status_code}")
    return elapsed


def child_serve(instance: str, slugs: list[str], trace: bool) -> dict:
    """A fresh process serving every co-op twice; latencies and memory."""
    import tracemalloc

    import tenants.store
    from bench.tenancy import sign_in  # the tree's own, as in child_provision
    from federation.app import create_app
    from federation.extensions import limiter

    if trace:
        tracemalloc.start(12)
    app = create_app(config(instance))
    limiter.reset()
    client = app.test_client()
    sign_in(client)
    base = {"memory": status_mb(), "gc": gc_figures()}
    snap0 = tracemalloc.take_snapshot() if trace else None
    first = [visit(client, slug) for slug in slugs]
    after_first = {"memory": status_mb(), "gc": gc_figures(), "store": store_figures(app)}
    analysis = {}
    if trace:
        snap1 = tracemalloc.take_snapshot()
        stats = snap1.compare_to(snap0, "filename")
        analysis["traced_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
        analysis["by_file"] = [(str(s.traceback[0]).split("site-packages/")[-1],
                                round(s.size_diff / 2**20, 2), s.count_diff)
                               for s in stats[:20]]
        tb = snap1.compare_to(snap0, "traceback")
        analysis["by_traceback"] = [(round(s.size_diff / 2**20, 2), s.count_diff,
                                     [str(f).split("site-packages/")[-1]
                                      for f in s.traceback[-6:]]) for s in tb[:8]]
        analysis["types"] = objects_by_type()
        tracemalloc.stop()
    warm = [visit(client, slug) for slug in slugs]
    hot = [visit(client, slug) for slug in slugs[-HOT:] * 4]
    after_warm = {"memory": status_mb(), "gc": gc_figures(), "store": store_figures(app)}
    code = str(Path(tenants.store.__file__).resolve().parent.parent)
    app.extensions["coopfed.store"].dispose()
    return {"code": code, "base": base, "after_first": after_first, "after_warm": after_warm,
            "first": first, "warm": warm, "hot": hot, "analysis": analysis}


# -- the parent ------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_child(tree: Path, args: list[str]) -> dict:
    """This file's child mode on the application code of ``tree``: a fresh process whose
    working directory (first on sys.path) is ``tree``; its JSON answer."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        answer = Path(out.name)
    try:
        code = ("import runpy, sys; sys.argv = sys.argv[1:]; "
                "runpy.run_path(sys.argv[0], run_name='__main__')")
        subprocess.run([sys.executable, "-c", code, str(THIS), "--child-out", str(answer),
                        *args], cwd=tree, check=True,
                       env={**os.environ, "PYTHONPATH": str(tree)})
        return json.loads(answer.read_text())
    finally:
        answer.unlink(missing_ok=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, -(-len(ordered) * pct // 100)) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def describe(label: str, run: dict) -> str:
    mem, warm = run["after_first"]["memory"], run["after_warm"]
    store = warm["store"]
    return (f"| {label} | {run['base']['memory']['VmRSS']:.0f} | {mem['VmRSS']:.0f} | "
            f"{warm['memory']['VmRSS']:.0f} | {warm['memory']['VmHWM']:.0f} | "
            f"{warm['gc']['objects']:,} | {warm['gc']['full_gc_s'] * 1000:.0f} | "
            f"{store['engines']} / {store['pooled_connections']} / {store['compiled_caches']} "
            f"/ {store['compiled_statements']} | "
            f"{ms(statistics.median(run['first']))} / {ms(percentile(run['first'], 95))} | "
            f"{ms(statistics.median(run['warm']))} / {ms(percentile(run['warm'], 95))} | "
            f"{ms(statistics.median(run['hot']))} / {ms(percentile(run['hot'], 95))} | "
            f"{run['load_before']} → {run['load_after']} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.embedded_memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coops", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2,
                        help="measured runs per code tree (default 2)")
    parser.add_argument("--before", metavar="TREE",
                        help="a checkout of the old code (git worktree) to compare against")
    parser.add_argument("--after", metavar="TREE", default=str(ROOT),
                        help="the checkout of the new code (default this one; a worktree of a "
                             "commit keeps others' edits in progress out of the measurement)")
    parser.add_argument("--also", metavar="LABEL=TREE", action="append", default=[],
                        help="another checkout to measure in the same rotation (repeatable)")
    parser.add_argument("--provision-each", action="store_true",
                        help="also provision with every other checkout, each in a folder of its "
                             "own, to compare the provisioning process's memory")
    parser.add_argument("--trace", action="store_true",
                        help="tracemalloc and object counts by type (slower)")
    parser.add_argument("--json", metavar="PATH", help="write the raw figures to PATH")
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=("provision", "serve"), help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        if args.child == "provision":
            result = child_provision(args.instance, args.coops)
        else:
            slugs = [f"bench-coop-{i}" for i in range(1, args.coops + 1)]
            result = child_serve(args.instance, slugs, args.trace)
        Path(args.child_out).write_text(json.dumps(result))
        return 0

    after = Path(args.after).resolve()
    trees = {"after": after}
    if args.before:
        trees = {"before": Path(args.before).resolve(), "after": after}
    for item in args.also:
        label, _, tree = item.partition("=")
        trees[label] = Path(tree).resolve()
    print(f"# {platform.node()} · nproc {os.cpu_count()} · Python {platform.python_version()} · "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    instance = tempfile.mkdtemp(prefix="coopfed-benchmem-")
    results: dict = {"coops": args.coops, "runs": []}
    try:
        log(f"provisioning {args.coops} co-ops in {instance} (the after code)")
        load0 = loadavg()
        provisioned = run_child(after, ["--child", "provision", "--instance", instance,
                                       "--coops", str(args.coops)])
        provisioned["load"] = f"{load0} → {loadavg()}"
        results["provision"] = {k: v for k, v in provisioned.items() if k != "slugs"}
        results["provision_by"] = {"after": results["provision"]}
        for label in [label for label in trees if label != "after"] if args.provision_each \
                else []:
            other = tempfile.mkdtemp(prefix="coopfed-benchmem-")
            try:
                log(f"provisioning {args.coops} co-ops in {other} (the {label} code)")
                load0 = loadavg()
                answer = run_child(trees[label], ["--child", "provision", "--instance", other,
                                                  "--coops", str(args.coops)])
                answer["load"] = f"{load0} → {loadavg()}"
                results["provision_by"][label] = {k: v for k, v in answer.items()
                                                  if k != "slugs"}
            finally:
                shutil.rmtree(other, ignore_errors=True)
        order = list(trees)
        for r in range(args.rounds):
            for label in order if r % 2 == 0 else order[::-1]:
                log(f"round {r + 1}: serving {args.coops} co-ops on the {label} code")
                before = loadavg()
                run = run_child(trees[label], ["--child", "serve", "--instance", instance,
                                               "--coops", str(args.coops)]
                                + (["--trace"] if args.trace else []))
                run.update(label=label, load_before=before, load_after=loadavg())
                results["runs"].append(run)
    finally:
        shutil.rmtree(instance, ignore_errors=True)

    for label, p in results["provision_by"].items():
        print(f"\nProvisioning process, {args.coops} co-ops ({label} code): VmRSS "
              f"{p['memory']['VmRSS']:.0f} MB, peak {p['memory']['VmHWM']:.0f} MB, "
              f"{p['gc']['objects']:,} objects, full gc {p['gc']['full_gc_s'] * 1000:.0f} ms, "
              f"store {p['store']}; provision p50 {ms(p['provision_p50_s'])} ms; "
              f"load {p['load']}")
    print(f"\nServing {args.coops} co-ops in a fresh process: GET /c/<slug>/ + GET "
          f"/api/v1/c/<slug>/officers per visit; RSS in MB (after sign-in / after the first "
          f"visits / after the warm visits / peak); store = engines / pooled connections / "
          f"compiled caches / cached statements")
    print("| code | RSS signed in | RSS first pass | RSS warm pass | peak | objects | full gc ms "
          "| store | first visit p50 / p95 ms | second visit p50 / p95 ms | hot p50 / p95 ms "
          "| load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for run in results["runs"]:
        print(describe(run["label"], run))
    by_label: dict[str, list[dict]] = {}
    for run in results["runs"]:
        by_label.setdefault(run["label"], []).append(run)
    summaries = {}
    for label, runs in by_label.items():
        summaries[label] = {
            "peak_mb": statistics.median(r["after_warm"]["memory"]["VmHWM"] for r in runs),
            "first_p50": statistics.median(statistics.median(r["first"]) for r in runs),
            "first_p95": statistics.median(percentile(r["first"], 95) for r in runs),
            "warm_p50": statistics.median(statistics.median(r["warm"]) for r in runs),
            "hot_p50": statistics.median(statistics.median(r["hot"]) for r in runs)}
        s = summaries[label]
        print(f"{label}: median peak RSS {s['peak_mb']:.0f} MB (target ≤ {TARGET_RSS_MB}: "
              f"{'met' if s['peak_mb'] <= TARGET_RSS_MB else 'MISSED'}); first visit p50 "
              f"{ms(s['first_p50'])} ms, p95 {ms(s['first_p95'])} ms; second visit p50 "
              f"{ms(s['warm_p50'])} ms; hot p50 {ms(s['hot_p50'])} ms")
    if "before" in summaries:
        b, a = summaries["before"], summaries["after"]
        ratio = a["first_p50"] / b["first_p50"]
        met = "met" if ratio <= TARGET_FIRST_VISIT_RATIO else "MISSED"
        print(f"after/before: peak RSS ×{a['peak_mb'] / b['peak_mb']:.2f}; first visit p50 "
              f"×{ratio:.2f}, p95 ×{a['first_p95'] / b['first_p95']:.2f} (target ≤ "
              f"{TARGET_FIRST_VISIT_RATIO}: {met});"
              f" second visit p50 ×{a['warm_p50'] / b['warm_p50']:.2f}; hot p50 "
              f"×{a['hot_p50'] / b['hot_p50']:.2f}")
    for run in results["runs"]:
        if run["analysis"]:
            print(f"\n{run['label']} analysis: traced {run['analysis']['traced_mb']:.0f} MB")
            for row in run["analysis"]["by_file"]:
                print("  ", row)
            for row in run["analysis"]["by_traceback"]:
                print("  ", row)
            for row in run["analysis"]["types"]:
                print("  ", row)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
