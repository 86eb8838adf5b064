"""Validation of a request for a new co-op: refused input names its field and creates nothing."""

from __future__ import annotations

import re

from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate, validates

from core.areas import local_authorities
from tenants.registry.models import CoopType

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
SLUG_MAX = 40
RESERVED_SLUGS = frozenset({
    "about", "account", "accounts", "admin", "agencies", "agency", "api", "assets", "auth",
    "c", "coopfed", "demo", "federation", "health", "help", "login", "logout", "mail",
    "metrics", "new", "none", "null", "oauth", "regional", "signin", "signout", "signup",
    "start", "static", "stats", "www",
})


class CoopRequestSchema(Schema):
    """A request for a co-op: its names, slug, type, local authority and first admin."""

    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    name_cy = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=200))
    slug = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf([str(t) for t in CoopType]))
    la = fields.String(required=True)
    admin_email = fields.Email(required=True, validate=validate.Length(max=254))
    default_locale = fields.String(load_default="en", validate=validate.OneOf(["en", "cy"]))

    @validates("slug")
    def _check_slug(self, value: str, **_kwargs) -> None:
        check_slug(value)

    @validates("la")
    def _check_la(self, value: str, **_kwargs) -> None:
        if value not in local_authorities():
            raise ValidationError(
                f"Unknown local authority code {value!r}; use an ONS code such as W06000018.")

    @validates("name", "name_cy")
    def _check_text(self, value: str | None, **_kwargs) -> None:
        if value is not None and ("\x00" in value or not value.strip()):
            raise ValidationError(gettext("Must be printable text."))


def check_slug(value: str) -> None:
    """Raise a marshmallow ValidationError describing what is wrong with a slug."""
    if not value:
        raise ValidationError(gettext("Enter a short name for the web address."))
    if len(value) > SLUG_MAX:
        raise ValidationError(f"Must be at most {SLUG_MAX} characters.")
    if not value.isascii() or not SLUG_PATTERN.match(value):
        raise ValidationError(
            "Use only lower-case letters a-z, digits and single hyphens, starting with a letter.")
    if len(value) < 2:
        raise ValidationError(gettext("Must be at least 2 characters."))
    if value in RESERVED_SLUGS:
        raise ValidationError(f"'{value}' is reserved; choose another.")
