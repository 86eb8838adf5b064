"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

import math
import time
import weakref

from flask import current_app, has_app_context
from flask_babel import Babel, gettext
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from limits.errors import StorageError
from redis.exceptions import RedisError

from tenants.web import entered_coop, requested_coop_slug

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# Flask-Login flashes this to a visitor sent to sign in; translated when flashed.
login_manager.login_message = "Sign in to see this page."
login_manager.localize_callback = gettext


class AppLimiter(Limiter):
    """A Limiter whose storage belongs to each app it is bound to.

    Flask-Limiter keeps one storage per Limiter, so binding a second app in the same
    process (the CLI, tests, a fault rig with its own Redis) would silently move the
    first app's rate limits to the second app's Redis. Here each app keeps the storage
    made from its own settings, and a request uses its own app's. ``extension`` names
    where the app keeps it, so that two limiters on one app keep theirs apart.
    """

    def __init__(self, *args, extension: str = "coopfed.ratelimit", **kwargs) -> None:
        self.__dict__["_extension"] = extension
        super().__init__(*args, **kwargs)

    def init_app(self, app) -> None:
        super().init_app(app)
        app.extensions[self.__dict__["_extension"]] = (self.__dict__["_last_storage"],
                                                       self.__dict__["_last_limiter"])
        self.__dict__.setdefault("_apps", weakref.WeakSet()).add(app)

    def forget(self, app) -> None:
        """``app`` is closed: a reset outside any app no longer reaches its storage."""
        self.__dict__.get("_apps", weakref.WeakSet()).discard(app)

    def reset(self) -> None:
        """Inside an app: that app's limits. Outside: those of every app still open here."""
        if has_app_context():
            super().reset()
            return
        for app in list(self.__dict__.get("_apps", ())):
            with app.app_context():
                if self._storage.check():  # an app left behind with its Redis gone
                    super().reset()

    def _own(self, index: int, name: str):
        if has_app_context():
            own = current_app.extensions.get(self.__dict__["_extension"])
            if own is not None:
                return own[index]
        return self.__dict__.get(name)  # while binding, before any app has its own

    @property
    def _storage(self):
        return self._own(0, "_last_storage")

    @_storage.setter
    def _storage(self, value) -> None:
        self.__dict__["_last_storage"] = value

    @property
    def _limiter(self):
        return self._own(1, "_last_limiter")

    @_limiter.setter
    def _limiter(self, value) -> None:
        self.__dict__["_last_limiter"] = value


limiter = AppLimiter(key_func=get_remote_address, default_limits=[])


COOP_SCOPE = "coop"


def _coop_rate() -> str:
    rate = current_app.config["COOP_RATE_LIMIT"]
    return "" if rate.strip().lower() == "off" else rate  # no limit at all


# One co-op's whole traffic (its workspace pages and its co-op API, every member and
# client together) against COOPFED_COOP_RATE_LIMIT, so that one busy co-op cannot slow
# the others. It is checked before anything else in the request (the app factory binds
# it first), so a refused request reads no body and never opens the co-op's store. Only
# requests that entered the co-op as one of its members are counted: someone outside
# cannot spend a co-op's allowance by asking for its pages. It fails open: if Redis is
# down nobody is counted and every co-op is served, where the sign-in limits fail closed.
coop_limiter = AppLimiter(
    key_func=requested_coop_slug,
    extension="coopfed.coop_ratelimit",
    application_limits=[ApplicationLimit(
        limit_provider=_coop_rate, key_function=requested_coop_slug, scope=COOP_SCOPE,
        exempt_when=lambda: requested_coop_slug() is None,
        deduct_when=lambda _response: entered_coop())],
    swallow_errors=True,
    headers_enabled=False,
)


def coop_retry_after(exc) -> int | None:
    """Whole seconds until a co-op refused by its rate limit is served again; None when
    ``exc`` is not that refusal."""
    limit = getattr(exc, "limit", None)
    if not isinstance(exc, RateLimitExceeded) or limit is None or limit.scope != COOP_SCOPE:
        return None
    try:
        reset_at = coop_limiter.current_limit.window.reset_time
    except (RedisError, StorageError, AttributeError):  # Redis went away since the check
        return max(1, limit.limit.get_expiry())
    return max(1, math.ceil(reset_at - time.time()))
