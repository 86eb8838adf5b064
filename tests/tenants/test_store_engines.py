"""The co-op store's engines (issue 16): a bounded cache on SQLite, and a session that
reaches its own co-op's store only, whatever the cache evicted or reused meanwhile.

Each test builds a TenantStore of its own over the shared app's database, with a cache of
one or two engines so that every switch of co-op evicts; the checks hold on both stores.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from core.config import ConfigError, load_settings
from tenants.members.models import MemberClass
from tenants.store import TenantRef, TenantStore
from tests.fixtures.factories import class_codes, create_coop


@pytest.fixture(scope="module")
def three_coops(app):
    """Three co-ops of different types, so each store's member classes tell them apart."""
    made = [create_coop(app, coop_type=kind, la=la)[0] for kind, la in (
        ("worker", "W06000002"), ("dp_pool", "W06000015"), ("foster", "W06000018"))]
    return [TenantRef(coop.id, coop.slug) for coop in made]


@pytest.fixture
def small_store(app):
    """Factory of TenantStores with a cache of ``size`` engines on the shared app's store."""
    made: list[TenantStore] = []

    def make(size: int) -> TenantStore:
        shared = app.extensions["coopfed.store"]
        store = TenantStore(app_engine=shared.app_engine, owner_url=shared._owner_url,
                            instance_path=app.instance_path, deployment=shared.deployment,
                            cache_size=size)
        made.append(store)
        return store

    yield make
    for store in made:
        store.dispose()


def where(store: TenantStore, session) -> str:
    """Which store the session's connection is on: the file, or the role and schema."""
    if store.kind == "sqlite":
        rows = session.execute(text("PRAGMA database_list")).all()
        return str([row[2] for row in rows if row[1] == "main"][0])
    return "/".join(session.execute(text("SELECT current_user, current_schema()")).one())


def expected(store: TenantStore, ref: TenantRef) -> str:
    if store.kind == "sqlite":
        return str(store.path(ref))
    return f"{store.role(ref)}/{store.schema(ref)}"


def codes(session) -> list[str]:
    return sorted(session.scalars(select(MemberClass.code)))


def test_cache_stays_bounded_after_many_coops(app, three_coops, small_store):
    store = small_store(2)
    for _ in range(3):
        for ref in three_coops:
            with store.session(ref) as session:
                session.execute(text("SELECT 1"))
    # PostgreSQL shares the app's one engine and pool: nothing per co-op is cached.
    assert store.cached_engines() == (2 if store.kind == "sqlite" else 0)


def test_session_reaches_its_own_store_after_eviction_and_reuse(app, three_coops, small_store):
    store = small_store(1)
    own = {ref: class_codes(app, ref) for ref in three_coops}
    assert len({tuple(value) for value in own.values()}) == 3  # the check can tell them apart
    for ref in three_coops * 3:  # every session evicts the previous co-op's engine
        with store.session(ref) as session:
            assert where(store, session) == expected(store, ref)
            assert codes(session) == own[ref]
            session.commit()


def test_evicted_engine_finishes_the_open_session(app, three_coops, small_store):
    store = small_store(1)
    first, second = three_coops[:2]
    with store.session(first) as session:
        before = codes(session)
        with store.session(second) as other:  # evicts the first co-op's engine
            assert where(store, other) == expected(store, second)
        assert where(store, session) == expected(store, first)
        assert codes(session) == before
        session.commit()
    with store.session(first) as again:  # a new engine, on the same file or schema
        assert where(store, again) == expected(store, first)


def test_forget_and_dispose_drop_cached_engines(app, three_coops, small_store):
    store = small_store(5)
    for ref in three_coops:
        with store.session(ref) as session:
            session.execute(text("SELECT 1"))
    per_coop = 1 if store.kind == "sqlite" else 0
    store.forget(three_coops[0])
    assert store.cached_engines() == 2 * per_coop
    store.dispose()
    assert store.cached_engines() == 0
    with store.session(three_coops[0]) as session:  # usable again after dispose
        assert where(store, session) == expected(store, three_coops[0])


def test_concurrent_sessions_of_two_coops_never_cross(app, three_coops, small_store):
    store = small_store(1)  # the two threads evict each other's engine all the time
    own = {ref: class_codes(app, ref) for ref in three_coops[:2]}
    start = threading.Barrier(2)
    seen: dict[TenantRef, list[tuple[str, list[str]]]] = {ref: [] for ref in own}
    errors: list[BaseException] = []

    def work(ref: TenantRef) -> None:
        try:
            start.wait()
            for _ in range(40):
                with store.session(ref) as session:
                    seen[ref].append((where(store, session), codes(session)))
                    session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(ref,)) for ref in own]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for ref, results in seen.items():
        assert len(results) == 40
        assert {result[0] for result in results} == {expected(store, ref)}
        assert all(result[1] == own[ref] for result in results)


def test_cache_size_below_one_is_refused(tmp_path):
    config = {"ENV": "test", "SECRET_KEY": "x", "TENANT_ENGINE_CACHE": 0}
    with pytest.raises(ConfigError, match="COOPFED_TENANT_ENGINE_CACHE"):
        load_settings(config, str(tmp_path))



def test_coop_engines_share_one_dialect(app, three_coops, small_store):
    store = small_store(5)
    dialects = {id(store.engine(ref).dialect) for ref in three_coops}
    # SQLite: one dialect and one cache of compiled statements for every co-op file;
    # PostgreSQL: the app's one engine for every schema.
    assert len(dialects) == 1


def test_sqlite_coop_connection_is_configured(app, three_coops, small_store):
    store = small_store(5)
    if store.kind != "sqlite":
        pytest.skip("SQLite's per-connection settings")
    with store.session(three_coops[0]) as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 120000
        assert session.execute(text("SELECT 'coop' REGEXP 'o+p'")).scalar() == 1
