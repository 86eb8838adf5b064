"""Shared vocabularies of the workspace: skills, need types, funding sources, Welsh levels.

Codes are stored; names are shown, in English or Welsh. The pool and the statistics
use the same codes across every co-op.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: How a worker is engaged: an employee of the co-op; a Personal Assistant employed by a
#: Direct Payment recipient (a member of the co-op); self-employed; a volunteer. Here,
#: below both, because the rule set (tenants.rules) and the workers (tenants.workforce)
#: both name them.
ENGAGEMENTS = ("employee", "dp_pa", "self_employed", "volunteer")

SKILLS = {
    "personal_care": _l("Personal care"),
    "medication": _l("Medication support"),
    "dementia": _l("Dementia care"),
    "moving_handling": _l("Moving and handling"),
    "hoist": _l("Hoist use"),
    "peg_feeding": _l("PEG feeding"),
    "catheter_care": _l("Catheter care"),
    "end_of_life": _l("End of life care"),
    "learning_disability": _l("Learning disability support"),
    "mental_health": _l("Mental health support"),
    "domestic": _l("Domestic support"),
    "companionship": _l("Companionship"),
    "driving": _l("Driving"),
}

NEED_TYPES = {
    "personal_care": _l("Personal care"),
    "dementia": _l("Dementia"),
    "physical_disability": _l("Physical disability"),
    "learning_disability": _l("Learning disability"),
    "mental_health": _l("Mental health"),
    "end_of_life": _l("End of life"),
    "sensory_impairment": _l("Sensory impairment"),
    "companionship": _l("Loneliness and companionship"),
    "domestic": _l("Help at home"),
}

FUNDING_SOURCES = {
    "la_commissioned": _l("Commissioned by the local authority"),
    "direct_payment": _l("Direct Payment"),
    "isf": _l("Individual Service Fund"),
    "self_funded": _l("Self-funded"),
}

AGE_BANDS = ("18-24", "25-44", "45-64", "65-74", "75-84", "85+")

WELSH_LEVELS = {
    "none": _l("No Welsh"),
    "learner": _l("Learning Welsh"),
    "conversational": _l("Conversational Welsh"),
    "fluent": _l("Fluent Welsh"),
}

LANGUAGES = {"cy": _l("Welsh"), "en": _l("English")}


def in_list(column: str, values) -> str:
    """A CHECK constraint expression: ``column`` is one of ``values``."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"
