"""Names of roles, states and co-op types as people read them, in Welsh and English."""

from flask_babel import lazy_gettext as _l

ROLE_NAMES = {
    "admin": _l("Admin"),
    "coordinator": _l("Coordinator"),
    "worker": _l("Care worker"),
    "member": _l("Member"),
}

STATE_NAMES = {
    "pending": _l("Waiting to be set up"),
    "provisioning": _l("Being set up"),
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "archived": _l("Archived"),
    "failed": _l("Set-up failed"),
    "maintenance": _l("Maintenance"),
}

COOP_TYPE_NAMES = {
    "worker": _l("Worker co-op"),
    "user_led": _l("User-led co-op"),
    "dp_pool": _l("Direct Payment pooling co-op"),
    "multi_stakeholder": _l("Multi-stakeholder co-op"),
    "foster": _l("Foster care co-op"),
    "community": _l("Community co-op"),
}
