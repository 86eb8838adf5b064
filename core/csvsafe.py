"""CSV that a spreadsheet opens safely: no cell can start a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

#: A leading character that makes a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value) -> str:
    """One cell as text; text a spreadsheet would run as a formula is quoted with ``'``."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """A whole CSV document, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()
