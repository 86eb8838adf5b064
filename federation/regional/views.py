"""Pages and API of federation.regional (being built)."""

from flask import Blueprint

bp = Blueprint("federation_regional", __name__)
