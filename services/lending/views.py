"""Pages and API of services.lending (being built)."""

from flask import Blueprint

bp = Blueprint("services_lending", __name__)
