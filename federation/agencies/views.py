"""Pages and API of federation.agencies (being built)."""

from flask import Blueprint

bp = Blueprint("federation_agencies", __name__)
