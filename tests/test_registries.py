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


def test_a_hook_naming_a_missing_module_stops_the_app_starting(tmp_path, monkeypatch):
    from tenants.rota.service import UNWANTED_PAIRS

    monkeypatch.setattr(UNWANTED_PAIRS, "modules",
                        (*UNWANTED_PAIRS.modules, "tenants.nowhere.service"))
    monkeypatch.setattr(UNWANTED_PAIRS, "_loaded", False)
    with pytest.raises(RegistryError) as refused:
        _start(tmp_path)
    assert "tenants.rota.service.UNWANTED_PAIRS" in str(refused.value)
    assert "tenants.nowhere.service" in str(refused.value)


def test_every_hook_has_its_answers_once_the_app_is_built(app):
    from core.registry import HOOKS

    declared = {hook.name for hook in HOOKS}
    assert {"tenants.rota.service.UNWANTED_PAIRS", "tenants.clients.service.WELSH_NEED_CHANGED",
            "federation.onboarding.service.AGENCY_CHOSEN"} <= declared
    assert [hook.name for hook in HOOKS if len(hook._answers) < len(hook.modules)] == []
