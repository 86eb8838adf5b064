"""Every coopfed setting, declared once with its type, default and meaning.

Settings are read from ``COOPFED_*`` environment variables (``COOPFED_DATABASE_URL``
becomes ``DATABASE_URL``), then from the ``test_config`` a caller passes to
``create_app``. ``load_settings`` fills the defaults that depend on the instance
folder and refuses a value of the wrong type, naming the variable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from limits import parse_many


@dataclass(frozen=True)
class Setting:
    """One declared setting: its name without the COOPFED_ prefix, type, default and meaning."""

    name: str
    type: type
    default: Any
    help: str
    nullable: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", str, "development", "development, test or production."),
    Setting(
        "SECRET_KEY", str, None,
        "Signs session cookies and CSRF tokens. Generated into instance/secret_key on the "
        "first embedded run; required when ENV is production.", nullable=True),
    Setting(
        "DATABASE_URL", str, None,
        "The application's login to the database. Unset: SQLite files under instance/ "
        "(instance/federation.sqlite and instance/coops/<slug>.sqlite).", nullable=True),
    Setting(
        "OWNER_DATABASE_URL", str, None,
        "The owner credential used by provisioning and migrations (PostgreSQL). "
        "Unset: the same as DATABASE_URL.", nullable=True),
    Setting(
        "REDIS_URL", str, None,
        "Redis for RQ jobs and rate limits. Unset: jobs run in-process through the same "
        "job functions, and rate limits are kept in memory.", nullable=True),
    Setting(
        "DEPLOYMENT", str, "coopfed",
        "Prefix of RQ queue names and PostgreSQL co-op role names, so that several "
        "deployments can share one Redis or one PostgreSQL cluster."),
    Setting("DEFAULT_LOCALE", str, "en", "Language for people who have not chosen one: en or cy."),
    Setting(
        "STATS_CELL_KEY", str, None,
        "Secret of the cell-key perturbation of published person counts "
        "(docs/disclosure.md); never published. Unset: derived from SECRET_KEY.",
        nullable=True),
    Setting("MIGRATE_WORKERS", int, 4, "Processes that migrate co-op stores in parallel."),
    Setting(
        "MIGRATE_LOCK_TIMEOUT_MS", int, 5000,
        "How long one co-op's migration waits for a lock before it fails (PostgreSQL)."),
    Setting(
        "TENANT_MIGRATIONS_PATH", str, None,
        "Folder of the tenant Alembic tree. Unset: migrations/tenant in this package.",
        nullable=True),
    Setting(
        "STORE_POOL_SIZE", int, None,
        "Spare co-op stores (schema and role, or file) kept built and stamped at the tenant "
        "head, so that provisioning only claims and renames one; refilled by a job. 0 turns "
        "the pool off (each co-op's store is built when it is provisioned). Unset: 3, or 0 "
        "when ENV is test.", nullable=True),
    Setting(
        "TENANT_ENGINE_CACHE", int, 100,
        "How many SQLite co-op engines (each with its open files) a process keeps, the most "
        "recently used; about half a megabyte each. Opening one again costs a few "
        "milliseconds on a co-op's next request. 1 or more."),
    Setting("LOGIN_RATE_LIMIT", str, "10 per minute", "Sign-in attempts allowed per address."),
    Setting(
        "COOP_RATE_LIMIT", str, None,
        "Requests one co-op's members may make to its workspace pages and co-op API, all "
        "together (a limits string, e.g. '10 per second'); past it they are answered 429 "
        "with Retry-After, so that one busy co-op cannot slow the others. Counted in Redis "
        "(in memory when REDIS_URL is unset); 'off' turns it off. Unset: 10 per second, "
        "or off when ENV is test (a test that wants it sets it).", nullable=True),
    Setting("INPROCESS_JOB_THREADS", int, 2, "Threads that run jobs when REDIS_URL is unset."),
    Setting(
        "WORKER_TTL", int, 420,
        "Seconds an RQ worker may go without a heartbeat before Redis forgets it; it waits "
        "for a job 15 s less than this, and a Redis that answers nothing for about that "
        "long makes RQ quit, which `coopfed worker` answers by reconnecting. 30 or more."),
    Setting(
        "PROVISION_RETRY_SECONDS", int, 120,
        "A co-op left pending or provisioning this long is provisioned again by the sweeper."),
    Setting(
        "PUBLIC_URL", str, "http://127.0.0.1:5000",
        "The address people reach coopfed at, for links in emails (e.g. https://coopfed.cymru)."),
    Setting(
        "TRUSTED_PROXIES", int, 0,
        "How many reverse proxies (nginx, a load balancer) sit in front of the app; their "
        "X-Forwarded-* headers are trusted, so rate limits and audit see the real client."),
    Setting(
        "SESSION_COOKIE_SECURE", bool, None,
        "Send the session cookie over HTTPS only. Unset: on in production.", nullable=True),
    Setting("SESSION_IDLE_MINUTES", int, 120,
            "A login session unused this long ends on the server."),
    Setting("SESSION_MAX_HOURS", int, 12,
            "A login session ends on the server this long after sign-in, however busy."),
    Setting("SIGNUP_RATE_LIMIT", str, "5 per hour",
            "Sign-ups allowed per client address (each sends an email)."),
    Setting("EMAIL_VERIFY_HOURS", int, 48,
            "How long a link that verifies an email address works."),
    Setting("MAIL_URL", str, None, "Outgoing mail: smtp://user:pass@host:587 (STARTTLS) or "
            "smtps://host:465, or maildir:///path. Unset: emails are written to the coopfed.mail "
            "log.", nullable=True),
    Setting("MAIL_FROM", str, "coopfed <no-reply@coopfed.invalid>", "From address of emails."),
    Setting(
        "JOB_LEASE_SECONDS", int, 120,
        "How long work claimed by a job (an email being sent, a statistics release being "
        "published) stays claimed without a heartbeat; after that a dead job's work is "
        "handed to another by the sweeper."),
    Setting(
        "SEND_GRACE_SECONDS", int, 30,
        "An email asked for (an invitation, a hand-over, a resume link) and not sent this "
        "long after is queued again by the sweeper: its job was lost with Redis's queue."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


class ConfigError(RuntimeError):
    """A setting is missing or has the wrong type; the message names the variable."""


def _coerce(setting: Setting, value: Any) -> Any:
    if value is None:
        if setting.nullable:
            return None
        raise ConfigError(f"COOPFED_{setting.name} must be set")
    if setting.type is bool and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"COOPFED_{setting.name} must be true or false, not {value!r}")
    if setting.type is int and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"COOPFED_{setting.name} must be a whole number") from None
    if setting.type is str and not isinstance(value, str):
        value = str(value)
    if not isinstance(value, setting.type):
        raise ConfigError(f"COOPFED_{setting.name} must be a {setting.type.__name__}")
    return value


def load_settings(config: dict, instance_path: str) -> None:
    """Apply defaults, check types and derive the settings that depend on others, in place."""
    for setting in SETTINGS:
        config[setting.name] = _coerce(setting, config.get(setting.name, setting.default))
    if config["ENV"] not in {"development", "test", "production"}:
        raise ConfigError("COOPFED_ENV must be development, test or production")
    production = config["ENV"] == "production"
    instance = Path(instance_path)
    if not config["DATABASE_URL"]:
        if production:
            raise ConfigError("COOPFED_DATABASE_URL must be set when COOPFED_ENV=production")
        config["DATABASE_URL"] = f"sqlite:///{instance / 'federation.sqlite'}"
    config["DATABASE_URL"] = normalise_database_url(config["DATABASE_URL"])
    config["OWNER_DATABASE_URL"] = normalise_database_url(
        config["OWNER_DATABASE_URL"] or config["DATABASE_URL"])
    if not config["SECRET_KEY"]:
        if production:
            raise ConfigError("COOPFED_SECRET_KEY must be set when COOPFED_ENV=production")
        config["SECRET_KEY"] = _instance_secret(instance)
    if not config["STATS_CELL_KEY"]:
        config["STATS_CELL_KEY"] = hmac.new(config["SECRET_KEY"].encode(),
                                            b"coopfed statistics cell key",
                                            hashlib.sha256).hexdigest()
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = production
    if production and config["PUBLIC_URL"].startswith("http://127.0.0.1"):
        raise ConfigError("COOPFED_PUBLIC_URL must be set when COOPFED_ENV=production")
    config["PUBLIC_URL"] = config["PUBLIC_URL"].rstrip("/")
    if config["STORE_POOL_SIZE"] is None:
        config["STORE_POOL_SIZE"] = 0 if config["ENV"] == "test" else 3
    if config["STORE_POOL_SIZE"] < 0:
        raise ConfigError("COOPFED_STORE_POOL_SIZE must be 0 or more")
    if config["WORKER_TTL"] < 30:
        raise ConfigError("COOPFED_WORKER_TTL must be 30 or more")
    if config["TENANT_ENGINE_CACHE"] < 1:
        raise ConfigError("COOPFED_TENANT_ENGINE_CACHE must be 1 or more")
    if config["COOP_RATE_LIMIT"] is None:
        config["COOP_RATE_LIMIT"] = "off" if config["ENV"] == "test" else "10 per second"
    if config["COOP_RATE_LIMIT"].strip().lower() != "off":
        try:
            parse_many(config["COOP_RATE_LIMIT"])
        except ValueError:
            raise ConfigError("COOPFED_COOP_RATE_LIMIT must be a rate such as "
                              "'10 per second', or off") from None
    if not config["TENANT_MIGRATIONS_PATH"]:
        config["TENANT_MIGRATIONS_PATH"] = str(
            Path(__file__).resolve().parent.parent / "migrations" / "tenant")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs, as the rest of the code expects."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance: Path) -> str:
    """Read instance/secret_key, creating it once with a random key readable only by us."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def describe() -> list[tuple[str, str, str, str]]:
    """Rows of (variable, type, default, meaning) for documentation and `coopfed config`."""
    return [(f"COOPFED_{s.name}", s.type.__name__, repr(s.default), s.help) for s in SETTINGS]
