"""Destination countries for the bot and the content: ids, names, and finding one in a text.

One id scheme for the whole project: ISO 3166-1 alpha-2 codes as keyed in
``data/geo/countries.yml`` (also read by the gateway's place matcher and by
scripts/generate_lookups.py for the NLU ``country`` lookup). Content files may key a country
variant by its code ("MY") or by any of its names ("malaysia", "saudi_arabia"); the content
loader turns every key into the code.

Finding a country in a message: a Latin name matches as a whole word, optionally with a
Nepali postposition attached ("malaysiama", "qatarko"); a Devanagari name matches followed by
an optional postposition ("मलेसियामा", "कतारको"). The earliest mention wins, the longest name
on a tie. Whole words only, so "chin" (China) never matches "chinta", nor "oman" "woman".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

COUNTRIES_PATH = Path(__file__).resolve().parents[2] / "data" / "geo" / "countries.yml"
_LATIN_POSTPOSITIONS = "ma|maa|ko|ka|ki|le|lai|bata|tira|sanga|samma|tir"
_DEVANAGARI_POSTPOSITIONS = "मा|को|का|की|ले|लाई|बाट|तिर|सँग|सम्म"


@dataclass(frozen=True)
class Country:
    code: str
    name_en: str
    name_ne: str
    names: tuple[str, ...]  # every name people write, folded (see _norm)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(text.replace("_", " ").replace(".", "").split())


def _is_devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


@cache
def countries(path: Path = COUNTRIES_PATH) -> dict[str, Country]:
    """Every country of data/geo/countries.yml by code."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = {}
    for code, entry in raw.items():
        names = [entry["en"], entry["ne"], entry["ne-Latn"], *(entry.get("variants") or [])]
        folded = tuple(dict.fromkeys(_norm(str(name)) for name in names if str(name).strip()))
        out[str(code)] = Country(str(code), str(entry["en"]), str(entry["ne"]), folded)
    return out


@cache
def _patterns() -> list[tuple[re.Pattern[str], int, str]]:
    patterns = []
    for code, country in countries().items():
        for name in country.names:
            if _is_devanagari(name):
                rx = rf"{re.escape(name)}(?:{_DEVANAGARI_POSTPOSITIONS})?(?![\u0900-\u097f])"
            else:
                rx = rf"(?<![a-z0-9]){re.escape(name)}(?:{_LATIN_POSTPOSITIONS})?(?![a-z0-9])"
            patterns.append((re.compile(rx), len(name), code))
    return patterns


def canonical_country(value: str | None) -> str | None:
    """The code for a code ("MY", "my" is not accepted: it is a word), a name or an alias."""
    if not value or not value.strip():
        return None
    if value.strip() in countries():
        return value.strip()
    return find_country(_norm(value))


def find_country(text: str | None) -> str | None:
    """The first country mentioned in ``text`` (longest name on a tie), or None."""
    if not text:
        return None
    norm = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    best: tuple[int, int, str] | None = None  # (position, -length, code)
    for pattern, length, code in _patterns():
        match = pattern.search(norm)
        if match:
            candidate = (match.start(), -length, code)
            best = candidate if best is None or candidate < best else best
    return best[2] if best else None


def country_name(code: str, form: str) -> str:
    """Display name: Devanagari for ``ne``, English for ``en`` and ``ne-Latn``."""
    country = countries().get(code)
    if country is None:
        return code
    return country.name_ne if form == "ne" else country.name_en


COUNTRY_IDS: tuple[str, ...] = tuple(countries())
