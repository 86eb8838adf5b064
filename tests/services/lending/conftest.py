"""Each test signs several people in; start each with empty sign-in rate limits."""

import pytest

from federation.extensions import limiter


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    limiter.reset()


@pytest.fixture
def clients(api_client):
    """Like ``api_client``, but one signed-in client per account: a test that acts as the
    same people many times stays under the sign-in rate limit."""
    signed_in = {}

    def client(account):
        if account.id not in signed_in:
            signed_in[account.id] = api_client(account)
        return signed_in[account.id]

    return client
