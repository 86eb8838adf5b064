"""Imports go one way only: federation → services → tenants → core; and packages never
import each other, directly or round a longer loop."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["core", "tenants", "services", "federation"]
# Package cycles that were here when the check was written (issue 17), each to be broken
# by moving the shared piece down. The list may only shrink: a cycle not listed fails,
# and so does a listed one that no longer exists (take it off the list).
KNOWN_CYCLES = {
    # agencies start drafts for groups; onboarding lists agencies and grants them access.
    frozenset({"federation.agencies", "federation.onboarding"}),
    # the pool page shows a worker's loans; lending matches on pool profiles.
    frozenset({"services.lending", "services.pool"}),
    # the rota reads the person's wishes and the co-op's loans; they read the rota's visits.
    frozenset({"tenants.care_person", "tenants.rota"}),
    frozenset({"tenants.clients", "tenants.rota"}),
    frozenset({"tenants.lending", "tenants.rota"}),
    # the members' register prints the officers; officers are members.
    frozenset({"tenants.members", "tenants.officers"}),
}


def _imports(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports, at the top or inside a function;
    ``from a.b import c`` counts as both ``a.b`` and ``a.b.c``."""
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _package(module: str) -> str | None:
    """The package a module belongs to: ``tenants.rota.service`` → ``tenants.rota``.

    A package is a folder directly inside a layer; a layer's own top modules (the app
    factory, the model index) are wiring, not packages.
    """
    parts = module.split(".")
    if len(parts) < 2 or parts[0] not in ORDER:
        return None
    return f"{parts[0]}.{parts[1]}" if (ROOT / parts[0] / parts[1]).is_dir() else None


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


def _unexplained(graph: dict[str, set[str]], known=frozenset()) -> list[str]:
    """Cycles other than the known pairs (a known pair's packages, taken out, leave none)."""
    pruned = {source: {t for t in targets if frozenset({source, t}) not in known}
              for source, targets in graph.items()}
    return [" → ".join(group) for group in cycles(pruned)]


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
    assert _unexplained(package_graph(), KNOWN_CYCLES) == []


def test_the_list_of_known_cycles_only_shrinks():
    graph = package_graph()
    still = {pair for pair in KNOWN_CYCLES
             if all(b in graph.get(a, ()) for a, b in (sorted(pair), sorted(pair)[::-1]))}
    gone = sorted(sorted(pair) for pair in set(KNOWN_CYCLES) - still)
    assert gone == [], f"broken already, take off KNOWN_CYCLES: {gone}"


def test_the_cycle_check_finds_pairs_and_longer_loops():
    """A synthetic graph: a pair, a loop of three, and a one-way chain."""
    graph = {"tenants.a": {"tenants.b"}, "tenants.b": {"tenants.a", "core.x"},
             "services.p": {"services.q"}, "services.q": {"services.r"},
             "services.r": {"services.p", "tenants.a"}, "core.x": set()}
    assert cycles(graph) == [["services.p", "services.q", "services.r"],
                             ["tenants.a", "tenants.b"]]
    assert _unexplained(graph) == ["services.p → services.q → services.r",
                                   "tenants.a → tenants.b"]
    assert _unexplained(graph, {frozenset({"tenants.a", "tenants.b"})}) == [
        "services.p → services.q → services.r"]
    assert cycles({"core.x": {"tenants.a"}, "tenants.a": set()}) == []
