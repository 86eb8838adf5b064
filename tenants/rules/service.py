"""Which rules apply to the current co-op, and why, for the rules page and its API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tenants.position.service import Facts, get_facts
from tenants.rules import explain
from tenants.rules.engine import Rule, RuleSet, default_ruleset


@dataclass(frozen=True)
class RuleView:
    """A rule as this co-op sees it: whether it applies on the day, and why."""

    rule: Rule
    applies: bool
    why: str
    title: str
    explanation: str

    @property
    def code(self) -> str:
        """The rule's stable code."""
        return self.rule.code


def rules_for_coop(day: date, facts: Facts | None = None,
                   ruleset: RuleSet | None = None) -> list[RuleView]:
    """Every rule, with whether it applies to this co-op on ``day`` and why.

    A rule about workers applies to the co-op when it binds workers engaged in at least
    one of its ways; the sentence says which.
    """
    facts = facts or get_facts()
    ruleset = ruleset or default_ruleset()
    locale = explain.locale()
    return [RuleView(rule, rule.applies_to(facts, None, day),
                     explain.why(rule, facts, None, day), rule.text("title", locale),
                     rule.text("explanation", locale))
            for rule in ruleset.rules.values()]
