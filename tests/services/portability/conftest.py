"""Each test signs several people in; start each with empty sign-in rate limits."""

import pytest

from federation.extensions import limiter


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    limiter.reset()
