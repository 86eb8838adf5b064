"""Bad requests for a co-op are refused with the field named, and nothing is created."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import db
from core.errors import ValidationError
from federation.accounts.models import Account
from federation.coops.service import check_create_coop
from tenants.registry.models import Coop

GOOD = {"name": "Valleys Care Co-op", "slug": "valleys-care", "type": "worker",
        "la": "W06000016", "admin_email": "founder@example.org"}


def _counts():
    return (db.session.scalar(select(func.count(Coop.id))),
            db.session.scalar(select(func.count(Account.id))))


@pytest.mark.parametrize(("field", "value"), [
    ("slug", ""),
    ("slug", "a" * 41),
    ("slug", "api"),
    ("slug", "admin"),
    ("slug", "static"),
    ("slug", "start"),
    ("slug", "gofal-môn"),
    ("slug", "Upper-Case"),
    ("slug", "double--hyphen"),
    ("slug", "9starts-with-digit"),
    ("type", "cartel"),
    ("type", ""),
    ("la", "W06000099"),
    ("la", "E09000001"),
    ("admin_email", "not-an-email"),
    ("admin_email", "two@@example.org"),
    ("name", ""),
    ("name", "x" * 201),
    ("name", "null\x00byte"),
])
def test_bad_field_is_named_and_nothing_is_created(ctx, field, value):
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        check_create_coop(dict(GOOD, **{field: value}))
    db.session.rollback()
    assert list(caught.value.errors) == [field]
    assert caught.value.errors[field][0]
    assert _counts() == before


@pytest.mark.parametrize("missing", ["name", "slug", "type", "la", "admin_email"])
def test_missing_field_is_named(ctx, missing):
    data = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(ValidationError) as caught:
        check_create_coop(data)
    db.session.rollback()
    assert missing in caught.value.errors


def test_taken_slug_is_refused_with_alternatives(app, make_coop, ctx):
    coop, _ = make_coop()
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        check_create_coop(dict(GOOD, slug=coop.slug, admin_email="someone-new@example.org"))
    db.session.rollback()
    message = caught.value.errors["slug"][0]
    assert "already taken" in message
    suggestions = message.split("Try ", 1)[1].rstrip(".").split(", ")
    assert len(suggestions) == 3
    for suggestion in suggestions:
        assert suggestion != coop.slug
        check_create_coop(dict(GOOD, slug=suggestion, admin_email="free@example.org"))
        db.session.rollback()  # each suggestion would have been accepted
    assert _counts() == before


def test_cli_names_the_field_and_exits_non_zero(app):
    runner = app.test_cli_runner()
    with app.app_context():
        before = _counts()
    result = runner.invoke(args=["coop", "create", "--name", "X Co-op", "--slug", "api",
                                 "--type", "worker", "--la", "W06000018",
                                 "--admin-email", "x@example.org"])
    assert result.exit_code == 2
    assert "slug:" in result.output and "reserved" in result.output
    with app.app_context():
        assert _counts() == before


def test_cli_creates_a_coop_and_reports_it_active(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["coop", "create", "--name", "Cli Co-op", "--slug",
                                 "cli-made-coop", "--type", "community", "--la", "W06000022",
                                 "--admin-email", "cli-admin@example.org"])
    assert result.exit_code == 0, result.output
    assert "cli-made-coop: active" in result.output
    listing = runner.invoke(args=["coop", "list"])
    assert "cli-made-coop" in listing.output and "active" in listing.output
