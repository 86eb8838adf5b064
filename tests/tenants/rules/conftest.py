"""Two co-ops that differ only in their position: one runs no CIW-registered service, the
other runs a registered domiciliary support service."""

from __future__ import annotations

import pytest

from federation.extensions import limiter
from tests.fixtures.factories import create_coop, in_coop
from tests.tenants.workforce.helpers import register_dss


@pytest.fixture(scope="module")
def positions(app):
    """(plain, registered): each a (coop, admin) pair; ``registered`` runs a DSS."""
    limiter.reset()
    plain = create_coop(app, coop_type="dp_pool", la="W06000002")
    registered = create_coop(app, coop_type="worker", la="W06000015")
    register_dss(lambda coop: in_coop(app, coop), registered[0], "SIN-00012345-DSS")
    return plain, registered


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    limiter.reset()
