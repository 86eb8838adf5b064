"""Pages and API of federation.oauth (being built)."""

from flask import Blueprint

bp = Blueprint("federation_oauth", __name__)
