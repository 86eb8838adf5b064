"""Real HTTP load through gunicorn (issue 16): throughput and latency of coopfed's
workspace pages and co-op API at 1,000 co-ops, against a bare Flask "hello" on the same
gunicorn configuration, and a noisy neighbour held back by the per-co-op rate limit.

Run it from the project folder (loopback only; about 10 minutes, half of it setup)::

    .venv/bin/python -m bench.http_load                    # 1,000 co-ops, the full run
    .venv/bin/python -m bench.http_load --coops 40 --duration 5 --rounds 1 --noisy-rounds 1
    .venv/bin/python -m bench.http_load --json /tmp/http_load.json

What it does, all on a scratch PostgreSQL database with its own roles and on a Redis
database index of its own (``bench.tenancy.scratch_store``; the database, the roles and
every Redis key of the run are removed at the end, even on error):

1. Setup, untimed: ``--accounts`` accounts, and ``--coops`` co-ops of every type
   provisioned through ``tenants.provisioning.provision`` by two processes, the warm
   pool off (each store built inline); co-op *i*'s first admin is account *i* mod
   ``--accounts``.
2. gunicorn with ``-c deploy/gunicorn.conf.py`` (the production file, unchanged: its
   default workers and threads), serving ``federation.wsgi:app`` with COOPFED_ENV=
   production and the settings of deploy/coopfed.env.example; the environment only
   names the bind address, the database, Redis, the secret, the deployment prefix and the
   instance folder. Every account signs in through the real form over HTTP, as a browser
   behind nginx would (its own X-Forwarded-For, X-Forwarded-Proto: https).
3. The load generator runs in separate processes (``--generate``; stdlib ``http.client``
   on keep-alive connections, one thread each). Closed loop: ``--concurrency``
   connections each send the next request as soon as the last is answered, a mix of
   workspace pages and co-op API reads spread at random over all the co-ops. Rounds
   alternate with the same generator against ``bench.http_hello`` on a second gunicorn
   with the same configuration.
4. Noisy neighbour, open loop (requests sent on a schedule, latency counted from the
   scheduled time so that a slow server is not hidden): ``--others`` co-ops each at
   ``--rate`` requests a second, with and without one more co-op at 10× that rate,
   alternating; then the same on a gunicorn started with COOPFED_COOP_RATE_LIMIT=off,
   to show what the limit itself does.

The machine's CPU use (/proc/stat) and the generator's own CPU time are recorded for each
phase, with the load average before and after: the generator shares the two cores with
the server, PostgreSQL and Redis.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import pstats
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path

from bench.tenancy import (
    COOP_TYPES,
    PASSWORD,
    SECRET,
    close_app,
    local_authority_codes,
    log,
    percentile,
    scratch_store,
)

ROOT = Path(__file__).resolve().parent.parent
REDIS_HOST = os.environ.get("BENCH_REDIS_HOST", "127.0.0.1:6379")
USER_AGENT = "coopfed-bench/1 (bench.http_load)"
# A workspace's everyday reads, pages and API alike (GET only: nothing is written but
# the login session's own bookkeeping). Each is checked to answer 200 on every co-op type
# before the load starts; any that does not is dropped and named in the report.
PAGES = ("/c/{slug}/", "/c/{slug}/members/", "/c/{slug}/governance/",
         "/c/{slug}/officers/", "/c/{slug}/rules/")
API = ("/api/v1/c/{slug}/members", "/api/v1/c/{slug}/member-classes",
       "/api/v1/c/{slug}/proposals", "/api/v1/c/{slug}/officers",
       "/api/v1/c/{slug}/society-rules")
TARGETS = {"ratio_p95_noisy": 1.5}


# -- the load generator (its own processes) ---------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection to gunicorn, reopened when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.reused = False

    def get(self, path: str, headers: dict) -> int:
        """The status of GET ``path`` (0 when no answer came)."""
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.reused = False
            reused = self.reused
            try:
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                response.read()
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest,
                    ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 0:
                    continue  # the server closed an idle keep-alive: resend, as browsers do
                return 0
            except OSError:
                self.close()
                return 0
            self.reused = True
            if response.will_close:
                self.close()
            return response.status
        return 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def _headers(coop: list) -> dict:
    _slug, cookie, address = coop
    headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": address,
               "X-Forwarded-Proto": "https", "Accept": "text/html,application/json"}
    if cookie:
        headers["Cookie"] = cookie
    return headers


def _closed_loop(spec: dict, seed: int, clock: dict, out: list) -> None:
    rng = random.Random(seed)
    conn = Connection(spec["port"])
    coops, paths = spec["coops"], spec["paths"]
    while True:
        coop = rng.choice(coops)
        template, kind = rng.choice(paths)
        started = time.monotonic()
        if started >= clock["end"]:
            break
        status = conn.get(template.format(slug=coop[0]), _headers(coop))
        if started >= clock["measure"]:
            out.append((spec.get("label", "all"), kind, status, time.monotonic() - started))
    conn.close()


def _open_loop(stream: dict, port: int, seed: int, clock: dict, out: list) -> None:
    rng = random.Random(seed)
    conn = Connection(port)
    interval = 1 / stream["rate"]
    due = clock["start"] + rng.random() * interval
    while due < clock["end"]:
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        coop = rng.choice(stream["coops"])
        template, kind = rng.choice(stream["paths"])
        status = conn.get(template.format(slug=coop[0]), _headers(coop))
        if due >= clock["measure"]:
            # From the scheduled time: a server that falls behind shows as latency.
            out.append((stream["label"], kind, status, time.monotonic() - due))
        due += interval
    conn.close()


def generate(spec: dict) -> dict:
    """Run one generator process's share of a phase; samples after the warm-up."""
    wall_start = spec["start_at"]
    now_wall, now_mono = time.time(), time.monotonic()
    start = now_mono + (wall_start - now_wall)
    clock = {"start": start, "measure": start + spec["warmup"],
             "end": start + spec["warmup"] + spec["duration"]}
    while time.monotonic() < start:
        time.sleep(min(0.05, max(0.0, start - time.monotonic())))
    outs: list[list] = []
    threads = []
    if spec["mode"] == "closed":
        for i in range(spec["connections"]):
            outs.append([])
            threads.append(threading.Thread(target=_closed_loop,
                                            args=(spec, spec["seed"] * 1000 + i, clock,
                                                  outs[-1])))
    else:
        for i, stream in enumerate(spec["streams"]):
            outs.append([])
            threads.append(threading.Thread(target=_open_loop,
                                            args=(stream, spec["port"],
                                                  spec["seed"] * 1000 + i, clock, outs[-1])))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"samples": [s for out in outs for s in out],
            "cpu": usage.ru_utime + usage.ru_stime}


