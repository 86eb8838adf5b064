"""What each wizard step accepts: the form's fields, read as typed, and their validation.

A step's answers are kept in the draft in the shape of its form (strings, lists of
strings, and lists of rows for repeatable rows), so that what a person typed, valid or
not, can always be shown back to them. ``validate(step, answers)`` checks them with a
marshmallow schema per step and returns the errors keyed by each field's id on the page
(``classes-0-name_en``), with messages in the person's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

import marshmallow as ma
from flask import has_request_context
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.areas import local_authorities
from core.forms import whole_number
from federation.onboarding.legal import (
    CIW_SERVICE_TYPES,
    LEGAL_FORMS,
    SOCIETY_FORMS,
    SOCIETY_MIN_FOUNDERS,
    UNREGISTERED_FORMS,
    form_rule,
)
from tenants.registry.models import CoopType
from tenants.registry.schemas import RESERVED_SLUGS, SLUG_MAX, SLUG_PATTERN
from tenants.web import StrictSchema

NAME_MAX = 200
CLASS_NAME_MAX = 120
EMAIL_MAX = 254
MAX_ROWS = 40          # member classes or founding members on one form
RAW_MAX = 1000         # longest value kept from a form that did not validate
MAX_SHARES = 1_000_000

# Plain-language explanations of each type, shown beside the radios.
COOP_TYPE_HINTS = {
    "worker": _l("The care workers own and run the co-op together."),
    "user_led": _l("The people who use care and support, and their family carers, own it."),
    "dp_pool": _l("People who get Direct Payments from their council pool them to arrange care "
                  "together. The workspace keeps the pool's ledger, rotas and statements; it "
                  "does not run payroll, so each employer (a member or the co-op) still needs "
                  "a payroll service."),
    "multi_stakeholder": _l("Several groups own it together, for example older people who give "
                            "care, older people who receive it, and workers."),
    "foster": _l("Foster carers and the staff who support them. Foster carers are associate "
                 "members without a vote, as the fostering regulations require. From 1 April "
                 "2026 a new fostering provider in Wales must be not-for-profit, so a "
                 "co-operative society with share capital cannot register one."),
    "community": _l("People who live or work in the area own it, for the good of the "
                    "community."),
}

SERVICES = {
    "personal_care": _l("Personal care"),
    "domiciliary_support": _l("Domiciliary support at home"),
    "respite": _l("Respite and short breaks"),
    "companionship": _l("Companionship"),
    "day_opportunities": _l("Day opportunities and activities"),
    "household": _l("Help around the house"),
    "dementia": _l("Dementia support"),
    "learning_disability": _l("Learning disability support"),
    "fostering": _l("Fostering"),
}

# The Welsh-language Active Offer ("More than just words"), as levels a group can promise.
WELSH_OFFER = {
    "full": (_l("Full Active Offer"),
             _l("Every service is offered in Welsh without anyone having to ask.")),
    "partial": (_l("Partial"),
                _l("Some services or workers can work in Welsh, and we say so up front.")),
    "developing": (_l("Developing"),
                   _l("We plan to offer services in Welsh and will record people's language.")),
    "none": (_l("Not yet"), _l("We cannot offer services in Welsh yet.")),
}

YES_NO = ("yes", "no")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _(text: str, **values) -> str:
    """Translate for the person asking; outside a request (jobs, demo), the English text."""
    if has_request_context():
        return gettext(text, **values)
    return text % values if values else text


# -- reading a form ------------------------------------------------------------------
_SIMPLE = {
    "group": ("name", "name_cy", "coop_type", "slug"),
    "where": ("home_la",),
    "governance": (),
    "people": ("admin",),
    "services": ("welsh_offer",),
    "legal": ("legal_form", "fca_society_number", "registered_on"),
    "sharing": ("statistics", "worker_pool", "agency"),
}
_LISTS = {"where": ("las",), "services": ("services",)}
_ROWS = {"governance": ("classes", ("code", "name_en", "name_cy", "voting", "cap",
                                     "min_shares", "remove")),
         "people": ("people", ("name", "email", "postal_address", "member_class", "remove")),
         "legal": ("ciw", ("service_type", "ciw_service_id", "responsible_individual",
                           "registered_manager", "rating_url", "remove"))}
# Cells that hold a value before anyone types (hidden codes, pre-filled choices): a row
# with nothing else in it counts as blank.
_NOT_TYPED = ("code", "voting", "min_shares", "member_class")


def _values(form: Mapping, key: str) -> list[str]:
    if hasattr(form, "getlist"):
        items = form.getlist(key)
    else:
        item = form.get(key)
        items = [] if item is None else (list(item) if isinstance(item, list | tuple)
                                         else [item])
    return [str(v) for v in items]


def read_form(step: str, form: Mapping, locale: str = "en") -> dict:
    """The step's answers from a submitted form, as typed (strings), without validating.

    Rows are read from ``<rows>-<n>-<field>`` names; rows left entirely blank are
    dropped, as are rows ticked "remove". A blank web address is made from the name in
    the group's language (``locale``), or from its other name if that is the only one.
    """
    answers: dict = {}
    for key in _SIMPLE[step]:
        answers[key] = (_values(form, key) or [""])[0]
    for key in _LISTS.get(step, ()):
        answers[key] = _values(form, key)
    if step in _ROWS:
        name, columns = _ROWS[step]
        indexes = sorted({int(m.group(1)) for k in form.keys()
                          if (m := re.fullmatch(rf"{name}-(\d{{1,3}})-\w+", k))})
        rows, remap = [], {}
        for index in indexes:
            row = {c: (_values(form, f"{name}-{index}-{c}") or [""])[0] for c in columns}
            if row.pop("remove", "") or not any(
                    v.strip() for c, v in row.items() if c not in _NOT_TYPED):
                continue
            remap[str(index)] = str(len(rows))
            rows.append(row)
        answers[name] = rows[:MAX_ROWS]
        if "admin" in answers:
            answers["admin"] = remap.get(answers["admin"], "")
    if step == "group" and not answers["slug"].strip():
        answers["slug"] = suggest_slug(name_in(answers, locale))
    return answers


def name_in(group: Mapping, locale: str) -> str:
    """The group's name in ``locale`` if it has one, else its other name."""
    welsh, english = (group.get("name_cy") or "").strip(), (group.get("name") or "").strip()
    return (welsh or english) if locale == "cy" else (english or welsh)


