"""Pages and API of federation.admin (being built)."""

from flask import Blueprint

bp = Blueprint("federation_admin", __name__)
