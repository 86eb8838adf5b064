"""Code cites documents inside this repository only (issue 17).

Code says "DESIGN §3.4" or "wales-care-rules.md §6" for the rule it follows: each such
section must be in the repository (docs/architecture.md §9, docs/wales-care-rules.md),
and nothing may point at a folder outside it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("core", "tenants", "services", "federation", "migrations", "bench", "tests")
DESIGN = re.compile(r"DESIGN\s*(?:#\s*)?§(\d+(?:\.\d+)?[a-z]?)")
CARE_RULES = re.compile(r"wales-care-rules(?:\.md)?`{0,2}\s*(?:#\s*)?§(\d+)")
OUTSIDE = re.compile(r"\.\./shared/|/work/shared|shared/context/")


def _sources():
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".html") and path.name != Path(__file__).name:
                yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def _design_sections() -> set[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    return set(re.findall(r"^### §(\S+)", text, re.MULTILINE))


def _care_rule_sections() -> set[str]:
    text = (ROOT / "docs" / "wales-care-rules.md").read_text(encoding="utf-8")
    return set(re.findall(r"^## (\d+)\.", text, re.MULTILINE))


def cited_elsewhere(sources, design: set[str], care_rules: set[str]) -> list[str]:
    """Each citation of a section the repository does not hold, and each outside path."""
    wrong = []
    for name, text in sources:
        wrong += [f"{name}: DESIGN §{s}" for s in DESIGN.findall(text) if s not in design]
        wrong += [
            f"{name}: wales-care-rules §{s}"
            for s in CARE_RULES.findall(text)
            if s not in care_rules
        ]
        wrong += [f"{name}: {m}" for m in OUTSIDE.findall(text)]
    return wrong


def test_every_cited_section_is_in_the_repository():
    design, care_rules = _design_sections(), _care_rule_sections()
    assert {"2", "3.3", "3.4", "4"} <= design
    assert cited_elsewhere(_sources(), design, care_rules) == []


def test_a_citation_of_a_section_not_in_the_repository_is_found():
    sources = [
        ("a.py", '"""Rules (DESIGN §3.4 rule 2); (DESIGN\n    §9.9)."""'),
        ("b.py", "# wales-care-rules.md §6 and ``wales-care-rules.md`` §42"),
        ("c.py", "see ../shared/context/notes.md"),
    ]
    assert cited_elsewhere(sources, {"3.4"}, {"6"}) == [
        "a.py: DESIGN §9.9",
        "b.py: wales-care-rules §42",
        "c.py: ../shared/",
    ]
