"""The one entry point every job runs through, on RQ or in-process.

It gives the job an app context and owns the job's transaction: the job function
may flush, and the runner commits on success or rolls back on error, for the
federation session and for a co-op session the job opened.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, has_app_context
from werkzeug.utils import import_string

from core.db import db
from tenants.context import finish_tenant_session

log = logging.getLogger(__name__)
_app: Flask | None = None


def use_app(app: Flask) -> None:
    """Run jobs of this process in ``app`` (the worker entry point calls this once)."""
    global _app
    _app = app


# Packages whose ``tasks`` modules hold job functions, plus provisioning.
JOB_MODULES = (
    "tenants.provisioning",
    "services.outbox.tasks",
    "services.mail.tasks",
    "services.pool.tasks",
    "services.lending.tasks",
    "services.stats.tasks",
    "services.portability.tasks",
    "services.mail.meetings",
    "federation.onboarding.tasks",
    "federation.agencies.tasks",
    "federation.oauth.tasks",
    "federation.care.tasks",
    "federation.schedules.tasks",
    "federation.accounts.tasks",
    "federation.society_reminders",
)


def preload(app: Flask) -> None:
    """Import every job module and read the migration heads once, in the worker's parent.

    RQ forks a work horse for each job; what the parent has already imported and cached
    each child inherits for free, instead of importing it again (and throwing it away)
    for every job. Provisioning needs the tenant tree's head, which reads every
    migration script.
    """
    from importlib import import_module

    from tenants import migrate

    for module in JOB_MODULES:
        import_module(module)
    migrate.head(app.config["TENANT_MIGRATIONS_PATH"])


def _resolve_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        raise RuntimeError("no app for this job: run workers with `coopfed worker`, "
                           "which builds the app once and calls use_app()")
    return _app


def run_job(func_path: str, *args: int | str, dedupe_key: str | None = None) -> Any:
    """Import ``func_path`` ("module:function") and run it with ``args`` in its own transaction."""
    app = _resolve_app()
    with app.app_context():
        if dedupe_key:
            app.extensions["coopfed.jobs"].release(dedupe_key)
        func = import_string(func_path.replace(":", "."))
        try:
            result = func(*args)
            db.session.commit()
            finish_tenant_session(commit=True)
            return result
        except BaseException:
            db.session.rollback()
            finish_tenant_session(commit=False)
            raise
        finally:
            db.session.remove()
