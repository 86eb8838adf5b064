"""A schematic map of Wales's 22 local authorities, drawn as tiles in their rough places.

It is made here and served inline, so no map tiles or scripts come from elsewhere. It is
a supplement to the directory's list, which carries the same facts as text.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.areas import local_authorities

TILE_W, TILE_H, GAP = 118, 62, 6

# (column, row, width in tiles): north at the top, east to the right.
PLACES = {
    "W06000001": (1, 0, 1),  # Isle of Anglesey
    "W06000002": (1, 1, 1),  # Gwynedd
    "W06000003": (2, 1, 1),  # Conwy
    "W06000004": (3, 1, 1),  # Denbighshire
    "W06000005": (4, 1, 1),  # Flintshire
    "W06000008": (1, 2, 1),  # Ceredigion
    "W06000023": (2, 2, 2),  # Powys
    "W06000006": (4, 2, 1),  # Wrexham
    "W06000009": (0, 3, 1),  # Pembrokeshire
    "W06000010": (1, 3, 1),  # Carmarthenshire
    "W06000012": (2, 3, 1),  # Neath Port Talbot
    "W06000024": (3, 3, 1),  # Merthyr Tydfil
    "W06000019": (4, 3, 1),  # Blaenau Gwent
    "W06000021": (5, 3, 1),  # Monmouthshire
    "W06000011": (1, 4, 1),  # Swansea
    "W06000013": (2, 4, 1),  # Bridgend
    "W06000016": (3, 4, 1),  # Rhondda Cynon Taf
    "W06000018": (4, 4, 1),  # Caerphilly
    "W06000020": (5, 4, 1),  # Torfaen
    "W06000014": (3, 5, 1),  # Vale of Glamorgan
    "W06000015": (4, 5, 1),  # Cardiff
    "W06000022": (5, 5, 1),  # Newport
}
WIDTH = 6 * (TILE_W + GAP) + GAP
HEIGHT = 6 * (TILE_H + GAP) + GAP


@dataclass(frozen=True)
class Tile:
    """One local authority's tile: where it is, its name in lines, and its count."""

    code: str
    x: int
    y: int
    width: int
    lines: tuple[str, ...]
    count: int


def _lines(name: str, width: int) -> tuple[str, ...]:
    """The name broken into lines of at most ``width`` characters."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return tuple(lines)


def tiles(counts: dict[str, int], locale: str) -> list[Tile]:
    """Every LA's tile with the number of listed co-ops serving it."""
    out = []
    for code, la in local_authorities().items():
        col, row, span = PLACES[code]
        width = span * TILE_W + (span - 1) * GAP
        out.append(Tile(code, GAP + col * (TILE_W + GAP), GAP + row * (TILE_H + GAP), width,
                        _lines(la.name(locale), 14 * span), counts.get(code, 0)))
    return out
