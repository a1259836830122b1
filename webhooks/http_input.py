"""Small parsers for untrusted request values that must never turn into a 500.

``str.isdigit`` is true for "²" or "١", which ``int`` then rejects or reads as another number;
a 30-digit id overflows a database integer. Only plain ASCII digits of a sane length pass.
"""

from __future__ import annotations

MAX_ID_DIGITS = 18  # below 2**63: fits every database's BIGINT


def parse_id(raw: str | None) -> int | None:
    """A non-negative integer written in ASCII digits only, or None."""
    if raw is None or not 1 <= len(raw) <= MAX_ID_DIGITS:
        return None
    if not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)
