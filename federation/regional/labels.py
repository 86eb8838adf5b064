"""Names of measures, breakdowns, categories, geographies and suppression reasons,
as people read them in Welsh and English.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.areas import local_authority
from services.stats import cells as fixed
from services.stats.query import Geography
from tenants.registry.labels import COOP_TYPE_NAMES
from tenants.vocabulary import FUNDING_SOURCES, LANGUAGES, NEED_TYPES

MEASURE_NAMES = {
    "care_hours": _l("Care hours delivered"),
    "visits": _l("Visits"),
    "clients": _l("People receiving care"),
    "workers": _l("Care workers"),
    "members": _l("Co-op members"),
    "hours_lent_in": _l("Hours of staff borrowed from other co-ops"),
    "hours_lent_out": _l("Hours of staff lent to other co-ops"),
    "staff_lent_in": _l("Staff borrowed from other co-ops"),
    "staff_lent_out": _l("Staff lent to other co-ops"),
    "hours_unfilled": _l("Hours asked for but not filled"),
    "welsh_hours_required": _l("Hours of care needing Welsh"),
    "welsh_hours_delivered": _l("Hours of care needing Welsh, given by a Welsh speaker"),
    "workers_joined": _l("Care workers who joined"),
    "workers_left": _l("Care workers who left"),
}

BREAKDOWN_NAMES = {
    "": _l("No breakdown (totals only)"),
    "age_band": _l("Age band"),
    "need_type": _l("Type of need"),
    "funding_source": _l("Funding source"),
    "language": _l("Language"),
    "coop_type": _l("Type of co-op"),
}

GEOGRAPHY_KIND_NAMES = {
    "wales": _l("Wales"),
    "rpb": _l("Regional Partnership Boards"),
    "la": _l("Local authorities"),
}

PERIOD_KIND_NAMES = {
    "week": _l("Week"),
    "month": _l("Month"),
    "quarter": _l("Quarter"),
    "year": _l("Year"),
}

CATEGORY_NAMES = {
    "need_type": NEED_TYPES,
    "funding_source": FUNDING_SOURCES,
    "language": LANGUAGES,
    "coop_type": COOP_TYPE_NAMES,
}

# Short labels beside a suppressed cell, and the plain-language reason below the table.
REASON_LABELS = {
    "low_count": _l("Small count"),
    "few_coops": _l("Too few unnamed co-ops"),
    "dominance": _l("One unnamed co-op dominates"),
    "secondary": _l("Protects another cell"),
    "linked_person_cell": _l("Linked count hidden"),
    "held_back": _l("Held back"),
    "suppressed": _l("Hidden"),
}
REASON_TEXT = {
    "low_count": _l("Fewer than 8 people are counted here, so the figure could identify "
                    "someone."),
    "few_coops": _l("Fewer than 5 of the co-ops behind this figure have not chosen to be "
                    "named in the public directory: too few to hide the business of any one "
                    "of them."),
    "dominance": _l("Among the co-ops behind this figure that have not chosen to be named, "
                    "one or two make up most of it, so it could reveal their business."),
    "secondary": _l("Hidden so that another hidden figure cannot be worked out from the totals "
                    "or from other periods."),
    "linked_person_cell": _l("The count of people behind these hours or visits is hidden, so "
                             "these are hidden too."),
    "held_back": _l("The co-ops behind this figure changed too little since the last release, "
                    "so comparing the two could reveal one co-op."),
    "suppressed": _l("Hidden to protect people and co-ops: the figure is too small, comes "
                     "from too few co-ops, or could be worked out from other figures or from "
                     "an earlier release. We do not say which, because the reason itself "
                     "would narrow the figure down."),
}

RPB_NAMES_CY = {
    "north-wales": "Gogledd Cymru",
    "west-wales": "Gorllewin Cymru",
    "powys": "Powys",
    "west-glamorgan": "Gorllewin Morgannwg",
    "cwm-taf-morgannwg": "Cwm Taf Morgannwg",
    "cardiff-and-vale": "Caerdydd a'r Fro",
    "gwent": "Gwent",
}

# Messages beside a field, by the reason services.stats.query refused it.
QUERY_MESSAGES = {
    "missing_geography": _l("Choose a geography"),
    "unknown_geography": _l("Choose a geography from the list"),
    "outside_area": _l("Choose a geography inside your area"),
    "missing_measure": _l("Choose a measure"),
    "unknown_measure": _l("Choose a measure from the list"),
    "missing_period_kind": _l("Choose a kind of period"),
    "unknown_period_kind": _l("Choose week, month, quarter or year"),
    "period_kind_not_offered": _l("This measure is published by quarter and year only"),
    "period_form": _l("Enter one whole period of the kind you chose, like 2026-W05, 2026-01, "
                      "2026-Q1 or 2026"),
    "date_range": _l("Custom date ranges are not offered: choose a kind of period and, if you "
                     "like, one whole period"),
    "unknown_breakdown": _l("Choose a breakdown from the list"),
    "two_breakdowns": _l("Choose one breakdown at most"),
    "breakdown_not_offered": _l("This measure is not published with that breakdown"),
    "coop_filter": _l("Statistics are never shown for one co-op or filtered by a co-op's "
                      "attributes"),
    "repeated": _l("Give this answer only once"),
    "invalid": _l("Check this answer"),
    "unknown": _l("This is not something you can choose"),
}


def geography_name(geography: Geography, locale: str) -> str:
    """A geography's name in ``locale``."""
    if geography.kind == "wales":
        return "Cymru" if locale == "cy" else "Wales"
    if geography.kind == "rpb":
        if locale == "cy":
            return RPB_NAMES_CY.get(geography.code, geography.code)
        return fixed.rpb_codes().get(geography.code, geography.code)
    la = local_authority(geography.code)
    return la.name(locale) if la else geography.code


def category_name(breakdown: str, category: str) -> str:
    """A category's name; age bands are their own names."""
    if not breakdown:
        return str(_l("Total"))
    names = CATEGORY_NAMES.get(breakdown, {})
    return str(names.get(category, category))
