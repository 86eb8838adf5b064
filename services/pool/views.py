"""Pages and API of services.pool (being built)."""

from flask import Blueprint

bp = Blueprint("services_pool", __name__)
