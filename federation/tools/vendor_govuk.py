"""Vendor GOV.UK Frontend's compiled CSS and JS into federation/static, without GOV.UK's brand.

The GDS Transport font and the crown are for GOV.UK services only, so the @font-face
rules are removed and the font stack falls back to the system's sans-serif.
Run: ``npm pack govuk-frontend@5.14.0``, then
``python -m federation.tools.vendor_govuk govuk-frontend-5.14.0.tgz``.
"""

from __future__ import annotations

import re
import sys
import tarfile
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "static" / "vendor" / "govuk-frontend"
SYSTEM_FONTS = 'system-ui,-apple-system,"Segoe UI",Roboto,arial,sans-serif'


def debrand(css: str) -> str:
    """Drop GOV.UK's restricted fonts and point font stacks at system fonts."""
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = css.replace("font-family:GDS Transport,arial,sans-serif", f"font-family:{SYSTEM_FONTS}")
    return css.replace("font-family:GDS Transport", f"font-family:{SYSTEM_FONTS}")


def main(tgz: str) -> None:
    """Extract the compiled files from the npm tarball into TARGET."""
    TARGET.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tgz) as archive:
        version = re.search(r"(\d+\.\d+\.\d+)", tgz).group(1)
        css = archive.extractfile("package/dist/govuk/govuk-frontend.min.css").read().decode()
        js = archive.extractfile("package/dist/govuk/govuk-frontend.min.js").read()
        readme = archive.extractfile("package/README.md").read().decode()
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", debrand(css))
    (TARGET / "govuk-frontend.min.css").write_text(css)
    (TARGET / "govuk-frontend.min.js").write_bytes(
        re.sub(rb"//# sourceMappingURL=\S+", b"", js))
    (TARGET / "LICENSE.txt").write_text(
        "GOV.UK Frontend, MIT licence, (c) Crown copyright.\n"
        "https://github.com/alphagov/govuk-frontend/blob/main/LICENSE.txt\n\n"
        + readme[readme.find("## Licence"):] if "## Licence" in readme else "MIT\n")
    (TARGET / "VERSION").write_text(version + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
