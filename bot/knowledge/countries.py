"""Destination countries: canonical ids (as in data/content/README.md), aliases, names.

Latin aliases match whole words or word starts ("malaysia", "malaysiama"); Devanagari
aliases match anywhere, because Nepali attaches postpositions ("मलेसियामा", "कतारको").
"""

from __future__ import annotations

import re
import unicodedata

# id: (English name, Devanagari name, Latin aliases, extra Devanagari aliases)
_COUNTRIES: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "malaysia": (
        "Malaysia",
        "मलेसिया",
        ("malaysia", "malesiya", "malaysiya", "malesia"),
        ("मलेशिया", "मलयसिया"),
    ),
    "qatar": ("Qatar", "कतार", ("qatar", "katar", "doha"), ("दोहा",)),
    "saudi_arabia": (
        "Saudi Arabia",
        "साउदी अरब",
        ("saudi", "saudi arabia", "saudi arab", "ksa", "riyadh", "jeddah"),
        ("साउदी", "सउदी", "रियाद", "जेद्दा"),
    ),
    "uae": (
        "the UAE",
        "युएई",
        ("uae", "dubai", "abu dhabi", "emirates", "dubei"),
        ("दुबई", "यूएई", "युएइ", "अबुधाबी"),
    ),
    "kuwait": ("Kuwait", "कुवेत", ("kuwait", "kuwet", "kuweit"), ("कुवेत", "कुवैत")),
    "bahrain": ("Bahrain", "बहराइन", ("bahrain", "baharain", "bahrin"), ("बहराईन", "बहराइन")),
    "oman": ("Oman", "ओमान", ("oman", "muscat"), ("ओमान", "मस्कट")),
    "south_korea": (
        "South Korea",
        "दक्षिण कोरिया",
        ("korea", "south korea", "koriya", "seoul"),
        ("कोरिया",),
    ),
    "japan": ("Japan", "जापान", ("japan", "tokyo"), ("जापान",)),
    "israel": ("Israel", "इजरायल", ("israel", "israil", "ijrayal"), ("इजरायल", "इजराइल")),
    "lebanon": ("Lebanon", "लेबनान", ("lebanon", "beirut"), ("लेबनान", "लेबनन")),
    "india": (
        "India",
        "भारत",
        ("india", "bharat", "delhi", "mumbai"),
        ("भारत", "इन्डिया", "इण्डिया", "दिल्ली"),
    ),
    "myanmar": ("Myanmar", "म्यानमार", ("myanmar", "burma"), ("म्यानमार", "बर्मा")),
    "thailand": ("Thailand", "थाइल्याण्ड", ("thailand", "bangkok"), ("थाइल्याण्ड", "थाइल्यान्ड")),
    "cambodia": ("Cambodia", "कम्बोडिया", ("cambodia", "kambodia"), ("कम्बोडिया",)),
    "laos": ("Laos", "लाओस", ("laos",), ("लाओस",)),
    "jordan": ("Jordan", "जोर्डन", ("jordan",), ("जोर्डन", "जोर्डान")),
    "cyprus": ("Cyprus", "साइप्रस", ("cyprus", "saipras"), ("साइप्रस",)),
    "poland": ("Poland", "पोल्यान्ड", ("poland",), ("पोल्यान्ड", "पोल्याण्ड")),
    "romania": ("Romania", "रोमानिया", ("romania",), ("रोमानिया",)),
    "maldives": ("Maldives", "माल्दिभ्स", ("maldives", "maldive", "maldip"), ("माल्दिभ्स", "माल्दिभ")),
}

COUNTRY_IDS: tuple[str, ...] = tuple(_COUNTRIES)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def canonical_country(value: str | None) -> str | None:
    """Map an entity value or any alias to its country id, or None."""
    if not value:
        return None
    text = _norm(value).strip()
    key = text.replace(" ", "_")
    if key in _COUNTRIES:
        return key
    return find_country(text)


def find_country(text: str | None) -> str | None:
    """The first country mentioned in ``text`` (longest alias wins), or None."""
    if not text:
        return None
    norm = _norm(text)
    best: tuple[int, int, str] | None = None  # (position, -length, id)
    for country_id, (_en, ne, latin, deva) in _COUNTRIES.items():
        for alias in latin:
            match = re.search(rf"(?<![a-z]){re.escape(alias)}", norm)
            if match:
                cand = (match.start(), -len(alias), country_id)
                best = cand if best is None or cand < best else best
        for alias in (ne, *deva):
            pos = norm.find(_norm(alias))
            if pos >= 0:
                cand = (pos, -len(alias), country_id)
                best = cand if best is None or cand < best else best
    return best[2] if best else None


def country_name(country_id: str, form: str) -> str:
    """Display name: Devanagari for ``ne``, English for ``en`` and ``ne-Latn``."""
    en, ne, _latin, _deva = _COUNTRIES.get(country_id, (country_id, country_id, (), ()))
    return ne if form == "ne" else en
