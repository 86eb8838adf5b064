"""A co-op moves between federations and stores: SQLite → PostgreSQL → SQLite.

The source is always an embedded (SQLite) federation of its own. The target is the
run's app: PostgreSQL when COOPFED_DATABASE_URL points at it (the ``postgres`` test),
otherwise a second SQLite federation (which still checks the move between federations).
"""

from __future__ import annotations

import secrets

import pytest

from core.db import db
from federation.demo import seed_workspace
from tenants.registry.models import Coop
from tests.fixtures.app import build_app, close_app
from tests.fixtures.factories import create_account, create_coop, in_coop, unique
from tests.fixtures.stores import ON_POSTGRES, StoreConfig
from tests.services.portability.helpers import assert_same_archives, read_archive, seed_distinct


class _EmbeddedStores:
    """Hands out SQLite settings whatever the run's store is."""

    def new(self) -> StoreConfig:
        return StoreConfig(None, None, "t" + secrets.token_hex(4), None)


@pytest.fixture
def sqlite_app(tmp_path_factory):
    """A second, embedded federation (its own instance folder and files)."""
    application = build_app(tmp_path_factory.mktemp("embedded"), _EmbeddedStores())
    yield application
    close_app(application)


def _cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def _move(source_app, target_app, slug, archive, again):
    """Export ``slug`` from source to ``archive``; import it into target; export it again."""
    _cli(source_app, "coop", "export", slug, "--out", str(archive))
    moved = unique("moved")
    _cli(target_app, "coop", "import", str(archive), "--slug", moved)
    _cli(target_app, "coop", "export", moved, "--out", str(again))
    return moved


def _round_trip_across(sqlite_app, app, tmp_path):
    admin = create_account(sqlite_app)
    create_account(app, email=admin.email)  # the same person has an account in both
    coop, _ = create_coop(sqlite_app, coop_type="dp_pool", admin=admin)
    create_coop(sqlite_app, coop_type="worker")  # a neighbour that must not travel
    with sqlite_app.app_context():
        seed_workspace(db.session.get(Coop, coop.id))
    with in_coop(sqlite_app, coop) as session:
        seed_distinct(session)
    first, second = tmp_path / "1.zip", tmp_path / "2.zip"
    third, fourth = tmp_path / "3.zip", tmp_path / "4.zip"
    moved = _move(sqlite_app, app, coop.slug, first, second)
    assert_same_archives(first, second)
    _move(app, sqlite_app, moved, third, fourth)
    assert_same_archives(first, fourth)
    assert read_archive(first)["federation/memberships.jsonl"]
    assert len(read_archive(fourth)["tenant/visits.jsonl"]) == \
        len(read_archive(first)["tenant/visits.jsonl"]) > 0


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back(sqlite_app, app, tmp_path, postgres_only):
    assert ON_POSTGRES
    _round_trip_across(sqlite_app, app, tmp_path)


def test_between_two_embedded_federations(sqlite_app, app, tmp_path):
    if ON_POSTGRES:
        pytest.skip("the PostgreSQL run moves the co-op through PostgreSQL instead")
    _round_trip_across(sqlite_app, app, tmp_path)
