"""Gzipped size of what the web chat widget loads, against its budget.

    .venv-gateway/bin/python bench/widget_size.py

Up front the widget loads one file, /widget/sahayatri.js, with its stylesheet inlined (the
gateway assembles it exactly as measured here). The Devanagari fallback font is fetched only
when a device has no Devanagari font of its own; it is reported separately (woff2 is already
compressed, so gzip barely changes it). Exits 1 if the up-front total is over budget.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from webhooks.widget import FONT_NAME, STATIC_DIR, STYLESHEET_NAME, build_loader

UP_FRONT_BUDGET_BYTES = 50 * 1024


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def measure() -> dict[str, tuple[int, int]]:
    """{name: (raw bytes, gzipped bytes)} for the up-front load and the lazy font."""
    loader = build_loader().body
    script = (STATIC_DIR / "sahayatri.js").read_bytes()
    css = (STATIC_DIR / STYLESHEET_NAME).read_bytes()
    font = (STATIC_DIR / FONT_NAME).read_bytes()
    return {
        "up front: sahayatri.js as served (JS + inlined CSS)": (len(loader), gzipped(loader)),
        "  of which sahayatri.js source": (len(script), gzipped(script)),
        "  of which sahayatri.css source": (len(css), gzipped(css)),
        "lazy: Devanagari fallback font (woff2)": (len(font), gzipped(font)),
    }


def up_front_gzipped() -> int:
    return gzipped(build_loader().body)


def main() -> int:
    for name, (raw, packed) in measure().items():
        print(f"{name:<55} {raw / 1024:7.1f} KB raw {packed / 1024:7.1f} KB gzipped")
    total = up_front_gzipped()
    verdict = "within" if total <= UP_FRONT_BUDGET_BYTES else "OVER"
    print(
        f"up-front total {total / 1024:.1f} KB gzipped: {verdict} the "
        f"{UP_FRONT_BUDGET_BYTES / 1024:.0f} KB budget"
    )
    return 0 if total <= UP_FRONT_BUDGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
