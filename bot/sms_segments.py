"""SMS segment counter: GSM-7 vs UCS-2 detection and per-segment cost.

Pure standard library; used by the content check and by the gateway to report how
many segments each reply costs.

Rules (3GPP TS 23.038 / 23.040):

* A text is GSM-7 when every character is in the GSM 03.38 basic table or in its
  extension table (``^ { } \\ [ ~ ] | €`` and form feed). Extension characters are sent
  as ESC + char and cost 2 septets. Otherwise the whole message is UCS-2 (UTF-16), where
  every BMP character costs 1 code unit and every astral character (most emoji) costs 2.
* One segment carries 160 septets (GSM-7) or 70 UTF-16 units (UCS-2). A concatenated
  message loses room to the user-data header: 153 septets or 67 units per segment.
* Like real handsets and gateways, a two-septet extension character and a UTF-16
  surrogate pair are never split across a segment boundary, so a long message can need
  one segment more than ``ceil(units / 153)`` (or ``/ 67``) at an unlucky boundary.
* Empty text costs 0 segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "SmsCost",
    "count_segments",
    "fits",
    "is_gsm7",
]

# GSM 03.38 basic character set (the ESC code 0x1B is deliberately left out: it is not a
# character a user can send on its own).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 default extension table: each costs two septets (ESC + code).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class SmsCost:
    """What one text costs as an SMS."""

    encoding: Literal["GSM-7", "UCS-2"]
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int  # 0 for empty text


def is_gsm7(text: str) -> bool:
    """True when every character can be sent in GSM-7 (basic or extension table)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _pack(costs: list[int], single: int, multi: int) -> int:
    """Number of segments for per-character costs, never splitting one character."""
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments += 1
            used = 0
        used += cost
    return segments


def count_segments(text: str) -> SmsCost:
    """Encoding, unit count and number of segments needed to send ``text``."""
    if is_gsm7(text):
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return SmsCost("GSM-7", sum(costs), _pack(costs, GSM7_SINGLE, GSM7_MULTI))
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SmsCost("UCS-2", sum(costs), _pack(costs, UCS2_SINGLE, UCS2_MULTI))


def fits(text: str, max_segments: int) -> bool:
    """True when ``text`` can be sent in at most ``max_segments`` segments."""
    return count_segments(text).segments <= max_segments
