"""The federation's front page: what coopfed is, or the signed-in person's co-ops and roles."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from federation.home import service

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Front page."""
    places = service.places_for(current_user.account) if current_user.is_authenticated else None
    return render_template("home.html", places=places)


@bp.get("/healthz")
def health():
    """Liveness probe for load balancers."""
    return {"status": "ok"}
