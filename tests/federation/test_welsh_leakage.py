"""No English on Welsh pages: every page and every API error, read by a Welsh admin.

The sweep walks the app's url_map as the admin of a seeded co-op whose account speaks
Welsh. It opens every page (GET), sends every API write an empty body and a body of wrong
values, so required-field, type and range messages all appear, and sends every form
empty. From each page it takes the visible text (and the labels a screen reader reads);
from each problem+json it takes the title, the detail and every field message. A text is
reported when it holds a word that is English and never Welsh ("the", "your",
"required", ...), once the co-op's own records (the demo seed's names, titles and notes,
which people typed) are taken out of it: what is left is the interface's.

A second sweep reads the federation's own pages (the admin's, the agencies', the regional
portal's, the directory's and the statistics API) as a Welsh federation admin.

The last test adds an untranslated page and an untranslated API message to the app and
shows the sweep reporting both: the sweep is known to fail when English is added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from flask import Blueprint, render_template_string
from sqlalchemy import Enum, String, Text, select, update
from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter

from core.db import db
from core.errors import ValidationError
from federation.accounts.models import Account
from federation.demo import seed_workspace
from federation.extensions import limiter
from tenants.models import metadata as tenant_metadata
from tenants.registry.models import Coop
from tests.fixtures.app import build_app, close_app, sign_in
from tests.fixtures.factories import PASSWORD, create_account, create_coop, in_coop

# Words that are English and are not Welsh words (nor parts of Welsh words once split at
# spaces and punctuation). Short Welsh words that look English ("a", "i", "at", "is", "am",
# "all", "rota", "can", "dim", "hi", "help") are deliberately absent.
ENGLISH = frozenset("""
the and of to not required field valid please your you this that these those with for from
are has have was were be been must enter there missing invalid choose sign page found
allowed cannot only may will here what when who which our their they into about back next
save edit delete add remove new see more name date week day member members worker
workers visit visits client clients share shares vote votes meeting settings report
download search find time hours pay should would could than then there's don't isn't
yet already again before after each every other any some none must also just
""".split())
# Proper nouns and codes that are the same in both languages.
ALLOWED = frozenset("""
cwmpas ciw dbs scw fca gdg api json csv csrf utf iso url uuid oauth axe coopfed
""".split())
# Names that are English in Welsh text too: titles of documents published only in English.
PROPER_NAMES = ("VAT Supply and Consideration",)
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# "Rhaid iddo fod yn un o'r rhain: for, against." lists the API's codes, sent as they are.
LISTED_CODES = re.compile(r"(Rhaid iddo fod yn un o'r rhain|yn y rhain): [\w ,-]+")
SKIP_ENDPOINTS = {"accounts.sign_out", "i18n.switch", "static"}
# Forms that start background work even when sent empty (an export, a leaving date, a
# schedule email): they have no messages to show and would keep the jobs busy.
SKIP_FORMS = {"portability.export", "portability.leave", "portability.subject_access",
              "my_data.mine", "rota.generate", "rota.email_schedule", "rota.email_my_schedule"}
VISIBLE_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")


class _VisibleText(HTMLParser):
    """The text a person sees or hears: no scripts or styles, nothing marked English."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[bool] = []  # per open element: is its content skipped?

    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1]

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        skip = self._skipping() or tag in ("script", "style", "template") \
            or (values.get("lang") or "").startswith("en")
        if not skip:
            self.texts.extend(v for k, v in attrs if k in VISIBLE_ATTRIBUTES and v)
            if tag == "input" and values.get("type") in ("submit", "button"):
                self.texts.append(values.get("value") or "")
        if tag not in self.VOID:
            self._stack.append(skip)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.texts.append(data.strip())


def english_words(text: str) -> list[str]:
    """The English-only words in ``text``."""
    words = [w.lower().replace("’", "'") for w in WORD.findall(text)]
    return [w for w in words if w in ENGLISH and w not in ALLOWED]


