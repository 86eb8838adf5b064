"""The rule set as data: loading and validating ``data/rules.toml``, and deciding which
rules apply to a co-op's position, a worker's engagement and a day.

Pure: no database and no request. ``default_ruleset()`` is loaded once, at start-up (the
views module asks for it on import, so bad data stops the app from starting); tests load
a changed copy with ``load_ruleset(path)`` and pass it in.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import marshmallow as ma
from marshmallow import fields, validate

from tenants.position.models import LEGAL_FORMS, SERVICE_TYPES
from tenants.vocabulary import ENGAGEMENTS

DEFAULT_PATH = Path(__file__).with_name("data") / "rules.toml"
#: Every rule the code consults; the data must define each of them.
KNOWN_CODES = frozenset({
    "scw_registration", "dbs_schedule1", "dbs_policy", "short_visit", "worker_schedule",
    "contract_offer", "max_48h", "rest_11h", "break_20m", "double_booking", "skills", "welsh",
    "actual_times", "dbs_own_application"})
LANGUAGES = ("en", "cy")


class RuleSetError(ValueError):
    """The rule data is malformed; the message names the rule and the field."""


@dataclass(frozen=True)
class Applies:
    """The position a rule applies to; None means "any"."""

    registered_service: bool | None = None
    service_types: frozenset[str] | None = None
    engagements: frozenset[str] | None = None
    legal_forms: frozenset[str] | None = None

    @property
    def about_worker(self) -> bool:
        """True when the rule depends on how a worker is engaged."""
        return self.engagements is not None


@dataclass(frozen=True)
class Rule:
    """One rule: its code, words in both languages, source, dates and the position it covers."""

    code: str
    title: dict[str, str]
    explanation: dict[str, str]
    source_name: str
    source_url: str
    effective_from: date
    effective_to: date | None
    applies: Applies
    params: dict = field(default_factory=dict)
    confirm: bool = False

    def in_force(self, day: date) -> bool:
        """True when the rule is in force on ``day``."""
        return self.effective_from <= day and (self.effective_to is None
                                               or day <= self.effective_to)

    def failed_conditions(self, facts, engagement: str | None) -> list[str]:
        """The names of the conditions in ``applies`` that this position does not meet.

        ``facts`` has ``legal_form`` and ``service_types``; ``engagement`` None means the
        rule is asked about the co-op as a whole, so a worker condition is not judged.
        """
        failed = []
        a = self.applies
        if a.registered_service is not None and bool(facts.service_types) != a.registered_service:
            failed.append("registered_service")
        if a.service_types is not None and not a.service_types & set(facts.service_types):
            failed.append("service_types")
        if a.legal_forms is not None and facts.legal_form not in a.legal_forms:
            failed.append("legal_forms")
        if a.engagements is not None and engagement is not None \
                and engagement not in a.engagements:
            failed.append("engagements")
        return failed

    def applies_to(self, facts, engagement: str | None, day: date) -> bool:
        """True when the rule is in force on ``day`` and the position meets every condition."""
        return self.in_force(day) and not self.failed_conditions(facts, engagement)

    def text(self, part: str, locale: str) -> str:
        """The title or explanation in ``locale`` (English when the locale is not Welsh)."""
        words = getattr(self, part)
        return words.get(locale[:2], words["en"])


@dataclass(frozen=True)
class RuleSet:
    """Every rule, by code, with the data's version."""

    version: str
    rules: dict[str, Rule]

    def __getitem__(self, code: str) -> Rule:
        return self.rules[code]

    def applies(self, code: str, facts, engagement: str | None, day: date) -> bool:
        """True when rule ``code`` applies to this position on ``day``."""
        return self.rules[code].applies_to(facts, engagement, day)

    def applicable(self, facts, engagement: str | None, day: date) -> list[Rule]:
        """The rules that apply to this position on ``day``, in the data's order."""
        return [r for r in self.rules.values() if r.applies_to(facts, engagement, day)]


