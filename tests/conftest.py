"""Fixtures live in tests/fixtures and load as plugins."""

pytest_plugins = [
    "tests.fixtures.stores",
    "tests.fixtures.app",
    "tests.fixtures.factories",
    "tests.fixtures.browser",
    "tests.fixtures.faults",
]
