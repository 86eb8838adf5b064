"""PostgreSQL restarts under a running worker: nothing acknowledged is lost or doubled.

This module's rig runs on a private PostgreSQL cluster (initdb in a temporary folder,
its own port), which the test restarts; the shared server is never touched.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from tests.faults.harness import PrivatePostgres
from tests.faults.helpers import emailed_exactly_once, invite
from tests.fixtures.factories import create_coop

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis]

_server: list[PrivatePostgres] = []


def rig_settings(_folder) -> dict:
    """A private cluster with the owner and NOINHERIT app logins production has."""
    server = PrivatePostgres()
    _server.append(server)
    server.init()
    server.start()
    engine = create_engine(server.url.replace("postgresql://", "postgresql+psycopg://"),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql('CREATE DATABASE "coopfed"')
        conn.exec_driver_sql('CREATE ROLE "faultpg_app" LOGIN NOINHERIT')
    engine.dispose()
    base = f"postgresql://postgres@127.0.0.1:{server.port}/coopfed"
    return {"DATABASE_URL": base.replace("postgres@", "faultpg_app@"),
            "OWNER_DATABASE_URL": base, "DEPLOYMENT": "faultpg"}


def rig_teardown() -> None:
    for server in _server:
        server.remove()


def test_work_goes_on_exactly_once_after_postgres_restarts(fault_rig):
    rig = fault_rig
    coop, _ = create_coop(rig.app)
    worker = rig.worker()
    emailed_exactly_once(rig, coop, invite(rig.app, coop))
    # Acknowledged just before the restart: the relay and the email run after it.
    invited = invite(rig.app, coop, 2)
    _server[0].restart()
    emailed_exactly_once(rig, coop, invited)
    emailed_exactly_once(rig, coop, invite(rig.app, coop))
    assert worker.poll() is None, rig.procs.log_tail()
