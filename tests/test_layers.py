"""Imports go one way only: federation → services → tenants → core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["core", "tenants", "services", "federation"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", ORDER)
def test_a_lower_layer_never_imports_a_higher_one(layer):
    higher = set(ORDER[ORDER.index(layer) + 1:])
    offenders = []
    for path in (ROOT / layer).rglob("*.py"):
        wrong = _imports(path) & higher
        if wrong:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(wrong)}")
    assert offenders == []
