"""Pages and API of federation.onboarding (being built)."""

from flask import Blueprint

bp = Blueprint("federation_onboarding", __name__)
