"""The ``coopfed`` command: demo, serve, worker, scheduler, migrate and co-op administration."""

from __future__ import annotations

import gc
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from core.db import db
from core.errors import DomainError, ValidationError
from federation.dev_commands import config_command, db_group
from tenants.registry.models import Coop, CoopType

PARTIAL_FAILURE = 3


def _create_app():
    from federation.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, load_dotenv=False,
             set_debug_flag=False)
def main() -> None:
    """coopfed: a federation platform for care co-operatives."""


main.add_command(db_group)
main.add_command(config_command)


def register_commands(app) -> None:
    """Make the same commands available as ``flask --app federation.app …``.

    Each goes under the name ``coopfed`` knows it by: a plugin's command (Flask-Limiter's
    ``limiter``) is named after its function (``cli``), and was listed twice.
    """
    for name, command in main.commands.items():
        if name not in app.cli.commands:
            app.cli.add_command(command, name)


def _fail(exc: DomainError) -> None:
    if isinstance(exc, ValidationError):
        for field, messages in exc.errors.items():
            for message in messages:
                click.echo(f"error: {field}: {message}", err=True)
    else:
        click.echo(f"error: {exc.message}", err=True)
    sys.exit(2)


def jobs_drain() -> None:
    """Wait for queued jobs: in-process threads finish, or RQ jobs run here in burst mode."""
    current_app.extensions["coopfed.jobs"].drain()


@main.command("migrate")
@click.option("--workers", type=int, default=None, help="Processes for co-op stores.")
@with_appcontext
def migrate_command(workers: int | None) -> None:
    """Migrate the federation, then every co-op.

    Exit status: 0 when everything is at head; 3 when some co-ops failed (they are
    named, and put into maintenance, and every other co-op was upgraded); 1 when the
    federation itself could not be migrated.
    """
    from tenants.migrate import migrate_all

    report = migrate_all(current_app._get_current_object(), workers=workers)
    click.echo(f"federation at {report.federation}; tenant head {report.head}")
    click.echo(f"{len(report.upgraded)} co-ops upgraded in {report.seconds:.2f}s")
    if report.spares_upgraded or report.spares_failed:
        click.echo(f"{report.spares_upgraded} spare stores upgraded")
    for slug, error in sorted(report.failed.items()):
        click.echo(f"FAILED {slug}: {error} (now in maintenance)", err=True)
    # A spare holds no one's data, so it does not change the exit status: it is set aside,
    # never handed out, and the refill job replaces it. Still say so, with the cause.
    for spare_id, error in sorted(report.spares_failed.items()):
        click.echo(f"FAILED spare store {spare_id}: {error} (set aside; the refill replaces "
                   f"it)", err=True)
    if not report.ok:
        sys.exit(PARTIAL_FAILURE)


@main.group("coop")
def coop_group() -> None:
    """Create and manage co-ops."""


@coop_group.command("create")
@click.option("--name", required=True)
@click.option("--name-cy", default=None)
@click.option("--slug", required=True)
@click.option("--type", "coop_type", required=True,
              help="One of: " + ", ".join(t.value for t in CoopType))
@click.option("--la", required=True, help="ONS code of the local authority, e.g. W06000018.")
@click.option("--admin-email", required=True)
@click.option("--locale", default="en", help="The co-op's default language: en or cy.")
@with_appcontext
def coop_create(name, name_cy, slug, coop_type, la, admin_email, locale) -> None:
    """Create a co-op and wait until its workspace is ready."""
    from federation.coops.service import check_create_coop

    data = {"name": name, "name_cy": name_cy, "slug": slug, "type": coop_type, "la": la,
            "admin_email": admin_email, "default_locale": locale}
    try:
        requested = check_create_coop(data)
        coop_id = requested.coop.id
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    jobs_drain()
    db.session.expire_all()
    coop = db.session.get(Coop, coop_id)
    click.echo(f"{coop.slug}: {coop.state} at {coop.schema_version}")
    if requested.admin_password:
        click.echo(f"first admin {admin_email} can sign in with the one-time password "
                   f"{requested.admin_password}")
    if coop.state != "active":
        click.echo(f"provisioning did not finish: {coop.state_reason}", err=True)
        sys.exit(1)


@coop_group.command("list")
@with_appcontext
def coop_list() -> None:
    """Show every co-op with its state and schema version."""
    rows = db.session.scalars(select(Coop).order_by(Coop.slug)).all()
    click.echo(f"{'slug':<40} {'state':<13} {'version':<14} {'type':<18} la")
    for coop in rows:
        click.echo(f"{coop.slug:<40} {coop.state:<13} {coop.schema_version or '-':<14} "
                   f"{coop.coop_type:<18} {coop.la_code}")


def _state_command(action: str):
    @coop_group.command(action)
    @click.argument("slug")
    @click.option("--reason", default=None)
    @with_appcontext
    def command(slug: str, reason: str | None) -> None:
        from tenants.registry.service import change_state

        try:
            coop = change_state(slug, action, reason=reason)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            _fail(exc)
        click.echo(f"{coop.slug}: {coop.state}")

    command.__doc__ = f"{action.capitalize()} a co-op."
    return command


