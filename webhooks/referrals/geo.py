"""Place matching for the referral directory: Nepal's districts, provinces, towns and
destination countries, in English, Nepali (Devanagari) and romanised Nepali.

How a place is found (``Gazetteer.match``):

1. Clean: Unicode NFC, the dataset's ``ा`` + ``े`` -> ``ो`` fix, postpositions and filler
   words dropped ("ktm ma" -> "ktm", "कतारमा" -> "कतार", "Kaski district" -> "Kaski").
2. Fold each name to a key that ignores the usual spelling variation of each script
   (Latin: case, accents, aspiration ``kh/th/dh``, ``w/v/b``, ``sh/s``, doubled letters;
   Devanagari: long/short vowels, ``ब/व``, ``श/ष/स``, nasal signs, halant).
3. Exact key look-up over every name (the whole phrase, then its word n-grams).
4. Otherwise rapidfuzz ``ratio`` against names of the same script: accepted only when clearly
   best (score >= ACCEPT and MARGIN ahead of any other place); a weaker near-miss becomes
   a clarifying question with suggestions; anything else is "unknown". Never a guess.

Split districts (Nawalparasi, Rukum) resolve to both halves; names shared by far-apart
places (Khalanga) are always "ambiguous". Data lives in data/geo/ (see its README).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from webhooks.http_input import parse_id

GEO_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"

ACCEPT = 86.0  # fuzzy score at or above which a clearly-best candidate is taken
MARGIN = 6.0  # ... clearly: this many points ahead of the best other place
SUGGEST = 75.0  # near-misses at or above this are offered as "did you mean"
MIN_FUZZY_CHARS = 4  # shorter keys match exactly or not at all

# Corrections to the vendored dataset (see data/geo/README.md).
DISTRICT_FIXES: dict[str, dict[str, str]] = {
    "Jhapa": {"headquarters_ne": "भद्रपुर"},
    "Morang": {"headquarters_ne": "विराटनगर"},
    "Khotang": {"headquarters_ne": "दिक्तेल"},
    "Pachthar": {"name_en": "Panchthar"},
    "Parwat": {"name_en": "Parbat"},
    "Ramechap": {"name_en": "Ramechhap"},
    "Acham": {"name_en": "Achham"},
    "Dhading": {"name_ne": "धादिङ"},
}

_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))

# Words that carry no place: postpositions, "district", "city", fillers.
_STOPWORD_TEXT = (
    "ma maa ko ka ki bata tira nera in at near from to the of district jilla jila city sahar "
    "shahar town bazar bazaar area side country desh mai abroad gaun gau ghar mero my village "
    "home nepal malai sahayata chahiyo help madat maddat please need "
    "मा को का की बाट तिर नजिक जिल्ला शहर सहर देश मै बजार गाउँ गाउं घर मेरो नेपाल मलाई सहयोग "
    "सहायता चाहियो मद्दत"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_DEVANAGARI_SUFFIXES = ("मा", "को", "बाट", "तिर", "मै", "लाई", "ले")


def fix_text(text: str) -> str:
    """NFC, plus the dataset's split vowel signs (ा + े written for ो, ा + ै for ौ)."""
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = text.replace("\u093e\u0947", "\u094b").replace("\u093e\u0948", "\u094c")
    return unicodedata.normalize("NFC", text).strip()


def is_devanagari(text: str) -> bool:
    return bool(_DEVANAGARI.search(text))


_DEVA_FOLD = str.maketrans(
    {
        "ँ": "",
        "ं": "",
        "ः": "",
        "्": "",
        "़": "",
        "ऽ": "",
        "ी": "ि",
        "ू": "ु",
        "ई": "इ",
        "ऊ": "उ",
        "ॅ": "",
        "व": "ब",
        "श": "स",
        "ष": "स",
        "ण": "न",
        "ञ": "न",
        "ङ": "ग",
        "ृ": "ि",
        "ऋ": "रि",
    }
)


def fold_devanagari(text: str) -> str:
    text = fix_text(text).translate(_DEVA_FOLD)
    text = re.sub(r"[^\u0900-\u097F]", "", text)
    return re.sub(r"(.)\1+", r"\1", text)


_LATIN_STEPS = (
    ("qu", "k"),
    ("q", "k"),
    ("ck", "k"),
    ("x", "ks"),
    ("z", "j"),
    ("w", "b"),
    ("v", "b"),
    ("sh", "s"),
    ("chh", "ch"),
    ("oo", "u"),
    ("ee", "i"),
    ("ou", "u"),
    ("aa", "a"),
)


