"""The rule set is data: it loads and validates from TOML, and changing a rule's effective
date changes a decision, with no change of code."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from tenants.position.service import Facts
from tenants.rules.engine import DEFAULT_PATH, RuleSetError, default_ruleset, parse_ruleset
from tenants.workforce.checks import Context, add_months, checks_valid_on
from tenants.workforce.service import today

DSS = Facts(service_types=frozenset({"domiciliary_support"}))


def _pa_started_7_months_ago():
    return SimpleNamespace(started_on=add_months(today(), -7), scw_registration_number=None,
                           scw_expires_on=None, dbs_certificate_date=today() - timedelta(days=9),
                           dbs_update_service=False, engagement="dp_pa")


def test_the_shipped_rule_set_loads_with_sources_dates_and_both_languages():
    ruleset = default_ruleset()
    assert ruleset.version
    for rule in ruleset.rules.values():
        assert rule.title["en"] and rule.title["cy"] and rule.explanation["cy"]
        assert rule.source_url.startswith("https://") and rule.effective_from.year >= 1998


def test_changing_a_rules_effective_date_changes_the_decision():
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    later = (today() + timedelta(days=365)).isoformat()
    block = text.index('code = "scw_registration"')
    start = text.index('effective_from = "', block)
    end = text.index("\n", start)
    moved = parse_ruleset(text[:start] + f'effective_from = "{later}"' + text[end:])
    worker = _pa_started_7_months_ago()

    assert checks_valid_on(worker, today(), Context(DSS)) == ["scw_missing"]
    assert checks_valid_on(worker, today(), Context(DSS, moved)) == []
    assert checks_valid_on(worker, today() + timedelta(days=366),
                           Context(DSS, moved)) == ["scw_missing"]
    # Nothing in the code changed: the shipped rule set still decides as before.
    assert checks_valid_on(worker, today(), Context(DSS)) == ["scw_missing"]


@pytest.mark.parametrize(("change", "named"), [
    (('title.cy = "Cofrestru gyda Gofal Cymdeithasol Cymru"\n', ""), "cy"),
    (('engagements = ["employee", "dp_pa", "self_employed"]',
      'engagements = ["contractor"]'), "engagements"),
    (('effective_from = "2020-04-01"', 'effective_from = "someday"'), "effective_from"),
    (('code = "welsh"', 'code = "welsh_language"'), "code"),
    (('source.url = "https://socialcare.wales/registration"',
      'source.url = "http://socialcare.wales"'), "url"),
    # A parameter changed without its wording: the refusal would explain the old rule.
    (("params = { turnaround_days = 28 }", "params = { turnaround_days = 21 }"),
     r"params.turnaround_days = 21 in explanation.en, cy"),
    (("params = { weeks = 13 }", "params = { weeks = 14 }"), r"params.weeks = 14 in"),
])
def test_malformed_rule_data_is_refused_naming_the_field(change, named):
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert change[0] in text
    with pytest.raises(RuleSetError, match=named):
        parse_ruleset(text.replace(change[0], change[1], 1))


def test_a_missing_rule_is_refused():
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    cut = text.index('[[rule]]\ncode = "welsh"')
    with pytest.raises(RuleSetError, match="missing"):
        parse_ruleset(text[:cut])