# -- measuring a phase -------------------------------------------------------------------


def cpu_busy() -> tuple[float, float]:
    """(busy, total) seconds of every core since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_phase(specs: list[dict], duration: float, warmup: float) -> dict:
    """Start every generator process at the same moment; gather their samples."""
    start_at = time.time() + 1.5
    procs = []
    for spec in specs:
        spec.update(start_at=start_at, duration=duration, warmup=warmup)
        proc = subprocess.Popen([sys.executable, "-m", "bench.http_load", "--generate"],
                                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        proc.stdin.write(json.dumps(spec).encode())
        proc.stdin.close()
        procs.append(proc)
    time.sleep(max(0.0, start_at + warmup - time.time()))
    busy0, total0 = cpu_busy()
    outputs = [json.loads(proc.stdout.read()) for proc in procs]
    busy1, total1 = cpu_busy()
    for proc in procs:
        if proc.wait() != 0:
            raise RuntimeError("a load generator failed")
    samples = [s for out in outputs for s in out["samples"]]
    window = min(duration, total1 - total0) or duration
    generator_cpu = sum(out["cpu"] for out in outputs)
    cores = os.cpu_count() or 1
    return {"samples": samples, "duration": duration,
            "machine_busy": (busy1 - busy0) / max(total1 - total0, 1e-9),
            # The generator's CPU over its whole life (warm-up included), per second of
            # the phase, as a share of the machine's cores.
            "generator_share": generator_cpu / ((duration + warmup) * cores),
            "cpu_window": window}


def figures(samples: list, duration: float, label: str | None = None) -> dict:
    """Throughput, latency percentiles (ms) and answers by status of some samples."""
    chosen = [s for s in samples if label is None or s[0] == label]
    served = [s[3] for s in chosen if 200 <= s[2] < 400]
    statuses = Counter(str(s[2]) for s in chosen)
    result = {"n": len(chosen), "rps": len(chosen) / duration, "statuses": dict(statuses)}
    if served:
        result.update(p50=percentile(served, 50) * 1000, p95=percentile(served, 95) * 1000,
                      p99=percentile(served, 99) * 1000)
    return result


def split(items: list, parts: int) -> list[list]:
    return [items[i::parts] for i in range(parts) if items[i::parts]]


# -- setup: store, co-ops, accounts --------------------------------------------------------


def _redis_db(explicit: int | None) -> int:
    """A Redis database index nobody uses (empty), unless one was given."""
    from redis import Redis

    for index in ([explicit] if explicit is not None else range(1, 15)):
        if Redis.from_url(f"redis://{REDIS_HOST}/{index}").dbsize() == 0:
            return index
    raise RuntimeError("no empty Redis database index between 1 and 14; pass --redis-db")


def _clear_redis(index: int, prefix: str) -> int:
    """Remove every key of this run (they all carry the deployment prefix); keys left."""
    from redis import Redis

    redis = Redis.from_url(f"redis://{REDIS_HOST}/{index}")
    keys = list(redis.scan_iter(f"*{prefix}*"))
    if keys:
        redis.delete(*keys)
    return redis.dbsize()


def email(n: int) -> str:
    return f"bench-{n}@example.org"


def _provision_slice(config: dict, numbers: list[int], admin_ids: list[int]) -> list:
    """Provision co-ops ``numbers`` in this process; [(number, id, slug, type)]."""
    from core.db import db
    from federation.app import create_app
    from tenants.provisioning import provision, validate_request
    from tenants.registry.models import Coop

    app = create_app(config)
    las = local_authority_codes()
    made = []
    try:
        for i in numbers:
            coop_type = COOP_TYPES[i % len(COOP_TYPES)]
            with app.app_context():
                values = validate_request({
                    "name": f"Bench co-op {i}", "slug": f"bench-coop-{i}", "type": coop_type,
                    "la": las[i % len(las)], "admin_email": email(i % len(admin_ids))})
                coop = Coop(slug=values["slug"], name=values["name"],
                            coop_type=values["type"], la_code=values["la"],
                            first_admin_account_id=admin_ids[i % len(admin_ids)])
                db.session.add(coop)
                db.session.commit()
                coop_id = coop.id
            with app.app_context():
                if provision(coop_id) != "active":
                    raise RuntimeError(f"co-op {i} was not provisioned")
            app.extensions["coopfed.jobs"].drain()
            made.append((i, coop_id, f"bench-coop-{i}", coop_type))
    finally:
        close_app(app)
    return made


def setup_store(scratch, coops: int, accounts: int, procs: int) -> list:
    """Migrate the scratch store, make the accounts, provision the co-ops in ``procs``
    processes; the co-ops as (number, id, slug, type)."""
    from core.db import db
    from federation.accounts.service import do_sign_up
    from federation.app import create_app
    from tenants.migrate import migrate_all

    config = scratch.config(STORE_POOL_SIZE=0)
    app = create_app(config)
    scratch.apps.append(app)
    migrate_all(app)
    admin_ids = []
    with app.app_context():
        for n in range(accounts):
            account = do_sign_up(email(n), f"Bench person {n}", PASSWORD, email_verified=True)
            db.session.flush()
            admin_ids.append(account.id)
        db.session.commit()
    close_app(app)
    log(f"{accounts} accounts made; provisioning {coops} co-ops in {procs} processes")
    started = time.perf_counter()
    numbers = list(range(coops))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(procs, mp_context=context) as pool:
        parts = pool.map(_provision_slice, [config] * procs, split(numbers, procs),
                         [admin_ids] * procs)
        made = sorted(item for part in parts for item in part)
    log(f"provisioned {len(made)} co-ops in {time.perf_counter() - started:.0f} s")
    return made


# -- gunicorn ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn -c deploy/gunicorn.conf.py, in its own process group, stopped by its id."""

    def __init__(self, module: str, env: dict, log_path: Path, health: str,
                 extra: tuple[str, ...] = ()):
        self.port = free_port()
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("COOPFED_", "GUNICORN_", "WEB_CONCURRENCY"))}
        clean.update(env, GUNICORN_BIND=f"127.0.0.1:{self.port}")
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
             *extra, module], cwd=ROOT, env=clean, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 90
        conn = Connection(self.port)
        while conn.get(health, {"User-Agent": USER_AGENT}) != 200:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {module} did not start; see {log_path}")
            time.sleep(0.5)
        conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(45)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def coopfed_env(scratch, redis_db: int, **extra: str) -> dict:
    """The production-like settings of deploy/coopfed.env.example, on the scratch store."""
    return {"COOPFED_ENV": "production", "COOPFED_SECRET_KEY": SECRET,
            "COOPFED_DATABASE_URL": scratch.app_url,
            "COOPFED_OWNER_DATABASE_URL": scratch.owner_url,
            "COOPFED_REDIS_URL": f"redis://{REDIS_HOST}/{redis_db}",
            "COOPFED_DEPLOYMENT": scratch.prefix, "COOPFED_INSTANCE_PATH": scratch.instance,
            "COOPFED_TRUSTED_PROXIES": "1",
            "COOPFED_PUBLIC_URL": "https://coopfed.bench.invalid", **extra}


