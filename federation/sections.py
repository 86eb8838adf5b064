"""The federation's own sections and the shared services' pages, in registration order.

Each module named here may define ``bp`` (a plain Flask blueprint), ``pages`` (a
``coop_pages`` blueprint, under ``/c/<slug>/``) and ``api`` (a flask-smorest blueprint
under ``/api/v1``); the app factory registers whichever it finds.
"""

SECTIONS = (
    "federation.onboarding.views",
    "federation.agencies.views",
    "federation.admin.views",
    "services.lending.pool_views",
    "services.lending.views",
    "services.lending.sharing_views",
    "services.lending.compliance_views",
    "services.portability.views",
    "federation.regional.views",
    "federation.directory.views",
    "federation.oauth.views",
    "federation.care.views",
    "federation.care.links",
    "federation.care.invitations",
)
