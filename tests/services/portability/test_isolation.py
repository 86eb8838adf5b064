"""An export of one co-op holds nothing of another: every value of B's records is looked for."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from services.portability.schema import reflect_store
from tenants.context import store
from tenants.registry.models import Coop
from tenants.store import TenantRef
from tests.fixtures.factories import in_coop
from tests.services.portability.helpers import lend_hours, seed_distinct


def _strings(app, coop) -> set[str]:
    """Every text value in every table of the co-op's store."""
    values: set[str] = set()
    with app.app_context():
        tenant_store = store()
        ref = TenantRef(coop.id, coop.slug)
        session = tenant_store.session(ref)
        try:
            schema = None if tenant_store.kind == "sqlite" else tenant_store.schema(ref)
            for table in reflect_store(session.connection(), schema):
                for row in session.execute(select(table)).mappings():
                    values |= {v for v in row.values() if isinstance(v, str)}
        finally:
            session.close()
    return values


def test_an_export_of_a_holds_nothing_of_b(app, two_coops, make_coop, tmp_path):
    (a, admin_a), (b, admin_b) = two_coops
    third, _ = make_coop()
    # B lends to a third co-op: federation records that involve B, not A.
    agreement_id = lend_hours(app, b, third, None)
    with app.app_context():
        from services.lending.models import LendingAgreement

        agreement = db.session.get(LendingAgreement, agreement_id)
        agreement.worker_ref = f"worker-ref-of-b-{agreement_id}-x7"
        db.session.commit()
        worker_ref = agreement.worker_ref
    for coop in (a, b):
        with in_coop(app, coop) as session:
            seed_distinct(session, workers=4, members=6, clients=3)
    path = tmp_path / "a.zip"
    result = app.test_cli_runner().invoke(args=["coop", "export", a.slug, "--out", str(path)])
    assert result.exit_code == 0, result.output
    # B's own values: what B holds that A does not (shared codes such as skills are not B's).
    b_values = _strings(app, b) - _strings(app, a)
    with app.app_context():
        registry = db.session.get(Coop, b.id)
        b_values |= {registry.slug, admin_b.email, worker_ref}
        if registry.name != db.session.get(Coop, a.id).name:  # the factory names both alike
            b_values.add(registry.name)
    assert len(b_values) > 20  # names, emails, addresses, notes, registration numbers
    import zipfile

    with zipfile.ZipFile(path) as archive:
        text = "\n".join(archive.read(name).decode() for name in archive.namelist())
    leaked = sorted(v for v in b_values if v in text)
    assert leaked == []
    assert a.slug in text and admin_a.email in text  # the scan can find what is there
