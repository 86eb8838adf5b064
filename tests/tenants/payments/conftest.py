"""Each test signs people in afresh; the sign-in rate limit starts empty for each. The
module's two co-ops are ``coops`` (tests/fixtures/factories.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    from federation.extensions import limiter

    limiter.reset()
