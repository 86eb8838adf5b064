"""The app factory: settings, extensions, tenant store, jobs, blueprints, request boundary."""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
from pathlib import Path

from flask import Flask, g, request
from flask_babel import get_locale

from core import audit, security, unit_of_work
from core.config import load_settings
from core.db import configure_sqlite, db, is_sqlite, sqlite_engine_options
from core.registry import load_hooks, require_modules
from federation.extensions import babel, coop_limiter, csrf, limiter, login_manager
from services.jobs import backends as job_backends
from tenants.context import STORE, finish_tenant_session
from tenants.store import TenantStore


class CoopfedFlask(Flask):
    """Flask that tells the unit of work when an exception escapes a view or a hook."""

    def handle_user_exception(self, e):
        unit_of_work.note_failure()
        return super().handle_user_exception(e)


def create_app(test_config: dict | None = None) -> Flask:
    """Build a coopfed app from ``COOPFED_*`` variables, overridden by ``test_config``."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "COOPFED_INSTANCE_PATH")
    app = CoopfedFlask("federation", instance_path=instance_path or None,
                       instance_relative_config=True)
    # Flask's own default (False) would read as a choice and keep the cookie off HTTPS-only
    # in production; unset, coopfed's default (on in production) applies.
    app.config.pop("SESSION_COOKIE_SECURE", None)
    # loads=str: every value stays the text it was given (Flask's default JSON-decodes it,
    # so COOPFED_SECRET_KEY=1e5 became "100000.0"); load_settings converts by declared type.
    app.config.from_prefixed_env("COOPFED", loads=str)
    if test_config:
        app.config.update(test_config)
    load_settings(app.config, app.instance_path)
    check_registries()
    _configure_flask(app)
    _init_database(app)
    job_backends.init_app(app)
    _init_extensions(app)
    app.url_map.converters["int"] = security.IdConverter  # before any route is added
    _register_blueprints(app)
    load_hooks()  # every package's views are in, so every hook is declared by now
    _serve_static_versioned(app)
    _register_boundary(app)
    security.init_app(app)
    from federation.cli import register_commands
    from federation.errors import register_error_handlers

    register_error_handlers(app)
    register_commands(app)
    return app


def check_registries() -> None:
    """Refuse to start if a hand-kept list names a module that does not exist."""
    from federation import demo, sections
    from services.jobs import runner
    from services.outbox import handlers
    from tenants import features

    require_modules("tenants.features.FEATURES",
                    (f"{feature}.views" for feature in features.FEATURES))
    require_modules("federation.sections.SECTIONS", sections.SECTIONS)
    require_modules("services.jobs.runner.JOB_MODULES", runner.JOB_MODULES)
    require_modules("services.outbox.handlers.HANDLER_MODULES", handlers.HANDLER_MODULES)
    require_modules("federation.demo.SHARED_DEMOS", demo.SHARED_DEMOS)


def _configure_flask(app: Flask) -> None:
    config = app.config
    config.update(
        SQLALCHEMY_DATABASE_URI=config["DATABASE_URL"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=config["SESSION_COOKIE_SECURE"],
        REMEMBER_COOKIE_HTTPONLY=True,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES="translations",
        RATELIMIT_STORAGE_URI=config["REDIS_URL"] or "memory://",
        RATELIMIT_KEY_PREFIX=config["DEPLOYMENT"],
        # A frozen Redis must cost a request seconds (then a 503), never hang it. The
        # storage's own prefix names the deployment too, so that resetting one
        # deployment's limits never clears another's on a shared Redis.
        RATELIMIT_STORAGE_OPTIONS={"socket_timeout": 3, "socket_connect_timeout": 3,
                                   "key_prefix": f"LIMITS:{config['DEPLOYMENT']}"}
        if config["REDIS_URL"] else {},
        RATELIMIT_HEADERS_ENABLED=True,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if config["ENV"] == "production":
        logging.basicConfig(level=logging.INFO)
    elif config["ENV"] == "development":
        # Every email is logged with its links when COOPFED_MAIL_URL is unset (the
        # coopfed.mail logger), and long waits report progress: both must be seen.
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


def _init_database(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if is_sqlite(url):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite_engine_options()
    else:
        # A PostgreSQL backend keeps the catalogue entries of every co-op table it has
        # touched, for as long as it lives: one connection that served thousands of co-ops
        # grew past 300 MB (BENCHMARKS.md, 10,000 co-ops). Connections are replaced after
        # half an hour, so no backend carries the whole federation's catalogue for ever.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "pool_size": 10,
                                                   "max_overflow": 20, "pool_recycle": 1800}
    import federation.models  # noqa: F401 - registers every federation table

    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if is_sqlite(url):
            configure_sqlite(engine)
        app.extensions[STORE] = TenantStore(
            app_engine=engine, owner_url=app.config["OWNER_DATABASE_URL"],
            instance_path=app.instance_path, deployment=app.config["DEPLOYMENT"],
            cache_size=app.config["TENANT_ENGINE_CACHE"])


def _init_extensions(app: Flask) -> None:
    from federation.i18n import select_locale

    # First of every before-request hook: a co-op over its rate limit is refused before
    # the CSRF check reads a form and before the co-op's store is opened.
    coop_limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.session_protection = "strong"
    limiter.init_app(app)

    from tenants.registry.labels import COOP_TYPE_NAMES, ROLE_NAMES, STATE_NAMES

    app.jinja_env.add_extension("jinja2.ext.do")
    from tenants.web import nav_for

    app.jinja_env.globals.update(role_names=ROLE_NAMES, state_names=STATE_NAMES,
                                 coop_type_names=COOP_TYPE_NAMES, coop_nav=nav_for)

    @app.context_processor
    def _template_globals():
        return {"current_locale": str(get_locale()), "request_path": request.full_path
                if request.query_string else request.path}


def _register_blueprints(app: Flask) -> None:
    from federation import api
    from federation.accounts.views import bp as accounts_bp
    from federation.home.views import bp as home_bp
    from federation.i18n import bp as i18n_bp
    from federation.invitations.views import bp as invitations_bp
    from federation.sections import SECTIONS
    from tenants.features import FEATURES

    for blueprint in (home_bp, accounts_bp, i18n_bp, invitations_bp):
        app.register_blueprint(blueprint)
    api_blueprints = []
    for module in (*(f"{feature}.views" for feature in FEATURES), *SECTIONS):
        views = importlib.import_module(module)
        for name in ("bp", "pages"):
            if hasattr(views, name):
                app.register_blueprint(getattr(views, name))
        if hasattr(views, "api"):
            api_blueprints.append(views.api)
    api.init_app(app, api_blueprints)


def static_version(folder: str) -> str:
    """A short hash of every file under ``folder``: names and contents."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _serve_static_versioned(app: Flask) -> None:
    """Add a content hash to static URLs (``?v=…``), so nginx may cache ``/static/`` for a
    year (deploy/nginx/coopfed.conf) and a release still reaches every browser at once."""
    version = static_version(app.static_folder)

    @app.url_defaults
    def _static_version(endpoint, values):
        if endpoint == "static":
            values.setdefault("v", version)


def _register_boundary(app: Flask) -> None:
    """One owner per transaction: the request commits what its services flushed, or rolls back.

    The decision is ``core.unit_of_work.should_commit()``: the view returned normally and
    no refusal (``DomainError``) was raised on the way. The response's status plays no part.
    """

    @app.after_request
    def _commit(response):
        commit = unit_of_work.should_commit()
        unit_of_work.reset()
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
        finish_tenant_session(commit=commit)
        if audit.write_lasting(db.session):
            db.session.commit()
        return response

    @app.teardown_request
    def _rollback(_exc):
        finish_tenant_session(commit=False)
        # g outlives the request when a test holds the app context: nothing read for one
        # request's co-op may be seen by the next.
        for name in ("coop", "coop_slug", "coopfed_coop_access"):
            g.pop(name, None)