def _problem_texts(data) -> list[str]:
    texts = [str(data.get(k) or "") for k in ("title", "detail")]

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            texts.append(value)

    walk(data.get("errors"))
    return texts


def response_texts(response) -> list[str]:
    """What a person reads in ``response``: page text, or a problem's messages."""
    if response.mimetype == "text/html":
        parser = _VisibleText()
        parser.feed(response.get_data(as_text=True))
        return parser.texts
    if response.mimetype == "application/problem+json" or (
            response.is_json and response.status_code >= 400):
        data = response.get_json(silent=True)
        return _problem_texts(data) if isinstance(data, dict) else []
    return []


def coop_records(app, coop) -> list[str]:
    """Every text the co-op's people wrote into its store, longest first."""
    texts: set[str] = set()
    with in_coop(app, coop) as session:
        for table in tenant_metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String | Text) \
                        and not isinstance(column.type, Enum):
                    texts.update(v for v in session.scalars(select(column).distinct())
                                 if isinstance(v, str) and len(v) >= 6)
    return sorted(texts, key=len, reverse=True)


@dataclass
class Leaks:
    """English found on Welsh pages: ``found`` is empty when everything is translated."""

    records: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    requests: int = 0

    def check(self, label: str, response) -> None:
        self.requests += 1
        for text in response_texts(response):
            interface = LISTED_CODES.sub(r"\1", text)
            for name in PROPER_NAMES:
                interface = interface.replace(name, " ")
            for record in self.records:
                if record in interface:
                    interface = interface.replace(record, " ")
            words = english_words(interface)
            if words:
                self.found.append(f"{label} [{response.status_code}]: {text[:120]!r} "
                                  f"({', '.join(sorted(set(words)))})")


def _value(name: str, converter, slug: str):
    if name == "slug":
        return slug
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, PathConverter):
        return "coopfed/coopfed.css"
    return {"locale": "cy", "step": "group"}.get(name, "x" * 24)


