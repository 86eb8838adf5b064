"""Hand-kept lists of module names, checked once at start-up.

A registry (the workspace's features, the federation's sections, the job modules, the
outbox handler modules, the demo seeds, a ``Hook``'s answers) names modules as strings so
that a lower layer or package never imports a higher one. A name that matches no module
is a mistake: the app refuses to start and says which list names what, instead of
skipping it at run time.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable


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


class Hook:
    """A question a lower package asks and the packages above it answer.

    A lower package may not import a higher one, yet sometimes needs what only a higher one
    knows (the rota must not send a worker the person asked not to have; that wish lives
    with the care person). The lower package declares a ``Hook`` naming, as strings, the
    modules that answer it; each of those decorates its function with ``@hook.answer``.
    ``create_app`` imports every answering module once the blueprints are in, and refuses
    to start if one does not exist (``load_hooks``), so no answer is ever silently missing.
    """

    def __init__(self, name: str, modules: Iterable[str]) -> None:
        self.name = name
        self.modules = tuple(modules)
        self._answers: list[Callable] = []
        self._loaded = False
        HOOKS.append(self)

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, {self.modules!r})"

    def answer(self, func: Callable) -> Callable:
        """Register ``func`` as an answer (a decorator, used in an answering module)."""
        self._answers.append(func)
        return func

    def load(self) -> None:
        """Import the answering modules; ``RegistryError`` if one does not exist."""
        if self._loaded:
            return
        require_modules(self.name, self.modules)
        for module in self.modules:
            importlib.import_module(module)
        self._loaded = True

    def ask(self, *args, **kwargs) -> list:
        """Every answer's result, in the order the answers registered."""
        self.load()
        return [func(*args, **kwargs) for func in self._answers]


#: Every hook declared so far (a hook is declared when its module is imported).
HOOKS: list[Hook] = []


def load_hooks() -> None:
    """Load every declared hook's answers; ``RegistryError`` names a missing module."""
    for hook in HOOKS:
        hook.load()
