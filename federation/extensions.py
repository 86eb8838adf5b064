"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

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
limiter = Limiter(key_func=get_remote_address, default_limits=[])
