"""The words and rules of the wizard's "legal form and registration" step.

The wizard records a group's legal position; it registers nothing. The rules it applies
before a group may go on are kept here as data, each with its source and the day it
took effect (see ``context/wales-care-rules.md`` §1, §5), so that a correction is a
change of data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

# Legal forms a group can choose, with a plain explanation of each.
LEGAL_FORMS = {
    "co_operative_society": (
        _l("Co-operative society"),
        _l("Registered with the FCA under the Co-operative and Community Benefit Societies "
           "Act 2014, run for its members, usually with share capital.")),
    "community_benefit_society": (
        _l("Community benefit society"),
        _l("Registered with the FCA under the 2014 Act, run for the benefit of the "
           "community rather than only its members.")),
    "charitable_cbs": (
        _l("Charitable community benefit society"),
        _l("A community benefit society with exclusively charitable objects, registered "
           "with HMRC for charity tax purposes.")),
    "company_limited_by_guarantee": (
        _l("Company limited by guarantee"),
        _l("A company registered at Companies House, with members' guarantees instead of "
           "shares.")),
    "cic": (
        _l("Community interest company (CIC)"),
        _l("A company registered at Companies House whose assets are locked for the "
           "community.")),
    "not_incorporated": (
        _l("Not yet incorporated"),
        _l("The group has not registered a legal body yet.")),
    "not_decided": (
        _l("Not decided: we want to talk to an adviser"),
        _l("Choose this if you are not sure. An adviser, such as Cwmpas, can help you "
           "choose.")),
}

# Forms registered under the 2014 Act, which need at least three founding members.
SOCIETY_FORMS = ("co_operative_society", "community_benefit_society", "charitable_cbs")
# Forms with nothing registered yet, so no registration number or date.
UNREGISTERED_FORMS = ("not_incorporated", "not_decided")
SOCIETY_MIN_FOUNDERS = 3

# Kinds of service Care Inspectorate Wales (CIW) registers under RISCA 2016.
CIW_SERVICE_TYPES = {
    "domiciliary_support": _l("Domiciliary support service"),
    "care_home": _l("Care home service"),
    "adult_placement": _l("Adult placement service"),
    "fostering": _l("Fostering service"),
}

# Services ticked in the wizard that are regulated when provided in people's homes.
REGULATED_SERVICES = ("personal_care", "domiciliary_support")


@dataclass(frozen=True)
class FormRule:
    """A rule on which legal forms a kind of co-op may have, with where it comes from."""

    code: str
    coop_type: str
    allowed_forms: tuple[str, ...]
    effective_from: date
    source: str


# From 1 April 2026 new fostering providers in Wales must be not-for-profit. Of the forms
# the wizard offers, a charitable registered society, a (charitable) company limited by
# guarantee and a CIC limited by guarantee qualify; a share-capital co-op does not.
# "Not decided" and "not yet incorporated" let a group go on and choose with an adviser.
FORM_RULES = (
    FormRule(
        code="fostering_not_for_profit", coop_type="foster",
        allowed_forms=("charitable_cbs", "company_limited_by_guarantee", "cic",
                       "not_incorporated", "not_decided"),
        effective_from=date(2026, 4, 1),
        source="Health and Social Care (Wales) Act 2025; careinspectorate.wales, "
               "'Removing profit from the care of children looked after'"),
)


def form_rule(coop_type: str, today: date) -> FormRule | None:
    """The legal-form rule in force for ``coop_type`` on ``today``, if any."""
    for rule in FORM_RULES:
        if rule.coop_type == coop_type and rule.effective_from <= today:
            return rule
    return None


def needs_ciw(services: list[str]) -> bool:
    """Whether the services ticked are ones CIW registers when provided in people's homes."""
    return any(code in REGULATED_SERVICES for code in services)
