"""The rules that apply to this co-op, and why: a page at ``/c/<slug>/rules`` and
``/api/v1/c/<slug>/rules``. The rule set is loaded (and validated) when this module is
imported at start-up, so malformed rule data stops the app instead of a request."""

from __future__ import annotations

import marshmallow as ma
from flask import render_template
from flask_babel import lazy_gettext as _l
from marshmallow import fields

from core.timeutil import local_today as today
from tenants.registry.models import Role
from tenants.rules import service
from tenants.rules.engine import default_ruleset
from tenants.web import MANAGERS, coop_api, coop_pages, register_nav, require_role

RULESET = default_ruleset()
pages = coop_pages("rules", __name__, "/rules")
api = coop_api("rules_api", __name__, description="The rules that apply to this co-op.")
READERS = (*MANAGERS, Role.WORKER)
register_nav("rules.index", _l("Rules"), READERS)


class RuleOut(ma.Schema):
    """A rule, whether it applies to this co-op today, and why."""

    code = fields.String()
    applies = fields.Boolean()
    why = fields.String()
    title = fields.String()
    explanation = fields.String()
    source_name = fields.String(attribute="rule.source_name")
    source_url = fields.String(attribute="rule.source_url")
    effective_from = fields.Date(attribute="rule.effective_from")
    effective_to = fields.Date(attribute="rule.effective_to", allow_none=True)
    confirm = fields.Boolean(attribute="rule.confirm")


@pages.get("/")
@require_role(*READERS)
def index():
    """Every rule: those that apply to this co-op first, each with why and its source."""
    views = service.rules_for_coop(today())
    return render_template("rules/index.html", applying=[v for v in views if v.applies],
                           other=[v for v in views if not v.applies],
                           version=RULESET.version, today=today())


@api.get("/rules")
@require_role(*READERS)
@api.response(200, RuleOut(many=True))
def api_rules():
    """Every rule, whether it applies to this co-op today, why, and its source."""
    return service.rules_for_coop(today())
