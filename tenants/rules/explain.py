"""Rules in plain words, in the reader's language: why a rule applies (or not), and what a
refusal or warning means. Internal codes never reach people; these sentences do."""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tenants.position.labels import SERVICE_TYPE_NAMES
from tenants.rules.engine import Rule, RuleSet, default_ruleset

ENGAGEMENT_NAMES = {
    "employee": _l("Employee of the co-op"),
    "dp_pa": _l("Personal Assistant employed by a Direct Payment member"),
    "self_employed": _l("Self-employed"),
    "volunteer": _l("Volunteer"),
}

#: What each failed check means, after the rule's title. ``%(date)s`` is the date that matters.
REASONS = {
    "dbs_missing": _l("no enhanced DBS certificate is recorded."),
    "dbs_expired": _l("the certificate is more than 3 years old: it counted until %(date)s."),
    "dbs_not_ours": _l("another provider applied for this certificate and it is not on the "
                       "DBS Update Service, so it does not count for this co-op."),
    "dbs_status_check_due": _l("the certificate is on the DBS Update Service, but its status "
                               "has not been checked recently enough: a check was due by "
                               "%(date)s."),
    "dbs_status_check_missing": _l("the certificate is on the DBS Update Service, but no "
                                   "status check by this co-op is recorded."),
    "dbs_new_information": _l("the Update Service status check on %(date)s found new "
                              "information: the worker needs a new certificate."),
    "scw_missing": _l("not registered; registration was due by %(date)s."),
    "scw_expired": _l("the registration expired on %(date)s."),
    "scw_suspended": _l("the registration is suspended from %(date)s."),
}

#: Checks about to lapse, for the checks-due list.
EXPIRY_NAMES = {
    "dbs_expiring": _l("DBS certificate reaches 3 years"),
    "dbs_status_check_expiring": _l("DBS Update Service status check due"),
    "scw_expiring": _l("Social Care Wales registration expires"),
    "scw_due": _l("Social Care Wales registration due (new starter)"),
}


def locale() -> str:
    """The reader's language code."""
    return str(get_locale() or "en")


def title(code: str, ruleset: RuleSet | None = None) -> str:
    """The rule's plain title in the reader's language."""
    return (ruleset or default_ruleset())[code].text("title", locale())


def finding_text(finding, ruleset: RuleSet | None = None) -> str:
    """A failed check in one sentence: the rule's title, then what is wrong."""
    reason = finding.reason
    if reason == "dbs_status_check_due" and finding.on is None:
        reason = "dbs_status_check_missing"
    day = finding.on.isoformat() if finding.on else ""
    return f"{title(finding.rule, ruleset)}: {str(REASONS[reason]) % {'date': day}}"


def _service_names(types) -> str:
    return ", ".join(str(SERVICE_TYPE_NAMES[t]) for t in sorted(types))


def conditions_met(rule: Rule, facts, engagement: str | None) -> list[str]:
    """Why the rule applies: each condition it has, as met by this position."""
    a, said = rule.applies, []
    if a.registered_service is True:
        said.append(_("the co-op runs a service registered with CIW"))
    if a.registered_service is False:
        said.append(_("the co-op runs no service registered with CIW"))
    if a.service_types is not None:
        said.append(_("the co-op runs a CIW-registered %(services)s",
                      services=_service_names(a.service_types & set(facts.service_types))))
    if a.legal_forms is not None:
        said.append(_("of the co-op's legal form"))
    if a.engagements is not None and engagement is not None:
        said.append(_("the worker is engaged as: %(engagement)s",
                      engagement=ENGAGEMENT_NAMES[engagement]))
    if a.engagements is not None and engagement is None:
        said.append(_("it applies to workers engaged as: %(engagements)s", engagements="; ".join(
            str(ENGAGEMENT_NAMES[e]) for e in sorted(a.engagements))))
    return said or [_("it applies to every co-op")]


def conditions_failed(rule: Rule, facts, engagement: str | None, day: date) -> list[str]:
    """Why the rule does not apply: each condition this position does not meet."""
    said = []
    if day < rule.effective_from:
        said.append(_("it is in force only from %(date)s", date=rule.effective_from.isoformat()))
    elif rule.effective_to is not None and day > rule.effective_to:
        said.append(_("it stopped applying on %(date)s", date=rule.effective_to.isoformat()))
    for name in rule.failed_conditions(facts, engagement):
        if name == "registered_service" and rule.applies.registered_service:
            said.append(_("the co-op runs no service registered with CIW"))
        elif name == "registered_service":
            said.append(_("the co-op runs a service registered with CIW, where the law's own "
                          "rule applies instead"))
        elif name == "service_types":
            said.append(_("the co-op runs no CIW-registered %(services)s",
                          services=_service_names(rule.applies.service_types)))
        elif name == "legal_forms":
            said.append(_("it does not apply to the co-op's legal form"))
        elif name == "engagements":
            said.append(_("it does not apply to a worker engaged as: %(engagement)s",
                          engagement=ENGAGEMENT_NAMES[engagement]))
    return said


def why(rule: Rule, facts, engagement: str | None, day: date) -> str:
    """One sentence: whether the rule applies here on ``day``, and why."""
    failed = conditions_failed(rule, facts, engagement, day)
    if failed:
        return _("%(rule)s does not apply, because %(reasons)s.",
                 rule=rule.text("title", locale()), reasons="; ".join(failed))
    return _("%(rule)s applies, because %(reasons)s.", rule=rule.text("title", locale()),
             reasons="; ".join(conditions_met(rule, facts, engagement)))
