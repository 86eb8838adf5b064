"""Welsh and English: which one this request speaks, and the switch on every page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, has_request_context, redirect, request, session
from flask_login import current_user

from core import formatting
from core.db import db

LOCALES = ("en", "cy")
bp = Blueprint("i18n", __name__)
for _name, _filter in formatting.FILTERS.items():
    bp.add_app_template_filter(_filter, _name)  # {{ d|day }}, {{ n|number }}, ...


def select_locale() -> str:
    """The person's choice, then their account's, the co-op's default, the browser's.

    Outside a request (a job, the demo seed) it is the federation's default: a job that
    writes to a person chooses their language with ``force_locale``.
    """
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if current_user.is_authenticated:
        return current_user.account.locale
    coop = getattr(g, "coop", None)
    if coop is not None:
        return coop.default_locale
    return request.accept_languages.best_match(LOCALES) or current_app.config["DEFAULT_LOCALE"]


def safe_next(target: str | None, fallback: str = "/") -> str:
    """A local path to return to; anything pointing off-site becomes ``fallback``."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.get("/language/<locale>")
def switch(locale: str):
    """Switch the interface language and return to the page the person was on."""
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated and current_user.account.locale != locale:
            current_user.account.locale = locale
            db.session.flush()
    return redirect(safe_next(request.args.get("next")))
