"""Export, import under a new slug, export again: the archives agree field by field."""

from __future__ import annotations

from core.db import db
from federation.demo import seed_workspace
from tenants.registry.models import Coop
from tests.fixtures.factories import in_coop, unique
from tests.services.portability.helpers import assert_same_archives, read_archive, seed_distinct


def _cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def _seed(app, coop):
    with app.app_context():
        seed_workspace(db.session.get(Coop, coop.id))
    with in_coop(app, coop) as session:
        seed_distinct(session)


def test_round_trip_on_one_store(app, make_coop, tmp_path):
    coop, _admin = make_coop(coop_type="dp_pool")
    other, _ = make_coop(coop_type="worker")
    _seed(app, coop)
    _seed(app, other)
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    result = _cli(app, "coop", "export", coop.slug, "--out", str(first))
    assert result.exit_code == 0, result.output
    moved = unique("moved")
    result = _cli(app, "coop", "import", str(first), "--slug", moved)
    assert result.exit_code == 0, result.output
    result = _cli(app, "coop", "export", moved, "--out", str(second))
    assert result.exit_code == 0, result.output
    assert_same_archives(first, second)
    parts = read_archive(first)
    assert len(parts["tenant/visits.jsonl"]) > 0 and len(parts["tenant/members.jsonl"]) > 0
