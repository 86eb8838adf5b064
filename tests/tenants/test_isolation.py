"""Isolation between co-ops: enforced by the store and the session, never by each query."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db import db
from tenants.context import store
from tenants.store import TenantRef
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD


def test_two_coops_give_two_schemas_and_two_roles(app, two_coops, postgres_only):
    (a, _), (b, _) = two_coops
    with app.app_context(), store().owner_engine.connect() as conn:
        tenant_store = store()
        for coop in (a, b):
            ref = TenantRef(coop.id, coop.slug)
            assert conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"),
                                {"s": tenant_store.schema(ref)}).first()
            rolcanlogin = conn.execute(text(
                "SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"),
                {"r": tenant_store.role(ref)}).scalar_one()
            assert rolcanlogin is False
        inherit = conn.execute(text("SELECT rolinherit FROM pg_roles WHERE rolname = :r"),
                               {"r": tenant_store.app_role()}).scalar_one()
        assert inherit is False


def test_raw_sql_from_coop_a_cannot_read_coop_b(app, two_coops, postgres_only):
    (a, _), (b, _) = two_coops
    with app.app_context():
        tenant_store = store()
        session = tenant_store.session(TenantRef(a.id, a.slug))
        try:
            own = session.execute(text("SELECT count(*) FROM member_classes")).scalar_one()
            assert own > 0
            other_schema = tenant_store.schema(TenantRef(b.id, b.slug))
            with pytest.raises(DBAPIError, match="permission denied"):
                session.execute(text(f"SELECT * FROM {other_schema}.member_classes"))
        finally:
            session.close()
        session = tenant_store.session(TenantRef(a.id, a.slug))
        try:
            with pytest.raises(DBAPIError, match="permission denied"):
                session.execute(text("SELECT * FROM federation.accounts"))
        finally:
            session.close()


def test_app_login_alone_reads_no_coop(app, two_coops, postgres_only):
    (a, _), _ = two_coops
    with app.app_context():
        schema = store().schema(TenantRef(a.id, a.slug))
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text(f"SELECT * FROM {schema}.member_classes"))


def test_sqlite_session_sees_only_its_own_file(app, two_coops):
    (a, _), (b, _) = two_coops
    with app.app_context():
        tenant_store = store()
        if tenant_store.kind != "sqlite":
            pytest.skip("the PostgreSQL tests above cover schemas and roles")
        session = tenant_store.session(TenantRef(a.id, a.slug))
        try:
            files = [row.file for row in session.execute(text("PRAGMA database_list"))
                     if row.file]
        finally:
            session.close()
    assert files == [str(tenant_store.path(TenantRef(a.id, a.slug)))]


CSRF_VALUE = re.compile(r'(csrf[^>]*?(?:value|content)=")[^"]*')


def _rules(slug: str) -> list[str]:
    from flask import current_app

    return [rule.rule.replace("<slug>", slug) for rule in current_app.url_map.iter_rules()
            if rule.endpoint.startswith("workspace.") and set(rule.arguments) == {"slug"}]


def test_member_of_a_gets_404_for_every_url_of_b(app, client, two_coops):
    (a, admin_a), (b, _) = two_coops
    assert sign_in(client, admin_a.email, PASSWORD).status_code == 302
    with app.app_context():
        paths = _rules(b.slug)
    assert paths
    own = client.get(f"/c/{a.slug}/")
    assert own.status_code == 200
    not_there = _without_csrf(client.get("/c/no-such-coop/").get_data(as_text=True))
    for path in paths:
        response = client.get(path)
        assert response.status_code == 404, path
        # Indistinguishable from a co-op that does not exist (but for the URL itself, and
        # the CSRF token, which carries the second it was made in).
        page = response.get_data(as_text=True).replace(b.slug, "no-such-coop")
        assert _without_csrf(page) == not_there


def _without_csrf(page: str) -> str:
    return CSRF_VALUE.sub(r"\1", page)


def test_anonymous_is_sent_to_sign_in(client, two_coops):
    (a, _), (b, _) = two_coops
    for slug in (a.slug, b.slug, "no-such-coop"):
        response = client.get(f"/c/{slug}/")
        assert response.status_code == 302
        assert "/signin" in response.headers["Location"]


def test_refused_access_is_audited(app, client, two_coops):
    from sqlalchemy import select

    from core.audit import AuditEvent

    (a, admin_a), (b, _) = two_coops
    sign_in(client, admin_a.email, PASSWORD)
    client.get(f"/c/{b.slug}/")
    with app.app_context():
        refused = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "access.refused", AuditEvent.coop_id == b.id)).all()
    assert [e.actor_account_id for e in refused] == [admin_a.id]
