"""Names of legal forms and CIW service types as people read them, in Welsh and English."""

from flask_babel import lazy_gettext as _l

LEGAL_FORM_NAMES = {
    "co_operative_society": _l("Co-operative society (registered with the FCA)"),
    "community_benefit_society": _l("Community benefit society (registered with the FCA)"),
    "charitable_cbs": _l("Charitable community benefit society"),
    "company_limited_by_guarantee": _l("Company limited by guarantee"),
    "cic": _l("Community interest company (CIC)"),
    "not_incorporated": _l("Not yet incorporated"),
    "not_decided": _l("Not decided: talk to an adviser"),
}

SERVICE_TYPE_NAMES = {
    "domiciliary_support": _l("Domiciliary support service"),
    "care_home": _l("Care home service"),
    "adult_placement": _l("Adult placement service"),
    "fostering": _l("Fostering service"),
}
