"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

import weakref

from flask import current_app, has_app_context
from flask_babel import Babel, gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

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
