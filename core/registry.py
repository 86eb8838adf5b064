"""Hand-kept lists of module names, checked once at start-up.

A registry (the workspace's features, the federation's sections, the job modules, the
outbox handler modules, the demo seeds) names modules as strings so that a lower layer
never imports a higher one. A name that matches no module is a mistake: the app refuses
to start and says which list names what, instead of skipping it at run time.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable


class RegistryError(RuntimeError):
    """A registry names a module that does not exist."""


def missing_modules(modules: Iterable[str]) -> list[str]:
    """The names in ``modules`` that no installed module answers to."""
    missing = []
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # a parent package is missing too
            found = False
        if not found:
            missing.append(module)
    return missing


def require_modules(registry: str, modules: Iterable[str]) -> None:
    """Raise ``RegistryError`` naming ``registry`` if any of ``modules`` does not exist."""
    missing = missing_modules(modules)
    if missing:
        raise RegistryError(
            f"{registry} names {len(missing)} module(s) that do not exist: "
            f"{', '.join(missing)}. Create the module or remove the name from the list.")