for _action in ("suspend", "reactivate", "archive"):
    _state_command(_action)


@coop_group.command("export")
@click.argument("slug")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Where to write the archive (a .zip file).")
@with_appcontext
def coop_export(slug: str, out: str) -> None:
    """Write one co-op's store and federation records to an archive (issue 15)."""
    from services.portability.service import do_export_to_file

    try:
        manifest = do_export_to_file(slug, out)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    rows = sum(sum(group.values()) for group in manifest["counts"].values())
    click.echo(f"{slug}: {len(manifest['parts'])} parts, {rows} rows, schema "
               f"{manifest['schema_head']} -> {out}")


@coop_group.command("import")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--slug", default=None, help="Import under this slug instead of the archive's.")
@with_appcontext
def coop_import(archive: str, slug: str | None) -> None:
    """Create a co-op from an archive; refuses a damaged or newer one and writes nothing."""
    from services.portability.importer import import_coop

    try:
        result = import_coop(archive, slug=slug)
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    if result.already:
        click.echo(f"{result.slug}: already imported from this archive; nothing to do")
        return
    click.echo(f"{result.slug}: imported {result.rows} rows, {result.memberships} memberships"
               + (f", migrated from {result.migrated_from}" if result.migrated_from else ""))
    for email in result.unmatched_accounts:
        click.echo(f"no account here for {email}: invite them to the co-op", err=True)


@coop_group.command("leave")
@click.argument("slug")
@click.option("--grace-days", type=int, default=None, help="Days before the store is dropped.")
@click.option("--cancel", is_flag=True, help="Cancel a leaving still in its grace period.")
@with_appcontext
def coop_leave(slug: str, grace_days: int | None, cancel: bool) -> None:
    """Start (or cancel) a co-op's leaving: export, grace period, then its store is dropped."""
    from services.portability import leaving

    try:
        if cancel:
            leaving.do_cancel_leaving(slug)
        else:
            record = leaving.do_start_leaving(slug, grace_days=grace_days)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    if cancel:
        click.echo(f"{slug}: leaving cancelled")
    else:
        jobs_drain()
        click.echo(f"{slug}: leaves at {record.leaves_at:%Y-%m-%d %H:%M} UTC; export job "
                   f"{record.export_job_id}")


@main.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run an RQ worker, with RQ's scheduler, on this deployment's queues."""
    from rq import Worker

    from services.jobs.backends import QUEUES, RQBackend
    from services.jobs.runner import preload, use_app

    backend = current_app.extensions["coopfed.jobs"]
    if not isinstance(backend, RQBackend):
        raise click.ClickException("COOPFED_REDIS_URL is not set: jobs already run in-process")
    use_app(current_app._get_current_object())
    preload(current_app)
    queues = [backend.queue(q) for q in QUEUES]
    ttl = current_app.config["WORKER_TTL"]

    def work() -> None:
        from redis.exceptions import ConnectionError as RedisConnectionError

        worker = Worker(queues, connection=backend.redis, worker_ttl=ttl)
        worker.work(with_scheduler=True)
        # RQ's loop also ends, without raising, when Redis times out or answers with an
        # error it does not expect ("quitting..."); only a signal means "stop".
        if not worker._stop_requested:
            raise RedisConnectionError("the RQ worker quit without being asked to stop")

    _reconnecting(work, "worker")


def _reconnecting(run, name: str, max_wait: float = 30.0) -> None:
    """Run ``run`` and, whenever it stops because Redis went away, wait and run it again.

    Waits grow from 1 s to ``max_wait``. A clean stop (a signal, the end of ``run``)
    ends the loop; so does any error that is not about reaching Redis.
    """
    import logging
    import time

    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    log = logging.getLogger(f"coopfed.{name}")
    wait = 1.0
    while True:
        started = time.monotonic()
        try:
            run()
            return
        except (RedisConnectionError, RedisTimeout) as exc:
            if time.monotonic() - started > 60:
                wait = 1.0  # it ran a while: this is a new outage
            log.warning("%s lost Redis (%s); reconnecting in %.0f s", name, exc, wait)
            time.sleep(wait)
            wait = min(wait * 2, max_wait)


# Periodic jobs: (job path, seconds between runs). Each runs through the job runner,
# which gives it an app context and owns its transaction, as for any other job.
PERIODIC_JOBS = (
    ("services.outbox.tasks:sweep", 60),
    ("services.mail.tasks:sweep_mail", 60),
    ("federation.agencies.tasks:sweep_handovers", 60),
    ("services.stats.tasks:sweep_releases", 60),
    ("federation.onboarding.tasks:sweep", 300),
    ("tenants.provisioning:refill_pool", 300),
    ("services.lending.tasks:expire", 300),
    ("services.lending.tasks:sweep_emails", 60),
    ("services.stats.tasks:sweep_rollups", 3600),
    ("services.pool.tasks:refresh_all", 86400),
    ("federation.oauth.tasks:purge_tokens", 86400),
    ("federation.society_reminders:remind_all", 86400),
    ("services.portability.tasks:expire_files", 3600),
    ("services.portability.tasks:sweep_leavings", 3600),
)


@main.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run RQ's cron scheduler for the periodic jobs in PERIODIC_JOBS."""
    from rq.cron import CronScheduler

    from services.jobs.backends import RQBackend
    from services.jobs.runner import run_job

    backend = current_app.extensions["coopfed.jobs"]
    if not isinstance(backend, RQBackend):
        raise click.ClickException("COOPFED_REDIS_URL is not set")

    def run() -> None:
        scheduler = CronScheduler(connection=backend.redis, name=f"{backend.prefix}-cron")
        for job, seconds in PERIODIC_JOBS:
            scheduler.register(run_job, queue_name=backend.queue_name("default"),
                               args=(job,), interval=seconds, name=job)
        scheduler.start()

    _reconnecting(run, "scheduler")


