"""Hand-kept lists of modules are checked at start-up: a name with no module stops the app."""

from __future__ import annotations

import pytest

from core.registry import RegistryError, missing_modules
from federation.app import check_registries, create_app
from tests.fixtures.app import SECRET


def _start(tmp_path):
    return create_app({"ENV": "test", "TESTING": True, "SECRET_KEY": SECRET,
                       "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": None})


def test_every_registry_names_modules_that_exist():
    check_registries()  # raises on the first list that names a missing module


@pytest.mark.parametrize("where, name, missing", [
    ("federation.sections", "SECTIONS", "federation.nowhere.views"),
    ("services.outbox.handlers", "HANDLER_MODULES", "services.lending.handlers_gone"),
    ("services.jobs.runner", "JOB_MODULES", "services.nowhere.tasks"),
    ("federation.demo", "SHARED_DEMOS", "federation.onboarding.demo"),
    ("tenants.features", "FEATURES", "tenants.nowhere"),
])
def test_a_registry_naming_a_missing_module_stops_the_app_starting(
        tmp_path, monkeypatch, where, name, missing):
    module = __import__(where, fromlist=[name])
    monkeypatch.setattr(module, name, (*getattr(module, name), missing))
    with pytest.raises(RegistryError) as refused:
        _start(tmp_path)
    message = str(refused.value)
    assert f"{where}.{name}" in message
    assert missing in message


def test_a_missing_parent_package_counts_as_missing():
    assert missing_modules(["core.errors", "no_such_package.views"]) == [
        "no_such_package.views"]
