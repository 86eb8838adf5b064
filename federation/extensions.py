"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

import functools
import math
import time
import weakref

from flask import current_app, has_app_context
from flask_babel import Babel, gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from redis.exceptions import RedisError

from tenants.web import limit_coop

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
    made from its own settings, and a request uses its own app's.
    """

    def init_app(self, app) -> None:
        super().init_app(app)
        app.extensions["coopfed.ratelimit"] = (self.__dict__["_last_storage"],
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

    def strategy(self):
        """The ``limits`` strategy this app's limits are counted with, on its storage."""
        return self._limiter

    def _own(self, index: int, name: str):
        if has_app_context():
            own = current_app.extensions.get("coopfed.ratelimit")
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


@functools.lru_cache(maxsize=8)
def _coop_rates(rate: str) -> tuple[RateLimitItem, ...]:
    return () if rate.strip().lower() == "off" else tuple(parse_many(rate))


class CoopRateLimit:
    """One co-op's whole traffic (its workspace pages and its co-op API, every member
    together) against COOPFED_COOP_RATE_LIMIT, so that one busy co-op cannot slow the
    others.

    ``tenants.web.limit_coop`` counts a member's request as it arrives, before any other
    request hook (the app factory binds this first). The count is kept by the ``limits``
    strategy the app's Flask-Limiter made, in its storage (Redis in production, memory
    embedded): one round trip to count, one more only to tell a refused request when to
    come back. It fails open: if Redis is down nobody is counted and every co-op is
    served (logged once per outage), where the sign-in limits fail closed.
    """

    def __init__(self) -> None:
        self._down = False

    def init_app(self, app) -> None:
        app.before_request(functools.partial(limit_coop, self.refused_for))

    def refused_for(self, slug: str) -> int | None:
        """Count one request to the co-op at ``slug``: None when it may be served, else
        the whole seconds (at least 1) until it may."""
        items = _coop_rates(current_app.config["COOP_RATE_LIMIT"])
        if not items:
            return None
        strategy = limiter.strategy()
        try:
            over = [item for item in items if not strategy.hit(item, COOP_SCOPE, slug)]
        except (RedisError, StorageError, OSError) as exc:
            if not self._down:
                self._down = True
                current_app.logger.warning("co-op rate limit not counted (fails open): %s",
                                           exc)
            return None
        self._down = False
        if not over:
            return None
        try:
            reset_at = max(strategy.get_window_stats(item, COOP_SCOPE, slug).reset_time
                           for item in over)
        except (RedisError, StorageError, OSError):  # Redis went away since the count
            return max(1, max(item.get_expiry() for item in over))
        return max(1, math.ceil(reset_at - time.time()))


coop_limiter = CoopRateLimit()
