"""Split a long SMS reply into messages that each fit a segment budget.

Breaks at paragraph, then sentence (". ", "। ", "? ", "! "), then word boundaries, so each
part reads on its own on a basic phone; a single over-long word is cut as a last resort.
"""

from __future__ import annotations

import re

from bot.sms_segments import fits

_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"(?<=[.!?।])\s+"), re.compile(r"\s+"))


def split_for_sms(text: str, max_segments: int) -> list[str]:
    text = text.strip()
    if fits(text, max_segments):
        return [text]
    return [part for part in _split(text, max_segments, 0) if part]


def _split(text: str, max_segments: int, level: int) -> list[str]:
    if fits(text, max_segments):
        return [text]
    if level == len(_BREAKS):
        return _hard_cut(text, max_segments)
    pieces = [piece for piece in _BREAKS[level].split(text) if piece.strip()]
    if len(pieces) == 1:
        return _split(text, max_segments, level + 1)
    joiner = "\n\n" if level == 0 else " "
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{joiner}{piece}" if current else piece
        if fits(candidate, max_segments):
            current = candidate
            continue
        if current:
            parts.append(current)
        if fits(piece, max_segments):
            current = piece
        else:
            parts.extend(_split(piece, max_segments, level + 1))
            current = ""
    if current:
        parts.append(current)
    return parts


def _hard_cut(text: str, max_segments: int) -> list[str]:
    parts, current = [], ""
    for char in text:
        if fits(current + char, max_segments):
            current += char
        else:
            parts.append(current)
            current = char
    return [*parts, current] if current else parts
