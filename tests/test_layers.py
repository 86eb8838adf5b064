"""Imports go one way only: federation → services → tenants → core; and packages never
import each other, directly or round a longer loop."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["core", "tenants", "services", "federation"]


def _imports(path: Path) -> set[str]:
    """Every module name ``path`` imports, at the top or inside a function, relative
    imports made absolute; ``from a.b import c`` counts as both ``a.b`` and ``a.b.c``."""
    package = ".".join(path.relative_to(ROOT).parent.parts)
    return _imports_of_source(path.read_text(), package, str(path))


def _imports_of_source(source: str, package: str, filename: str = "<source>") -> set[str]:
    tree = ast.parse(source, filename)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            if base:
                names.add(base)
            names.update(f"{base}.{alias.name}".lstrip(".") for alias in node.names)
    return names


# A layer's top modules that bring everything together: the app factory, the command
# line, the model index. They import every package on purpose and are not nodes.
WIRING = frozenset({"federation.app", "federation.cli", "tenants.models"})


def _package(module: str) -> str | None:
    """The package a module belongs to: ``tenants.rota.service`` → ``tenants.rota``.

    A package is a folder directly inside a layer, or a module directly inside one
    (``tenants.migrate``, ``core.db``), except the wiring modules above.
    """
    parts = module.split(".")
    if len(parts) < 2 or parts[0] not in ORDER:
        return None
    name = f"{parts[0]}.{parts[1]}"
    if (ROOT / parts[0] / parts[1]).is_dir():
        return name
    if (ROOT / parts[0] / f"{parts[1]}.py").is_file() and name not in WIRING:
        return name
    return None


@functools.cache
def package_graph() -> dict[str, set[str]]:
    """Which package imports which, read from the source."""
    graph: dict[str, set[str]] = {}
    for layer in ORDER:
        for path in (ROOT / layer).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            source = _package(module)
            if source is None:
                continue
            targets = {_package(name) for name in _imports(path)} - {None, source}
            graph.setdefault(source, set()).update(targets)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles in ``graph``: one sorted list of packages per strongly connected
    group of two or more (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def loops(graph: dict[str, set[str]]) -> list[str]:
    """Each import cycle in ``graph`` as one readable line."""
    return [" → ".join(group) for group in cycles(graph)]


@pytest.mark.parametrize("layer", ORDER)
def test_a_lower_layer_never_imports_a_higher_one(layer):
    higher = set(ORDER[ORDER.index(layer) + 1:])
    offenders = []
    for path in (ROOT / layer).rglob("*.py"):
        wrong = {name.split(".")[0] for name in _imports(path)} & higher
        if wrong:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(wrong)}")
    assert offenders == []


def test_packages_do_not_import_each_other():
    """Where two packages need each other, the lower one keeps the shared piece, or asks a
    ``core.registry.Hook`` that the higher one answers (docs/architecture.md §1)."""
    assert loops(package_graph()) == []


def test_a_layers_top_modules_count_as_packages():
    """A module beside the packages (``tenants/migrate.py``) is a node of its own: the
    registry and migrate-all imported each other through one until ``core.revisions``."""
    graph = package_graph()
    assert "tenants.registry" in graph["tenants.migrate"]
    assert "tenants.migrate" not in graph["tenants.registry"]
    assert "core.revisions" in graph["tenants.registry"]
    assert not WIRING & set(graph)


def test_imports_inside_functions_and_relative_ones_count():
    """An import moved into a function, or written relative, is still an import: neither
    can hide a cycle."""
    late = "def later():\n    from tenants.rota.service import week_view\n"
    assert "tenants.rota.service" in _imports_of_source(late, "tenants.clients")
    relative = "def later():\n    from ..rota import service\n    from . import models\n"
    assert {"tenants.rota", "tenants.rota.service", "tenants.clients.models"} <= (
        _imports_of_source(relative, "tenants.clients"))


def test_the_cycle_check_finds_pairs_and_longer_loops():
    """A synthetic graph: a pair, a loop of three, and a one-way chain."""
    graph = {"tenants.a": {"tenants.b"}, "tenants.b": {"tenants.a", "core.x"},
             "services.p": {"services.q"}, "services.q": {"services.r"},
             "services.r": {"services.p", "tenants.a"}, "core.x": set()}
    assert cycles(graph) == [["services.p", "services.q", "services.r"],
                             ["tenants.a", "tenants.b"]]
    assert loops(graph) == ["services.p → services.q → services.r", "tenants.a → tenants.b"]
    assert cycles({"core.x": {"tenants.a"}, "tenants.a": set()}) == []
