"""Fixtures for these tests: sign-in rate limits start empty, and a shared pair of co-ops."""

from __future__ import annotations

import pytest

from federation.extensions import limiter
from tests.fixtures.factories import create_coop


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Many tests sign people in; the sign-in limit is not what they are about."""
    limiter.reset()


@pytest.fixture(scope="module")
def shared_coops(app):
    """Two co-ops shared by a module's read-only or count-checking tests (faster to set up)."""
    limiter.reset()
    return (create_coop(app, coop_type="worker", la="W06000002"),
            create_coop(app, coop_type="dp_pool", la="W06000015"))
