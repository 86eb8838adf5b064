"""Gunicorn configuration for coopfed.

Used as:

    gunicorn -c deploy/gunicorn.conf.py federation.wsgi:app

Gunicorn reads this file as Python and takes every module-level name that
matches one of its settings.  It imports only the standard library, so it can
be loaded before (and independently of) the application.

Every value can be tuned without editing this file, through environment
variables (for example in /etc/coopfed/coopfed.env):

    GUNICORN_BIND         address to listen on        (default 127.0.0.1:8000)
    GUNICORN_WORKERS      worker processes            (default 2 * cores + 1)
    GUNICORN_THREADS      threads per worker process  (default 4)
    GUNICORN_TIMEOUT      seconds before a silent worker is killed (default 30)
    GUNICORN_LOG_LEVEL    debug, info, warning, error (default info)
    FORWARDED_ALLOW_IPS   proxies trusted for X-Forwarded-Proto
                          (default 127.0.0.1,::1, i.e. nginx on this host)

Sizing: each thread may hold one database connection, so one web node can
open up to workers * threads connections to PostgreSQL (or to PgBouncer).
Keep that total below PostgreSQL's max_connections, summed over every web
node, or put PgBouncer in front of PostgreSQL.
"""

import gc
import os


def _env_int(name, default):
    """Return the integer in environment variable *name*, or *default*."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(
            f"gunicorn.conf.py: {name} must be an integer, not {value!r}") from None
    if number < 1:
        raise SystemExit(f"gunicorn.conf.py: {name} must be at least 1, not {number}")
    return number


def _cores():
    """CPU cores this process may actually use (respects CPU affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# --- Socket -----------------------------------------------------------------

# nginx on the same host proxies to this address.  Keep it on the loopback
# interface unless a load balancer on another host must reach gunicorn
# directly (the container image sets 0.0.0.0:8000).  Several addresses may be
# given, separated by commas.
bind = [
    address.strip()
    for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
    if address.strip()
]

# Connections waiting to be accepted.
backlog = 2048

# --- Workers ----------------------------------------------------------------

# Processes.  GUNICORN_WORKERS wins, then WEB_CONCURRENCY (the variable that
# gunicorn and most platforms use), then the usual 2 * cores + 1.
workers = _env_int("GUNICORN_WORKERS", _env_int("WEB_CONCURRENCY", 2 * _cores() + 1))

# Threaded workers: a request waiting on PostgreSQL or Redis does not block the
# whole process, and keep-alive connections from nginx are cheap.
worker_class = "gthread"
threads = _env_int("GUNICORN_THREADS", 4)

# Do not import the application in the master process.  Each worker imports it
# itself, so that:
#   * no database or Redis connection is ever shared across a fork;
#   * "systemctl reload coopfed-web" (SIGHUP) starts workers on the newly
#     installed code without dropping connections.
preload_app = False

# Restart each worker after this many requests (with jitter so that they do
# not all restart at once), which bounds the effect of any slow memory leak.
max_requests = 2000
max_requests_jitter = 200

# The heartbeat file of each worker.  /dev/shm is memory-backed, so a slow or
# read-only disk can never make gunicorn think a worker is stuck.  (Under
# systemd, /tmp is private and writable as well, which is the fallback.)
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# --- Timeouts ---------------------------------------------------------------

# A worker silent for this long is killed and replaced.  Requests should
# finish in well under a second; slow work belongs on the RQ queues.  Keep
# this below nginx's proxy_read_timeout (60 s) so that gunicorn, not nginx,
# gives up first and logs it.
timeout = _env_int("GUNICORN_TIMEOUT", 30)

# Time allowed for requests in progress to finish on SIGTERM or SIGHUP.
# systemd's TimeoutStopSec for coopfed-web is longer than this.
graceful_timeout = 30

# Seconds to keep an idle keep-alive connection from nginx open.  The upstream
# block in nginx/coopfed.conf sets keepalive_timeout to 4 s, shorter than this,
# so nginx always closes an idle connection before gunicorn does and never
# sends a request down a connection that gunicorn is closing.
keepalive = 5

# --- Proxy ------------------------------------------------------------------

# Trust X-Forwarded-Proto (and the other secure_scheme_headers) only from
# these addresses, so that the application knows a request came over HTTPS.
# nginx runs on the same host and connects from the loopback interface.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# --- Logging ----------------------------------------------------------------

# Both logs go to standard output/error, which systemd's journal (or Docker)
# collects.  Nothing is written to files under the read-only /opt/coopfed.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The peer of every request is nginx (127.0.0.1), so log the client address
# that nginx forwards instead, plus the time taken in microseconds.
access_log_format = (
    '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s '
    '"%(f)s" "%(a)s" %(D)sus'
)

# Shown in ps and top.
proc_name = "coopfed-web"

# --- Control socket (gunicorn 25.1 and later; older versions ignore this) ----

# gunicorn's control socket (for the gunicornc tool) defaults to
# $HOME/.gunicorn/gunicorn.ctl, which the systemd hardening makes read-only.
# coopfed-web.service sets RuntimeDirectory=coopfed-web, so systemd passes a
# private, writable /run/coopfed-web in RUNTIME_DIRECTORY: put it there.
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = os.path.join(
        os.environ["RUNTIME_DIRECTORY"].split(":")[0], "gunicorn.ctl"
    )


def post_worker_init(worker):
    """Freeze the heap the app built at start-up, once per worker.

    Python's full garbage collections otherwise walk every object the app made at
    start-up (SQLAlchemy metadata, templates, translations) on every pass: measured
    on the 6,000-visit rota week, p95 fell from 208 ms to 112 ms (BENCHMARKS.md).
    """
    gc.collect()
    gc.freeze()