def suggest_slug(name: str) -> str:
    """A web-address short name from a group's name: "Gofal Cymunedol Môn" → gofal-cymunedol-mon."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = re.sub(r"^[^a-z]+", "", slug)
    return slug[:SLUG_MAX].rstrip("-")


def clip(answers: dict) -> dict:
    """Answers safe to keep although they did not validate: no NUL, no huge values."""
    def clean(value):
        if isinstance(value, str):
            return value.replace("\x00", "")[:RAW_MAX]
        if isinstance(value, list):
            return [clean(v) for v in value[:MAX_ROWS * 2]]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    return clean(answers)


# -- validating ------------------------------------------------------------------------
def _text(value: str | None) -> None:
    if value and _CONTROL.search(value):
        raise ma.ValidationError(_("Remove the control characters from this text."))


def _required(message) -> dict:
    return {"required": message, "null": message}


class GroupSchema(StrictSchema):
    """Step 1: the group's names, its type, and the short name in its web address.

    A group may have a name in Welsh, in English or both: either alone is enough.
    """

    name = fields.String(load_default="", validate=[validate.Length(min=2, error=_l(
        "The name must be at least 2 characters long.")), validate.Length(
        max=NAME_MAX, error=_l("The name must be 200 characters or fewer.")), _text])
    name_cy = fields.String(load_default="", validate=[validate.Length(min=2, error=_l(
        "The Welsh name must be at least 2 characters long.")), validate.Length(
        max=NAME_MAX, error=_l("The Welsh name must be 200 characters or fewer.")), _text])
    coop_type = fields.String(required=True, error_messages=_required(_l(
        "Choose the type of co-op.")), validate=validate.OneOf(
        [str(t) for t in CoopType], error=_l("Choose the type of co-op.")))
    slug = fields.String(required=True, error_messages=_required(_l(
        "Enter a short name for the web address.")))

    @ma.validates("slug")
    def _slug(self, value: str, **_kwargs) -> None:
        if len(value) > SLUG_MAX:
            raise ma.ValidationError(_("The short name must be 40 characters or fewer."))
        if not value.isascii() or not SLUG_PATTERN.match(value):
            raise ma.ValidationError(_(
                "Use only lower-case letters a to z, digits and single hyphens, starting "
                "with a letter."))
        if len(value) < 2:
            raise ma.ValidationError(_("The short name must be at least 2 characters long."))
        if value in RESERVED_SLUGS:
            raise ma.ValidationError(_("'%(slug)s' is reserved. Choose another short name.",
                                       slug=value))

    @ma.validates_schema(skip_on_field_errors=False)
    def _a_name(self, data: dict, **_kwargs) -> None:
        if not data.get("name") and not data.get("name_cy"):
            raise ma.ValidationError(_("Enter the group's name in Welsh, in English, or both."),
                                     "name")


class WhereSchema(StrictSchema):
    """Step 2: the local authorities served, and which one is home (chosen when several)."""

    las = fields.List(fields.String(), required=True, validate=validate.Length(
        min=1, error=_l("Choose at least one local authority.")),
        error_messages=_required(_l("Choose at least one local authority.")))
    home_la = fields.String(load_default="")

    @ma.validates("las")
    def _las(self, value: list[str], **_kwargs) -> None:
        if any(code not in local_authorities() for code in value):
            raise ma.ValidationError(_("Choose local authorities from the list."))

    @ma.validates_schema(skip_on_field_errors=False)
    def _home(self, data: dict, **_kwargs) -> None:
        home, las = data.get("home_la"), data.get("las") or []
        if home and home not in las:
            raise ma.ValidationError(_(
                "The main local authority must be one of those you ticked."), "home_la")
        if not home and len(las) > 1:
            raise ma.ValidationError(_(
                "Choose the main local authority: the one where the co-op is based."),
                "home_la")


def _decimal_cap(value: str) -> None:
    if not value:
        return
    try:
        cap = Decimal(value)
    except InvalidOperation:
        raise ma.ValidationError(_("Enter the cap as a number, like 10.")) from None
    if not cap.is_finite() or cap <= 0 or cap > 100 or cap != round(cap, 2):
        raise ma.ValidationError(_("Enter a cap above 0 and at most 100."))


def _whole_shares(value: str) -> None:
    if not value.isdigit() or not value.isascii():
        raise ma.ValidationError(_("Enter the minimum shares as a whole number, like 1."))
    if int(value) > MAX_SHARES:
        raise ma.ValidationError(_("Enter a minimum of at most 1,000,000 shares."))


class ClassRowSchema(StrictSchema):
    """One member class: names, vote, optional vote cap, minimum shareholding."""

    code = fields.String(load_default="")
    name_en = fields.String(required=True, error_messages=_required(_l(
        "Enter the class's name in English.")), validate=[validate.Length(
            min=1, max=CLASS_NAME_MAX, error=_l("The name must be 120 characters or fewer.")),
            _text])
    name_cy = fields.String(required=True, error_messages=_required(_l(
        "Enter the class's name in Welsh.")), validate=[validate.Length(
            min=1, max=CLASS_NAME_MAX, error=_l("The name must be 120 characters or fewer.")),
            _text])
    voting = fields.String(required=True, error_messages=_required(_l(
        "Say whether members of this class vote.")), validate=validate.OneOf(
        YES_NO, error=_l("Say whether members of this class vote.")))
    cap = fields.String(load_default="", validate=_decimal_cap)
    min_shares = fields.String(required=True, error_messages=_required(_l(
        "Enter the minimum shares as a whole number, like 1.")), validate=_whole_shares)

    @ma.validates_schema
    def _cap_needs_vote(self, data: dict, **_kwargs) -> None:
        if data.get("cap") and data.get("voting") == "no":
            raise ma.ValidationError(_(
                "A class without a vote cannot have a vote cap. Remove the cap or give the "
                "class a vote."), "cap")


class GovernanceSchema(StrictSchema):
    """Step 3: the member classes, at least one of them with a vote."""

    classes = fields.List(fields.Nested(ClassRowSchema), required=True)

    @ma.validates("classes")
    def _some_vote(self, value: list, **_kwargs) -> None:
        if not value:
            raise ma.ValidationError(_("Add at least one member class."))
        if not any(row.get("voting") == "yes" for row in value):
            raise ma.ValidationError(_(
                "At least one class must have a vote: members control the co-op."))


ADDRESS_MAX = 500


class PersonRowSchema(StrictSchema):
    """One founding member: name, email or postal address (or both), and their class.

    A founder need not be online: one with only a postal address is entered in the
    register as a founding member and gets no invitation email.
    """

    name = fields.String(required=True, error_messages=_required(_l(
        "Enter the founding member's name.")), validate=[validate.Length(
            min=1, max=NAME_MAX, error=_l("The name must be 200 characters or fewer.")),
            _text])
    email = fields.String(load_default="", validate=validate.And(
        validate.Length(max=EMAIL_MAX, error=_l(
            "The email address must be 254 characters or fewer.")),
        validate.Email(error=_l(
            "Enter an email address in the right form, like name@example.org."))))
    postal_address = fields.String(load_default="", validate=[validate.Length(
        max=ADDRESS_MAX, error=_l("The address must be 500 characters or fewer.")), _text])
    member_class = fields.String(required=True, error_messages=_required(_l(
        "Choose the member class they join.")))

    @ma.validates_schema
    def _reachable(self, data: dict, **_kwargs) -> None:
        if not data.get("email") and not data.get("postal_address"):
            raise ma.ValidationError(_(
                "Enter an email address or a postal address, so the co-op can reach them."),
                "email")


class PeopleSchema(StrictSchema):
    """Step 4: the founding members, and which of them is to be the first admin."""

    people = fields.List(fields.Nested(PersonRowSchema), required=True)
    admin = fields.String(load_default="")  # checked against the rows in _rows

    def __init__(self, *, class_codes: list[str], **kwargs):
        super().__init__(**kwargs)
        self.class_codes = class_codes

    @ma.validates_schema(skip_on_field_errors=False)
    def _rows(self, data: dict, **_kwargs) -> None:
        people = data.get("people") or []
        errors: dict = {}

        def row_error(index: int, field: str, message: str) -> None:
            errors.setdefault("people", {}).setdefault(index, {})[field] = [message]

        if not people:
            errors["people"] = [_("Add at least one founding member.")]
        seen: set[str] = set()
        for index, row in enumerate(people):
            if row.get("member_class") not in self.class_codes:
                row_error(index, "member_class", _("Choose the member class they join."))
            email = (row.get("email") or "").lower()
            if email and email in seen:
                row_error(index, "email", _("This email address is already on the list."))
            seen.add(email)
        admin = whole_number(str(data.get("admin", "")))
        if not (isinstance(admin, int) and 0 <= admin < len(people)):
            errors["admin"] = [_("Choose who will look after the co-op's workspace.")]
        elif not people[admin].get("email"):
            errors["admin"] = [_("The person who will look after the workspace needs an "
                                 "email address, to sign in.")]
        if errors:
            raise ma.ValidationError(errors)


class ServicesSchema(StrictSchema):
    """Step 5: the services the co-op will offer, and its Welsh-language offer."""

    services = fields.List(fields.String(), required=True, validate=validate.Length(
        min=1, error=_l("Choose at least one service.")))
    welsh_offer = fields.String(required=True, error_messages=_required(_l(
        "Choose your Welsh-language offer.")), validate=validate.OneOf(
        list(WELSH_OFFER), error=_l("Choose your Welsh-language offer.")))

    @ma.validates("services")
    def _known(self, value: list[str], **_kwargs) -> None:
        if any(code not in SERVICES for code in value):
            raise ma.ValidationError(_("Choose services from the list."))


FCA_NUMBER = re.compile(r"^(?:RS)?\d{1,7}R?$")
SERVICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,31}$")


class CiwServiceSchema(StrictSchema):
    """One CIW-registered service: its type, service ID, RI, manager and rating link."""

    service_type = fields.String(required=True, error_messages=_required(_l(
        "Choose the type of registered service.")), validate=validate.OneOf(
        list(CIW_SERVICE_TYPES), error=_l("Choose the type of registered service.")))
    ciw_service_id = fields.String(required=True, error_messages=_required(_l(
        "Enter the CIW service ID.")))
    responsible_individual = fields.String(required=True, error_messages=_required(_l(
        "Enter the name of the Responsible Individual.")), validate=[validate.Length(
            max=NAME_MAX, error=_l("The name must be 200 characters or fewer.")), _text])
    registered_manager = fields.String(load_default="", validate=[validate.Length(
        max=NAME_MAX, error=_l("The name must be 200 characters or fewer.")), _text])
    rating_url = fields.String(load_default="", validate=validate.Length(max=500, error=_l(
        "The link must be 500 characters or fewer.")))

    @ma.validates("ciw_service_id")
    def _service_id(self, value: str, **_kwargs) -> None:
        if not value.isascii() or not SERVICE_ID.match(value):
            raise ma.ValidationError(_(
                "Enter the service ID as CIW wrote it, using letters, digits and hyphens."))

    @ma.validates("rating_url")
    def _rating_url(self, value: str, **_kwargs) -> None:
        if value:
            try:
                validate.URL(schemes={"https"}, require_tld=True)(value)
            except ma.ValidationError:
                raise ma.ValidationError(_(
                    "Enter the rating link as a web address starting https://.")) from None


class LegalSchema(StrictSchema):
    """Step 6: the legal form, FCA registration and any CIW-registered services.

    Recording these registers nothing. Two rules look at other steps: a registered
    society needs at least three founding members, and a rule on legal forms may hold
    for the co-op's type (fostering must be not-for-profit).
    """

    legal_form = fields.String(required=True, error_messages=_required(_l(
        "Choose a legal form, or 'not decided'.")), validate=validate.OneOf(
        list(LEGAL_FORMS), error=_l("Choose a legal form, or 'not decided'.")))
    fca_society_number = fields.String(load_default="")
    registered_on = fields.String(load_default="")
    ciw = fields.List(fields.Nested(CiwServiceSchema), load_default=list)

    def __init__(self, *, coop_type: str, founders: int, today: date, **kwargs):
        super().__init__(**kwargs)
        self.coop_type, self.founders, self.today = coop_type, founders, today

    @ma.validates("fca_society_number")
    def _fca_number(self, value: str, **_kwargs) -> None:
        if value and not FCA_NUMBER.match(value.upper().replace(" ", "")):
            raise ma.ValidationError(_(
                "Enter the society number as the FCA shows it, like 31234R or RS007123."))

    @ma.validates("registered_on")
    def _registered_on(self, value: str, **_kwargs) -> None:
        if not value:
            return
        try:
            when = date.fromisoformat(value)
        except ValueError:
            raise ma.ValidationError(_(
                "Enter the registration date as year-month-day, like 2024-03-31.")) from None
        if when > self.today:
            raise ma.ValidationError(_("The registration date must be today or earlier."))

    @ma.validates_schema(skip_on_field_errors=False)
    def _position(self, data: dict, **_kwargs) -> None:
        form = data.get("legal_form")
        if form is None:
            return
        if data.get("fca_society_number") and form not in SOCIETY_FORMS:
            raise ma.ValidationError(_(
                "Only a co-operative or community benefit society has an FCA society "
                "number. Remove it, or choose the society's form."), "fca_society_number")
        if data.get("registered_on") and form in UNREGISTERED_FORMS:
            raise ma.ValidationError(_(
                "A group that is not incorporated has no registration date. Remove it, or "
                "choose the form you registered."), "registered_on")
        rule = form_rule(self.coop_type, self.today)
        if rule is not None and form not in rule.allowed_forms:
            raise ma.ValidationError(_(
                "A foster care co-op cannot be a %(form)s: since %(date)s a new fostering "
                "provider in Wales must be not-for-profit. Choose a charitable community "
                "benefit society, a company limited by guarantee or a CIC without share "
                "capital, or “not decided” to talk to an adviser.",
                form=str(LEGAL_FORMS[form][0]).lower(),
                date=rule.effective_from.isoformat()), "legal_form")
        if form in SOCIETY_FORMS and self.founders < SOCIETY_MIN_FOUNDERS:
            raise ma.ValidationError(_(
                "A registered society needs at least %(min)s founding members, and step 4 "
                "lists %(count)s. Add founding members, or choose another legal form.",
                min=SOCIETY_MIN_FOUNDERS, count=self.founders), "legal_form")


class SharingSchema(StrictSchema):
    """Step 7: each data-sharing choice, made explicitly."""

    statistics = fields.String(required=True, error_messages=_required(_l(
        "Choose yes or no for pooled statistics.")), validate=validate.OneOf(
        YES_NO, error=_l("Choose yes or no for pooled statistics.")))
    worker_pool = fields.String(required=True, error_messages=_required(_l(
        "Choose yes or no for the worker pool.")), validate=validate.OneOf(
        YES_NO, error=_l("Choose yes or no for the worker pool.")))
    agency = fields.String(required=True, error_messages=_required(_l(
        "Choose an agency, or no agency.")))

    def __init__(self, *, agency_ids: list[int], **kwargs):
        super().__init__(**kwargs)
        self.agency_ids = {str(i) for i in agency_ids}

    @ma.validates("agency")
    def _agency(self, value: str, **_kwargs) -> None:
        if value != "none" and value not in self.agency_ids:
            raise ma.ValidationError(_("Choose an agency, or no agency."))


def _present(answers: dict) -> dict:
    """Drop blank simple values, so "required" catches them; rows keep blank cells out too."""
    out: dict = {}
    for key, value in answers.items():
        if isinstance(value, str):
            if value.strip():
                out[key] = value.strip()
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out[key] = [{k: v.strip() for k, v in row.items() if v.strip()} for row in value]
        else:
            out[key] = value
    return out


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key) if key != "_schema" else ""
            nested = f"{prefix}-{name}" if prefix and name else (name or prefix)
            for field, items in _flatten(value, nested).items():
                flat.setdefault(field, []).extend(items)
    elif isinstance(messages, list) and all(isinstance(m, dict) for m in messages):
        for index, value in enumerate(messages):
            for field, items in _flatten(value, f"{prefix}-{index}").items():
                flat.setdefault(field, []).extend(items)
    else:
        items = messages if isinstance(messages, list) else [messages]
        flat[prefix or "form"] = [str(m) for m in items]
    return flat


def validate_answers(step: str, answers: dict, *, class_codes: list[str] = (),
                     agency_ids: list[int] = (), context: Mapping | None = None,
                     ) -> tuple[dict, dict[str, list[str]]]:
    """Check one step's answers; returns the cleaned values and the errors by field id.

    ``context`` carries what the legal step needs from the others: ``coop_type``,
    ``founders`` (how many) and ``today``. Messages are in the request's language;
    outside a request (a job, the demo), English.
    """
    context = dict(context or {})
    if not has_request_context():
        with force_locale("en"):
            return _validate(step, answers, class_codes, agency_ids, context)
    return _validate(step, answers, class_codes, agency_ids, context)


def _validate(step: str, answers: dict, class_codes, agency_ids,
              context: dict) -> tuple[dict, dict]:
    nul = [k for k, v in _walk(answers) if "\x00" in v]
    if nul:
        return {}, {field: [_("Remove the NUL characters from this field.")] for field in nul}
    schemas = {
        "group": lambda: GroupSchema(),
        "where": lambda: WhereSchema(),
        "governance": lambda: GovernanceSchema(),
        "people": lambda: PeopleSchema(class_codes=list(class_codes)),
        "services": lambda: ServicesSchema(),
        "legal": lambda: LegalSchema(coop_type=context.get("coop_type", ""),
                                     founders=int(context.get("founders", 0)),
                                     today=context.get("today") or date.today()),
        "sharing": lambda: SharingSchema(agency_ids=list(agency_ids)),
    }
    try:
        return schemas[step]().load(_present(answers)), {}
    except ma.ValidationError as exc:
        return {}, _flatten(exc.messages)


def _walk(value, path: str = ""):
    """(field id, text) for every string in a step's answers."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}-{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}-{index}" if isinstance(item, dict) else path)