def _cookies(response, jar: dict) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            jar[name] = morsel.value


def sign_in(port: int, account: int) -> str:
    """Sign account ``account`` in through the form, from its own address; its Cookie."""
    address = f"10.8.{account // 250}.{account % 250 + 1}"
    base = {"User-Agent": USER_AGENT, "X-Forwarded-For": address,
            "X-Forwarded-Proto": "https", "Referer": f"https://127.0.0.1:{port}/signin"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    jar: dict = {}
    conn.request("GET", "/signin", headers=base)
    response = conn.getresponse()
    page = response.read().decode()
    _cookies(response, jar)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email(account), "password": PASSWORD,
                                   "csrf_token": token})
    conn.request("POST", "/signin", body=body, headers={
        **base, "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
    response = conn.getresponse()
    response.read()
    _cookies(response, jar)
    conn.close()
    if response.status != 302:
        raise RuntimeError(f"sign-in of account {account} answered {response.status}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def usable_paths(port: int, coops: list, clients: dict) -> tuple[list, list]:
    """The mix's paths that answer 200 on one co-op of every type; and those dropped."""
    one_of_each = {}
    for number, _id, slug, coop_type in coops:
        one_of_each.setdefault(coop_type, (number, slug))
    conn = Connection(port)
    kept, dropped = [], []
    for template, kind in [(p, "page") for p in PAGES] + [(p, "api") for p in API]:
        statuses = {coop_type: conn.get(template.format(slug=slug),
                                        _headers(clients[number]))
                    for coop_type, (number, slug) in one_of_each.items()}
        if set(statuses.values()) == {200}:
            kept.append([template, kind])
        else:
            dropped.append((template, statuses))
    conn.close()
    return kept, dropped


# -- the phases ----------------------------------------------------------------------------


def closed_specs(port: int, coops: list, paths: list, concurrency: int, procs: int,
                 label: str, seed: int) -> list[dict]:
    per = split(list(range(concurrency)), procs)
    return [{"mode": "closed", "port": port, "coops": coops, "paths": paths,
             "connections": len(share), "seed": seed + i, "label": label}
            for i, share in enumerate(per)]


def open_specs(port: int, streams: list, procs: int, seed: int) -> list[dict]:
    return [{"mode": "open", "port": port, "streams": share, "seed": seed + i}
            for i, share in enumerate(split(streams, procs))]


def noisy_streams(others: list, noisy: list, rate: float, paths: list,
                  with_noisy: bool) -> list[dict]:
    """One stream (a connection of its own) per quiet co-op at ``rate``; the noisy co-op
    as ten such streams, so 10 × ``rate`` (fewer connections would fall behind their
    schedule as soon as answers slow down, and send less than 10×)."""
    streams = [{"rate": rate, "coops": [coop], "paths": paths, "label": "others"}
               for coop in others]
    if with_noisy:
        streams += [{"rate": rate, "coops": [noisy], "paths": paths, "label": "noisy"}
                    for _ in range(10)]
    return streams


def phase(name: str, specs: list[dict], args, labels: tuple[str, ...]) -> dict:
    before = load_average()
    log(f"{name}: load {before}")
    result = run_phase(specs, args.duration, args.warmup)
    summary = {"name": name, "load_before": before, "load_after": load_average(),
               "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
               "machine_busy": result["machine_busy"],
               "generator_share": result["generator_share"],
               "all": figures(result["samples"], args.duration)}
    for label in labels:
        summary[label] = figures(result["samples"], args.duration, label)
        summary[label + "_api"] = figures([s for s in result["samples"] if s[1] == "api"],
                                          args.duration, label)
    log(f"  {name}: " + ", ".join(
        f"{label} {summary[label]['rps']:.0f}/s p95 {summary[label].get('p95', 0):.0f} ms "
        f"{summary[label]['statuses']}" for label in ("all", *labels)))
    return summary


def run(args) -> dict:
    result: dict = {"args": vars(args), "started": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                  time.gmtime()),
                    "load_start": load_average(), "cpus": os.cpu_count()}
    redis_db = _redis_db(args.redis_db)
    result["redis_db"] = redis_db
    servers: list[Gunicorn] = []
    with scratch_store("postgres") as scratch:
        try:
            coops = setup_store(scratch, args.coops, args.accounts, args.setup_procs)
            log_dir = Path(scratch.instance)
            app_server = Gunicorn("federation.wsgi:app", coopfed_env(scratch, redis_db),
                                  log_dir / "gunicorn-coopfed.log", "/healthz")
            servers.append(app_server)
            hello = Gunicorn("bench.http_hello:app", {}, log_dir / "gunicorn-hello.log", "/")
            servers.append(hello)
            cookies = {n: sign_in(app_server.port, n) for n in range(args.accounts)}
            clients = {number: [slug, cookies[number % args.accounts],
                                f"10.8.{(number % args.accounts) // 250}."
                                f"{(number % args.accounts) % 250 + 1}"]
                       for number, _id, slug, _type in coops}
            log(f"{len(cookies)} accounts signed in over HTTP")
            paths, dropped = usable_paths(app_server.port, coops, clients)
            result.update(paths=paths, dropped=dropped, coops=len(coops))
            everyone = list(clients.values())
            rounds = []
            for r in range(args.rounds):
                order = ("hello", "coopfed") if r % 2 == 0 else ("coopfed", "hello")
                for which in order:
                    if which == "hello":
                        specs = closed_specs(hello.port, [["", "", "10.9.0.1"]],
                                             [["/", "hello"]], args.concurrency,
                                             args.procs, "hello", 100 + r)
                    else:
                        specs = closed_specs(app_server.port, everyone, paths,
                                             args.concurrency, args.procs, "coopfed",
                                             200 + r)
                    rounds.append(phase(f"{which} round {r + 1}", specs, args, (which,)))
            result["throughput"] = rounds
            if args.profile:
                result["profile"] = profile_worker(scratch, redis_db, everyone, paths, args)
            coopfed_rps = [p["coopfed"]["rps"] for p in rounds if "coopfed" in p]
            capacity = sorted(coopfed_rps)[len(coopfed_rps) // 2]
            others_count = args.others or max(8, min(
                args.accounts - 1, round(args.load_share * capacity / args.rate)))
            rng = random.Random(7)
            # Quiet co-ops with different admins; the noisy one's admin is none of theirs.
            by_admin = {}
            for number in rng.sample(sorted(clients), len(clients)):
                by_admin.setdefault(number % args.accounts, number)
            picked = list(by_admin.values())
            noisy = clients[picked[0]]
            others = [clients[n] for n in picked[1:others_count + 1]]
            result["noisy_setup"] = {"others": len(others), "rate": args.rate,
                                     "noisy_rate": 10 * args.rate,
                                     "capacity_rps": capacity, "noisy_slug": noisy[0]}
            result["noisy"] = [] if not args.noisy_rounds else noisy_rounds(
                app_server.port, others, noisy, paths, args,
                                           args.noisy_rounds, "limit on")
            if args.limit_off_rounds:
                app_server.stop()
                servers.remove(app_server)
                unlimited = Gunicorn(
                    "federation.wsgi:app",
                    coopfed_env(scratch, redis_db, COOPFED_COOP_RATE_LIMIT="off"),
                    log_dir / "gunicorn-coopfed-nolimit.log", "/healthz")
                servers.append(unlimited)
                result["noisy_nolimit"] = noisy_rounds(unlimited.port, others, noisy, paths,
                                                       args, args.limit_off_rounds,
                                                       "limit off")
        finally:
            for server in servers:
                server.stop()
            result["redis_keys_left"] = _clear_redis(redis_db, scratch.prefix)
    result["load_end"] = load_average()
    result["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return result


def profile_worker(scratch, redis_db: int, everyone: list, paths: list, args) -> dict:
    """cProfile of one gunicorn worker with one thread (bench.profiled_wsgi) serving the
    throughput mix at concurrency 4 for --profile seconds: the top costs per request."""
    out = Path(scratch.instance) / "worker.prof"
    server = Gunicorn("bench.profiled_wsgi:app",
                      coopfed_env(scratch, redis_db, COOPFED_BENCH_PROFILE=str(out)),
                      Path(scratch.instance) / "gunicorn-profile.log", "/healthz",
                      extra=("--workers", "1", "--threads", "1", "--max-requests", "0"))
    try:
        specs = closed_specs(server.port, everyone, paths, 4, 1, "profiled", 900)
        served = phase("profiled worker", specs, argparse.Namespace(
            duration=args.profile, warmup=2.0), ("profiled",))
    finally:
        server.stop()
    stats = pstats.Stats(str(out))
    requests = int((out.parent / (out.name + ".count")).read_text())  # warm-up and health too
    total = stats.total_tt
    rows = sorted(((key, value) for key, value in stats.stats.items()),
                  key=lambda kv: kv[1][3], reverse=True)
    top = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in rows[:200]:
        where = filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
        top.append({"where": f"{where}:{line} {name}", "calls_per_request": calls / requests,
                    "cum_ms_per_request": 1000 * cumtime / requests,
                    "own_ms_per_request": 1000 * tottime / requests})
    own = sorted(top, key=lambda row: row["own_ms_per_request"], reverse=True)
    return {"phase": served, "requests": requests,
            "cpu_ms_per_request": 1000 * total / max(requests, 1),
            "top_cumulative": top[:40], "top_own": own[:25]}


def noisy_rounds(port: int, others: list, noisy: list, paths: list, args, rounds: int,
                 tag: str) -> list[dict]:
    out = []
    for r in range(rounds):
        order = (False, True) if r % 2 == 0 else (True, False)
        for with_noisy in order:
            streams = noisy_streams(others, noisy, args.rate, paths, with_noisy)
            name = f"{tag}, {'noisy' if with_noisy else 'quiet'} round {r + 1}"
            out.append({"with_noisy": with_noisy, **phase(
                name, open_specs(port, streams, args.procs, 300 + r), args,
                ("others", "noisy") if with_noisy else ("others",))})
    return out


# -- the report ----------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def noisy_summary(rounds: list[dict]) -> dict:
    quiet = [r["others"]["p95"] for r in rounds if not r["with_noisy"]]
    loud = [r["others"]["p95"] for r in rounds if r["with_noisy"]]
    noisy_n = sum(r["noisy"]["n"] for r in rounds if r["with_noisy"])
    refused = sum(r["noisy"]["statuses"].get("429", 0) for r in rounds if r["with_noisy"])
    return {"quiet_p95": _median(quiet), "noisy_p95": _median(loud),
            "ratio": _median(loud) / _median(quiet), "quiet_all": quiet, "noisy_all": loud,
            "noisy_429_share": refused / noisy_n if noisy_n else float("nan"),
            "noisy_served_rps": _median([r["noisy"]["rps"] * (1 - r["noisy"]["statuses"].get(
                "429", 0) / max(r["noisy"]["n"], 1)) for r in rounds if r["with_noisy"]])}


def report(result: dict) -> str:
    lines = [f"# bench.http_load · {result['started']} → {result['finished']} · "
             f"{result['cpus']} cores · load {result['load_start']} → {result['load_end']}",
             f"co-ops {result['coops']}, paths {len(result['paths'])} "
             f"(dropped: {result['dropped'] or 'none'}), Redis db {result['redis_db']}, "
             f"Redis keys left {result['redis_keys_left']}", "",
             "| phase | req/s | p50 ms | p95 ms | p99 ms | statuses | machine busy | "
             "generator CPU | load before→after |", "|---|---|---|---|---|---|---|---|---|"]
    for p in result["throughput"]:
        f = p["all"]
        lines.append(f"| {p['name']} | {f['rps']:.0f} | {f.get('p50', 0):.1f} | "
                     f"{f.get('p95', 0):.1f} | {f.get('p99', 0):.1f} | {f['statuses']} | "
                     f"{p['machine_busy']:.0%} | {p['generator_share']:.0%} | "
                     f"{p['load_before']} → {p['load_after']} |")
    hello = [p["all"] for p in result["throughput"] if "hello" in p]
    app = [p["all"] for p in result["throughput"] if "coopfed" in p]
    lines += ["", f"coopfed / hello, medians of rounds: throughput "
              f"{_median([a['rps'] for a in app]) / _median([h['rps'] for h in hello]):.3f}, "
              f"p50 {_median([a['p50'] for a in app]) / _median([h['p50'] for h in hello]):.1f}×, "
              f"p95 {_median([a['p95'] for a in app]) / _median([h['p95'] for h in hello]):.1f}×"]
    prof = result.get("profile")
    if prof:
        lines += ["", f"profiled worker (1 worker, 1 thread, concurrency 4): "
                  f"{prof['phase']['profiled']['rps']:.0f} req/s, {prof['requests']} requests, "
                  f"{prof['cpu_ms_per_request']:.1f} ms profiled per request", "",
                  "| cumulative ms/request | own ms/request | calls/request | function |",
                  "|---|---|---|---|"]
        for row in prof["top_cumulative"]:
            lines.append(f"| {row['cum_ms_per_request']:.2f} | {row['own_ms_per_request']:.2f}"
                         f" | {row['calls_per_request']:.1f} | {row['where']} |")
        lines += ["", "top own time:", "", "| own ms/request | calls/request | function |",
                  "|---|---|---|"]
        for row in prof["top_own"]:
            lines.append(f"| {row['own_ms_per_request']:.2f} | {row['calls_per_request']:.1f}"
                         f" | {row['where']} |")
    setup = result["noisy_setup"]
    lines += ["", f"noisy neighbour: {setup['others']} co-ops at {setup['rate']}/s each, the "
              f"noisy one at {setup['noisy_rate']}/s (capacity seen above "
              f"{setup['capacity_rps']:.0f}/s)", "",
              "| phase | others req/s | others p50 | others p95 | others p99 | others "
              "statuses | noisy statuses | machine busy | load before→after |",
              "|---|---|---|---|---|---|---|---|---|"]
    for key in ("noisy", "noisy_nolimit"):
        for p in result.get(key, []):
            o = p["others"]
            lines.append(f"| {p['name']} | {o['rps']:.0f} | {o.get('p50', 0):.1f} | "
                         f"{o.get('p95', 0):.1f} | {o.get('p99', 0):.1f} | {o['statuses']} | "
                         f"{p.get('noisy', {}).get('statuses', '')} | "
                         f"{p['machine_busy']:.0%} | {p['load_before']} → {p['load_after']} |")
        if result.get(key):
            s = noisy_summary(result[key])
            result[key + "_summary"] = s
            lines.append(f"| **{key}: others' p95 with/without, median of rounds** | | | "
                         f"{s['noisy_p95']:.1f} / {s['quiet_p95']:.1f} = **{s['ratio']:.2f}×** "
                         f"(target ≤{TARGETS['ratio_p95_noisy']}) | | | noisy 429 share "
                         f"{s['noisy_429_share']:.0%}, served {s['noisy_served_rps']:.1f}/s "
                         "| | |")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--coops", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--setup-procs", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--procs", type=int, default=2, help="load generator processes")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--noisy-rounds", type=int, default=3)
    parser.add_argument("--limit-off-rounds", type=int, default=2)
    parser.add_argument("--rate", type=float, default=4.0,
                        help="requests a second of each quiet co-op")
    parser.add_argument("--others", type=int, default=0,
                        help="quiet co-ops (default: a --load-share of the capacity)")
    parser.add_argument("--load-share", type=float, default=0.4)
    parser.add_argument("--redis-db", type=int, default=None)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", type=float, default=0.0,
                        help="seconds of cProfile on one worker after the throughput rounds")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.generate:
        json.dump(generate(json.loads(sys.stdin.read())), sys.stdout)
        return 0
    result = run(args)
    text = report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    print(text)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
