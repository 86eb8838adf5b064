"""The workspace's feature packages, in navigation order.

Each one's ``views`` module defines ``pages`` (a ``coop_pages`` blueprint) and may define
``api`` (a ``coop_api`` blueprint); the app factory registers them.
"""

FEATURES = (
    "tenants.home",
    "tenants.members",
    "tenants.governance",
    "tenants.workforce",
    "tenants.clients",
    "tenants.rota",
    "tenants.payments",
    "tenants.position",
    "tenants.rules",
    "tenants.officers",
)