def fold_latin(text: str) -> str:
    text = unicodedata.normalize("NFKD", fix_text(text).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9]", "", text)
    for old, new in _LATIN_STEPS:
        text = text.replace(old, new)
    text = re.sub(r"([bcdgjkpt])h", r"\1", text)  # aspiration: kh, th, dh, bh, ch ...
    text = re.sub(r"(.)\1+", r"\1", text)  # doubled letters
    return text


def fold(text: str) -> str:
    return fold_devanagari(text) if is_devanagari(text) else fold_latin(text)


@dataclass(frozen=True)
class Province:
    id: int
    name_en: str
    name_ne: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "en": self.name_en, "ne": self.name_ne}


@dataclass(frozen=True)
class District:
    id: int
    province_id: int
    name_en: str
    name_ne: str
    headquarters_en: str
    headquarters_ne: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "en": self.name_en,
            "ne": self.name_ne,
            "province_id": self.province_id,
        }


@dataclass(frozen=True)
class Country:
    code: str
    name_en: str
    name_ne: str
    name_ne_latn: str

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "en": self.name_en,
            "ne": self.name_ne,
            "ne-Latn": self.name_ne_latn,
        }


@dataclass(frozen=True)
class Target:
    """What a name points to. ``kind``: district, town, split, ambiguous, province, country."""

    kind: str
    name_en: str
    name_ne: str
    district_ids: tuple[int, ...] = ()
    province_id: int | None = None
    country: str | None = None

    @property
    def identity(self) -> tuple[Any, ...]:
        """Two names for the same place (Pokhara, Kaski HQ) share an identity."""
        if self.kind == "ambiguous":
            return ("ambiguous", self.district_ids)
        return (tuple(sorted(self.district_ids)), self.province_id, self.country)


@dataclass
class PlaceMatch:
    """The outcome of matching: ``status`` is matched, ambiguous, unknown or empty."""

    query: str
    status: str
    target: Target | None = None
    method: str | None = None  # exact | fuzzy
    score: float = 0.0
    suggestions: list[Target] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return self.status == "matched"


