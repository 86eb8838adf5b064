"""The 22 Welsh local authorities and the Regional Partnership Boards they belong to."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class LocalAuthority:
    """One local authority: its ONS code, names in both languages, and its RPB."""

    code: str
    name_en: str
    name_cy: str
    rpb: str

    def name(self, locale: str) -> str:
        """The name in ``locale`` (cy or en)."""
        return self.name_cy if locale == "cy" else self.name_en


@cache
def local_authorities() -> dict[str, LocalAuthority]:
    """Local authorities by ONS code, in the order of the source file."""
    text = resources.files("core").joinpath("data/wales-areas.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return {
        r["ons_code"]: LocalAuthority(
            r["ons_code"], r["name_en"], r["name_cy"], r["regional_partnership_board"])
        for r in rows
    }


def local_authority(code: str) -> LocalAuthority | None:
    """The local authority with this ONS code, or None."""
    return local_authorities().get(code)


@cache
def regional_partnership_boards() -> tuple[str, ...]:
    """The seven RPB names, sorted."""
    return tuple(sorted({la.rpb for la in local_authorities().values()}))