@main.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Run the outbox and provisioning sweep once."""
    from services.outbox.service import sweep

    click.echo(sweep())
    jobs_drain()


def served_address(host: str, port: int) -> str:
    """The address a person types to reach a server listening on ``host:port``."""
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _use_served_address(app, host: str, port: int) -> None:
    """In development, emailed links lead to the address actually served, whatever the port."""
    import os

    if "COOPFED_PUBLIC_URL" not in os.environ and app.config["ENV"] != "production":
        app.config["PUBLIC_URL"] = served_address(host, port)


def _run_server(app, host: str, port: int) -> None:
    """Werkzeug's threaded development server (gunicorn serves production)."""

    from werkzeug.serving import run_simple

    _use_served_address(app, host, port)

    # The command's own session must not hold a transaction (on SQLite, a write lock)
    # while requests are served.
    db.session.remove()
    # As gunicorn workers do (deploy/gunicorn.conf.py): keep the start-up heap out of
    # every full garbage collection.
    gc.collect()
    gc.freeze()
    sys.stdout.flush()
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Migrate, then serve on a development server (use gunicorn in production)."""
    from tenants.migrate import migrate_all

    app = current_app._get_current_object()
    migrate_all(app)
    click.echo(f"coopfed is serving on {served_address(host, port)}/")
    _run_server(app, host, port)


@main.command("demo")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-serve", is_flag=True, help="Seed only.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Seed a demo federation if there is none, print its sign-ins, then serve it."""
    from federation.demo import DEMO_PASSWORD, seed_demo
    from tenants.migrate import migrate_all

    app = current_app._get_current_object()
    if not no_serve:  # the seed's own emails (lending offers) link to the served port too
        _use_served_address(app, host, port)
    migrate_all(app)
    people = seed_demo(progress=lambda step: click.echo(f"demo: {step}"))
    click.echo(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD}):")
    for role, email in people:
        click.echo(f"  {role:<46} {email}")
    if not no_serve:
        click.echo(f"\ncoopfed demo is serving on {served_address(host, port)}/", nl=True)
        click.echo("Emails are not sent: each is printed here, with its links.")
        _run_server(app, host, port)


STATS_PUBLISH_TIMEOUT = 900.0


@main.group("stats")
def stats_group() -> None:
    """Pooled statistics: publish a disclosure-controlled release."""


@stats_group.command("publish")
@click.option("--by", "by_email", default=None,
              help="Email of the federation admin recorded as asking for the release.")
@click.option("--rollups/--no-rollups", default=False,
              help="First ask every co-op to send its changed weeks, and relay them.")
@with_appcontext
def stats_publish(by_email: str | None, rollups: bool) -> None:
    """Publish the next release of pooled statistics and wait for it."""
    from federation.accounts.models import Account
    from services.stats.models import StatsRelease
    from services.stats.publish import request_release
    from services.stats.tasks import sweep_rollups

    actor_id = None
    if by_email is not None:
        account = db.session.scalar(select(Account).where(
            Account.email == by_email.strip().lower()))
        if account is None or not account.is_federation_admin:
            _fail(ValidationError({"by": ["no federation admin has this email"]}))
        actor_id = account.id
    if rollups:
        sweep_rollups()
        db.session.commit()
        jobs_drain()
    try:
        release_id = request_release(actor_account_id=actor_id).id
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    # A full release takes a minute or two at a thousand co-ops.
    current_app.extensions["coopfed.jobs"].drain(timeout=STATS_PUBLISH_TIMEOUT)
    db.session.expire_all()
    release = db.session.get(StatsRelease, release_id)
    click.echo(f"release {release.version}: {release.status}, {release.cell_count or 0} cells, "
               f"output sha256 {release.output_digest or '-'}")
    if release.status != "published":
        click.echo(f"error: {release.error or 'the publish job did not finish'}", err=True)
        sys.exit(1)