class Gazetteer:
    def __init__(self, geo_dir: Path = GEO_DIR) -> None:
        self.provinces: dict[int, Province] = {}
        self.districts: dict[int, District] = {}
        self.countries: dict[str, Country] = {}
        self._index: dict[str, dict[tuple[Any, ...], Target]] = {}
        self._load(geo_dir)
        keys = list(self._index)
        self._latin_keys = [k for k in keys if not is_devanagari(k)]
        self._deva_keys = [k for k in keys if is_devanagari(k)]

    # --- loading ---------------------------------------------------------------------------

    def _add(self, name: str, target: Target, replace: bool = False) -> None:
        """Index ``name``; the first (most specific) target added for a place wins."""
        key = fold(str(name))
        if not key:
            return
        if replace:  # an "ambiguous" name hides anything else of that name
            self._index[key] = {}
        self._index.setdefault(key, {}).setdefault(target.identity, target)

    def _load(self, geo_dir: Path) -> None:
        with open(geo_dir / "nepal_provinces.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                province = Province(
                    int(row["province_id"]), fix_text(row["name_en"]), fix_text(row["name_ne"])
                )
                self.provinces[province.id] = province
        by_name: dict[str, District] = {}
        source_names: dict[int, list[str]] = {}
        with open(geo_dir / "nepal_districts.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                fields = {k: fix_text(v) for k, v in row.items()}
                source_names[int(fields["district_id"])] = [fields["name_en"], fields["name_ne"]]
                fields.update(DISTRICT_FIXES.get(fields["name_en"], {}))
                district = District(
                    id=int(fields["district_id"]),
                    province_id=int(fields["province_id"]),
                    name_en=fields["name_en"],
                    name_ne=fields["name_ne"],
                    headquarters_en=fields["headquarters_en"],
                    headquarters_ne=fields["headquarters_ne"],
                )
                self.districts[district.id] = district
                by_name[district.name_en] = district
        with open(geo_dir / "aliases.yml", encoding="utf-8") as handle:
            aliases = yaml.safe_load(handle)
        with open(geo_dir / "countries.yml", encoding="utf-8") as handle:
            countries = yaml.safe_load(handle)

        def district_target(d: District) -> Target:
            return Target("district", d.name_en, d.name_ne, (d.id,), d.province_id)

        for district in self.districts.values():
            target = district_target(district)
            for name in [district.name_en, district.name_ne, *source_names[district.id]]:
                self._add(name, target)
            for name in aliases["districts"].get(district.name_en) or []:
                self._add(name, target)
            town = Target(
                "town",
                district.headquarters_en,
                district.headquarters_ne,
                (district.id,),
                district.province_id,
            )
            self._add(district.headquarters_en, town)
            self._add(district.headquarters_ne, town)
        unknown = set(aliases["districts"]) - set(by_name)
        if unknown:
            raise ValueError(f"aliases.yml names unknown districts: {sorted(unknown)}")

        provinces_by_name = {p.name_en: p for p in self.provinces.values()}
        for province in self.provinces.values():
            target = Target("province", province.name_en, province.name_ne, province_id=province.id)
            for name in [
                province.name_en,
                province.name_ne,
                *(aliases["provinces"].get(province.name_en) or []),
            ]:
                self._add(name, target)
        if set(aliases["provinces"]) - set(provinces_by_name):
            raise ValueError("aliases.yml names unknown provinces")

        def ids(names: list[str]) -> tuple[int, ...]:
            missing = [n for n in names if n not in by_name]
            if missing:
                raise ValueError(f"aliases.yml names unknown districts: {missing}")
            return tuple(by_name[n].id for n in names)

        for kind, section in (
            ("town", "towns"),
            ("split", "split_districts"),
            ("ambiguous", "ambiguous"),
        ):
            for entry in aliases.get(section) or []:
                district_ids = ids(entry.get("districts") or [entry["district"]])
                provinces = {self.districts[i].province_id for i in district_ids}
                province_id = provinces.pop() if len(provinces) == 1 else None
                target = Target(kind, entry["en"], entry["ne"], district_ids, province_id)
                for name in [entry["en"], entry["ne"], *(entry.get("aliases") or [])]:
                    self._add(name, target, replace=kind == "ambiguous")

        for code, entry in countries.items():
            country = Country(code, entry["en"], entry["ne"], entry["ne-Latn"])
            self.countries[code] = country
            target = Target("country", country.name_en, country.name_ne, country=code)
            # Not the ISO code itself: "my", "in", "us" are words.
            for name in [
                entry["en"],
                entry["ne"],
                entry["ne-Latn"],
                *(entry.get("variants") or []),
            ]:
                self._add(str(name), target)

    # --- matching --------------------------------------------------------------------------

    def lookup(self, name: str) -> list[Target]:
        return list(self._index.get(fold(name), {}).values())

    def match(self, query: str | None) -> PlaceMatch:
        raw = (query or "").strip()[:100]
        tokens = _tokens(raw)
        if not tokens:  # nothing typed, or only "my village", "district" ...
            return PlaceMatch(query=raw, status="unknown" if raw else "empty")
        # exact: the longest run of words that names a place (then without "-ma", "-ko" ...)
        stripped = _strip_latin_suffixes(tokens)
        exact = self._exact(raw, tokens) or self._exact(raw, stripped)
        if exact is not None:
            return exact
        # fuzzy: the whole phrase, then each word
        candidates: dict[tuple[Any, ...], tuple[float, Target]] = {}
        phrases = [" ".join(stripped), *(stripped if len(stripped) > 1 else [])]
        for phrase in phrases:
            for score, target in self._fuzzy(phrase):
                best = candidates.get(target.identity)
                if best is None or score > best[0]:
                    candidates[target.identity] = (score, target)
        ranked = sorted(candidates.values(), key=lambda item: -item[0])
        if not ranked or ranked[0][0] < SUGGEST:
            return PlaceMatch(query=raw, status="unknown")
        best_score, best = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if best_score >= ACCEPT and best_score - runner_up >= MARGIN and best.kind != "ambiguous":
            return PlaceMatch(
                query=raw, status="matched", target=best, method="fuzzy", score=round(best_score, 1)
            )
        suggestions = [t for s, t in ranked if s >= SUGGEST][:3]
        return PlaceMatch(
            query=raw,
            status="ambiguous",
            method="fuzzy",
            score=round(best_score, 1),
            suggestions=self._expand(suggestions),
        )

    def _exact(self, raw: str, tokens: list[str]) -> PlaceMatch | None:
        for size in range(len(tokens), 0, -1):
            found: dict[tuple[Any, ...], Target] = {}
            for start in range(len(tokens) - size + 1):
                phrase = " ".join(tokens[start : start + size])
                for target in self.lookup(phrase):
                    found[target.identity] = target
            if found:
                return self._decide(raw, list(found.values()), "exact", 100.0)
        return None

    def _fuzzy(self, phrase: str) -> list[tuple[float, Target]]:
        key = fold(phrase)
        if len(key) < MIN_FUZZY_CHARS:
            return []
        choices = self._deva_keys if is_devanagari(phrase) else self._latin_keys
        hits = process.extract(key, choices, scorer=fuzz.ratio, limit=8, score_cutoff=SUGGEST)
        return [
            (score, target) for choice, score, _ in hits for target in self._index[choice].values()
        ]

    def _decide(self, raw: str, targets: list[Target], method: str, score: float) -> PlaceMatch:
        if len(targets) == 1 and targets[0].kind != "ambiguous":
            return PlaceMatch(
                query=raw, status="matched", target=targets[0], method=method, score=score
            )
        return PlaceMatch(
            query=raw,
            status="ambiguous",
            method=method,
            score=score,
            suggestions=self._expand(targets),
        )

    def _expand(self, targets: list[Target]) -> list[Target]:
        """An ambiguous name is offered as its districts: "Khalanga" -> Jajarkot, Salyan ..."""
        out: list[Target] = []
        for target in targets:
            if target.kind == "ambiguous":
                out.extend(
                    Target("district", d.name_en, d.name_ne, (d.id,), d.province_id)
                    for d in (self.districts[i] for i in target.district_ids)
                )
            else:
                out.append(target)
        return out

    # --- helpers for the directory ---------------------------------------------------------

    def district_by_name(self, name: str) -> District | None:
        """Exact (folded) district name or alias, for imports; towns and fuzzy not accepted."""
        if (number := parse_id(name.strip())) is not None:
            return self.districts.get(number)
        targets = [t for t in self.lookup(name) if t.kind == "district"]
        return self.districts[targets[0].district_ids[0]] if len(targets) == 1 else None

    def province_by_name(self, name: str) -> Province | None:
        if (number := parse_id(name.strip())) is not None:
            return self.provinces.get(number)
        targets = [t for t in self.lookup(name) if t.kind == "province"]
        return self.provinces[targets[0].province_id] if len(targets) == 1 else None  # type: ignore[index]

    def country_by_name(self, name: str) -> Country | None:
        code = name.strip().upper()
        if code in self.countries:
            return self.countries[code]
        targets = [t for t in self.lookup(name) if t.kind == "country"]
        return self.countries[targets[0].country] if len(targets) == 1 else None  # type: ignore[index]

    def place_json(self, match: PlaceMatch) -> dict[str, Any]:
        out: dict[str, Any] = {"query": match.query, "status": match.status}
        target = match.target
        if target is not None:
            province_ids = sorted(
                {self.districts[i].province_id for i in target.district_ids}
                | ({target.province_id} if target.province_id else set())
            )
            out.update(
                kind=target.kind,
                method=match.method,
                score=match.score,
                name={"en": target.name_en, "ne": target.name_ne},
                districts=[self.districts[i].as_json() for i in target.district_ids],
                provinces=[self.provinces[i].as_json() for i in province_ids],
                country=self.countries[target.country].as_json() if target.country else None,
            )
        if match.suggestions:
            out["suggestions"] = [
                {"kind": t.kind, "en": t.name_en, "ne": t.name_ne} for t in match.suggestions
            ]
        return out


def _tokens(raw: str) -> list[str]:
    text = fix_text(raw)
    text = re.sub(r"[,.;:!?()\[\]/\\|\"'`-]+", " ", text)
    tokens = []
    for token in text.split():
        if token.casefold() in _STOPWORDS:
            continue
        if is_devanagari(token):
            for suffix in _DEVANAGARI_SUFFIXES:
                if token.endswith(suffix) and len(token) - len(suffix) >= 2:
                    token = token[: -len(suffix)]
                    break
        tokens.append(token)
    return tokens


_LATIN_SUFFIXES = ("ma", "maa", "ko", "bata", "tira")


def _strip_latin_suffixes(tokens: list[str]) -> list[str]:
    """Romanised postpositions written together: "kataarma" -> "kataar", "ktmko" -> "ktm"."""
    out = []
    for token in tokens:
        if not is_devanagari(token):
            for suffix in _LATIN_SUFFIXES:
                if token.casefold().endswith(suffix) and len(token) - len(suffix) >= 3:
                    token = token[: -len(suffix)]
                    break
        out.append(token)
    return out


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shared, read-only gazetteer (built once per process, ~50 ms)."""
    return Gazetteer()
