"""Two co-ops shared by a test module (each test makes its own workers and clients)."""

from __future__ import annotations

import pytest

from tests.fixtures.factories import create_coop


@pytest.fixture(scope="module")
def coops(app):
    """(coop, admin) pairs: a worker co-op and a Direct Payment pooling co-op."""
    return (create_coop(app, coop_type="worker", la="W06000002"),
            create_coop(app, coop_type="dp_pool", la="W06000015"))


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Each test signs people in afresh; the sign-in rate limit starts empty for each."""
    from federation.extensions import limiter

    limiter.reset()
