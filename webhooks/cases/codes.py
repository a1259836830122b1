"""Short case codes a person can quote on any channel: ``SY-K7M4PX``.

Six characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B), so a
code read aloud or copied from a basic phone's screen survives. Codes are random: they say
nothing about the person, and guessing one (22**6, about 113 million) finds nobody in practice.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
PREFIX = "SY"
LENGTH = 6
# "SY-K7M4PX", "sy k7m4px", "SYK7M4PX", inside any text (also next to Devanagari).
_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])SY[\s\-_.:]?([A-Za-z0-9]{6})(?![A-Za-z0-9])", re.IGNORECASE)


def new_code() -> str:
    return PREFIX + "-" + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str | None:
    """The canonical form of a code typed in any case or spacing, or None if it is not one."""
    match = _IN_TEXT.fullmatch(raw.strip())
    return _canonical(match.group(1)) if match else None


def find_in_text(text: str) -> str | None:
    """The first well-formed case code quoted in ``text`` (canonical form), or None."""
    for match in _IN_TEXT.finditer(text):
        code = _canonical(match.group(1))
        if code:
            return code
    return None


def _canonical(body: str) -> str | None:
    body = body.upper()
    if all(ch in ALPHABET for ch in body):
        return f"{PREFIX}-{body}"
    return None