class _Words(ma.Schema):
    en = fields.String(required=True, validate=validate.Length(min=1))
    cy = fields.String(required=True, validate=validate.Length(min=1))


class _Source(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    url = fields.Url(required=True, schemes={"https"})


class _Applies(ma.Schema):
    registered_service = fields.Boolean(truthy={True}, falsy={False})
    service_types = fields.List(fields.String(validate=validate.OneOf(SERVICE_TYPES)),
                                validate=validate.Length(min=1))
    engagements = fields.List(fields.String(validate=validate.OneOf(ENGAGEMENTS)),
                              validate=validate.Length(min=1))
    legal_forms = fields.List(fields.String(validate=validate.OneOf(LEGAL_FORMS)),
                              validate=validate.Length(min=1))


class _Rule(ma.Schema):
    code = fields.String(required=True, validate=validate.OneOf(sorted(KNOWN_CODES)))
    effective_from = fields.Date(required=True)
    effective_to = fields.Date(load_default=None)
    confirm = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    applies = fields.Nested(_Applies, required=True)
    params = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True),
                         load_default=dict)
    title = fields.Nested(_Words, required=True)
    explanation = fields.Nested(_Words, required=True)
    source = fields.Nested(_Source, required=True)

    @ma.validates_schema
    def _dates_in_order(self, data, **_kwargs):
        if data.get("effective_to") and data["effective_to"] < data["effective_from"]:
            raise ma.ValidationError("Must not be before effective_from.", "effective_to")

    @ma.validates_schema
    def _words_state_the_params(self, data, **_kwargs):
        # A refusal explains itself in these words: a parameter changed without its wording
        # (28 days in the data, "28 days" in the text) would tell a co-op the wrong rule.
        for name, value in data.get("params", {}).items():
            number = re.compile(rf"(?<!\d){value}(?!\d)")
            unstated = [lang for lang in ("en", "cy")
                        if not number.search(data["explanation"][lang])]
            if unstated:
                raise ma.ValidationError(
                    f"Must state params.{name} = {value} in explanation.{', '.join(unstated)}.",
                    "explanation")


class _RuleSet(ma.Schema):
    version = fields.String(required=True, validate=validate.Length(min=1))
    rule = fields.List(fields.Nested(_Rule), required=True)


def _rule(data: dict) -> Rule:
    a = data["applies"]
    return Rule(
        code=data["code"], title=data["title"], explanation=data["explanation"],
        source_name=data["source"]["name"], source_url=data["source"]["url"],
        effective_from=data["effective_from"], effective_to=data["effective_to"],
        applies=Applies(a.get("registered_service"),
                        *(frozenset(a[k]) if k in a else None
                          for k in ("service_types", "engagements", "legal_forms"))),
        params=data["params"], confirm=data["confirm"])


def parse_ruleset(text: str) -> RuleSet:
    """A validated rule set from TOML text; ``RuleSetError`` names what is wrong."""
    try:
        loaded = _RuleSet().load(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(f"rules: not valid TOML: {exc}") from exc
    except ma.ValidationError as exc:
        raise RuleSetError(f"rules: {exc.normalized_messages()}") from exc
    codes = [r["code"] for r in loaded["rule"]]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    missing = sorted(KNOWN_CODES - set(codes))
    if duplicated or missing:
        raise RuleSetError(f"rules: duplicated {duplicated}, missing {missing}")
    return RuleSet(loaded["version"], {r["code"]: _rule(r) for r in loaded["rule"]})


def load_ruleset(path: Path | str) -> RuleSet:
    """The rule set in the TOML file at ``path``."""
    return parse_ruleset(Path(path).read_text(encoding="utf-8"))


@functools.cache
def default_ruleset() -> RuleSet:
    """The rule set shipped with coopfed, loaded once."""
    return load_ruleset(DEFAULT_PATH)