def _url(rule, slug: str) -> str:
    values = {name: _value(name, conv, slug) for name, conv in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def _wrong_values(response) -> dict:
    """A body giving each field the first response named a value of the wrong kind."""
    data = response.get_json(silent=True) or {}
    names = [n.split(".")[0] for n in (data.get("errors") or {}) if n not in ("body", "_schema")]
    return {name: "\x01?" for name in names} | {"unexpected_field": 1}


def sweep_welsh(app, client, headers: dict, slug: str, records=(), only=None) -> Leaks:
    """Open every page and send every write bad input, as ``client``; collect English.

    Forms are sent empty last, after every page was read, so what they change (a pattern
    removed, a leaving date set) cannot hide a page from the sweep.
    """
    leaks = Leaks(records=list(records))
    forms = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith("static") or rule.endpoint in SKIP_ENDPOINTS \
                or (only is not None and rule.endpoint not in only) \
                or (only is None and rule.endpoint.startswith("leaky.")):
            continue
        url = _url(rule, slug)
        api = url.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            limiter.reset()
            if method == "GET":
                leaks.check(f"GET {rule.rule}", client.get(url, headers=headers))
            elif api and method in ("POST", "PUT", "PATCH"):
                empty = client.open(url, method=method, json={}, headers=headers)
                leaks.check(f"{method} {rule.rule} {{}}", empty)
                wrong = client.open(url, method=method, json=_wrong_values(empty),
                                    headers=headers)
                leaks.check(f"{method} {rule.rule} (wrong values)", wrong)
            elif not api and method == "POST" and rule.endpoint not in SKIP_FORMS:
                forms.append((rule.rule, url))
    for rule, url in forms:
        limiter.reset()
        leaks.check(f"POST {rule}", client.post(url, data={}, headers=headers))
    return leaks


def _add_untranslated_routes(app) -> None:
    """What a careless change adds: a page and an API message written without gettext."""
    leaky = Blueprint("leaky", __name__)

    @leaky.get("/leaky-page")
    def page():
        return render_template_string(
            "{% extends 'base.html' %}{% block content %}"
            "<p>Please enter your name.</p>{% endblock %}")

    @leaky.post("/api/v1/leaky-message")
    def message():
        raise ValidationError({"name": ["This field is required."]})

    app.register_blueprint(leaky)


@pytest.fixture(scope="module")
def welsh_admin(tmp_path_factory, scratch_stores):
    """An app of its own with a seeded co-op (and a second co-op), and its admin, in Welsh."""
    app = build_app(tmp_path_factory.mktemp("welsh"), scratch_stores)
    _add_untranslated_routes(app)
    admin = create_account(app, locale="cy", name="Siân Prys")
    coop, _ = create_coop(app, coop_type="dp_pool", admin=admin)
    create_coop(app, coop_type="worker", la="W06000015")
    with app.app_context():
        seed_workspace(db.session.get(Coop, coop.id))
    records = coop_records(app, coop)
    client = app.test_client()
    limiter.reset()
    assert sign_in(client, admin.email, PASSWORD).status_code == 302
    client.get("/language/cy")
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    yield app, client, {"X-CSRFToken": token, "Accept-Language": "cy"}, coop.slug, records
    close_app(app)


def test_the_checker_knows_english_from_welsh():
    assert english_words("Please enter your name.") == ["please", "enter", "your", "name"]
    assert english_words("Rhowch enw'r grŵp yn Gymraeg. Mae hi'n 4 o'r gloch.") == []
    assert english_words("Cwmpas a CIW: gwiriad DBS") == []


def test_no_english_on_any_welsh_page_or_api_error(welsh_admin):
    app, client, headers, slug, records = welsh_admin
    leaks = sweep_welsh(app, client, headers, slug, records)
    assert leaks.found == [], f"{len(leaks.found)} English texts:\n" + "\n".join(
        leaks.found[:300])
    assert leaks.requests > 250


def test_the_sweep_catches_an_untranslated_page_and_message(welsh_admin):
    app, client, headers, slug, records = welsh_admin
    leaks = sweep_welsh(app, client, headers, slug, records,
                        only={"leaky.page", "leaky.message", "workspace.home"})
    report = "\n".join(leaks.found)
    assert "GET /leaky-page [200]: 'Please enter your name.'" in report
    assert "POST /api/v1/leaky-message {} [422]: 'This field is required.'" in report
    # The translated workspace home page, swept alongside, is not reported.
    assert "/c/<slug>/" not in report


FEDERATION_BLUEPRINTS = ("admin", "agencies", "regional", "directory", "stats_api")


def test_no_english_on_a_welsh_federation_admins_pages(tmp_path_factory, scratch_stores):
    """The workspace sweep's admin is no federation admin: these pages answered them 403."""
    app = build_app(tmp_path_factory.mktemp("welsh-federation"), scratch_stores)
    try:
        admin = create_account(app, locale="cy", name="Siân Prys")
        coop, _ = create_coop(app, coop_type="worker", admin=admin)
        with app.app_context():
            db.session.execute(update(Account).where(Account.id == admin.id)
                               .values(is_federation_admin=True))
            db.session.commit()
        client = app.test_client()
        limiter.reset()
        assert sign_in(client, admin.email, PASSWORD).status_code == 302
        client.get("/language/cy")
        token = client.get("/api/v1/session").get_json()["csrf_token"]
        only = {rule.endpoint for rule in app.url_map.iter_rules()
                if rule.endpoint.split(".")[0] in FEDERATION_BLUEPRINTS}
        assert "admin.coops" in only
        admin_page = client.get("/admin/coops", headers={"Accept-Language": "cy"})
        assert admin_page.status_code == 200  # the pages are read, not refused
        leaks = sweep_welsh(app, client, {"X-CSRFToken": token, "Accept-Language": "cy"},
                            coop.slug, only=only)
    finally:
        close_app(app)
    assert leaks.found == [], "\n".join(leaks.found)
    assert leaks.requests > 30
