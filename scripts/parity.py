"""Form parity: every fact of one form of an answer appears in the other two forms.

A *fact* is a number (amounts, years, phone numbers, section numbers: Devanagari digits
folded, thousands commas removed, "7 lakh" / "७ लाख" read as 700000, "1 crore" as
10000000), a web address, or a named organisation from
``data/content/reference/organisations.yml`` (each written its own way in each form). Each
form of an answer (the main answer and each country variant) is compared with the others,
SMS with SMS and web with web (a form without a web text shows its SMS text on the web).

A topic may list facts that are allowed to differ, with the reason, in ``parity_exceptions``
(``{"2429": "no room in the Devanagari SMS"}``); an exception that is no longer needed is
reported too, so the list stays honest.

Also checked here (style rules of data/content/README.md): one digit style per Devanagari
text (all ०-९ or all 0-9), and AD years in Devanagari marked "सन्" (BS years are not).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.knowledge.content import Text, Topic
from bot.knowledge.forms import FORMS, NE
from bot.knowledge.project import REPO_ROOT

ORGANISATIONS_RELATIVE = Path("data/content/reference/organisations.yml")
ORGANISATIONS_FILE = REPO_ROOT / ORGANISATIONS_RELATIVE

_DEVANAGARI_DIGITS = "०१२३४५६७८९"
_FOLD = str.maketrans(_DEVANAGARI_DIGITS, "0123456789")
_MULTIPLIERS = {"lakh": 100_000, "lakhs": 100_000, "लाख": 100_000, "crore": 10_000_000,
                "करोड": 10_000_000}  # fmt: skip
_SCALED = re.compile(r"(\d+(?:\.\d+)?)\s*(lakhs?|लाख|crore|करोड)", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_URL = re.compile(r"\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:gov\.np|org\.np|com\.np|org|com)\b")
_LATIN_WORD = re.compile(r"[A-Za-z]")
_AD_YEAR = re.compile(r"(?<![\d])(19[5-9]\d|20[0-4]\d)(?![\d])")


@dataclass(frozen=True)
class Mismatch:
    """One fact present in some forms of an answer and missing from others."""

    variant: str  # "answer" or "countries.<id>"
    channel: str  # "sms" or "web"
    fact: str
    present: tuple[str, ...]
    missing: tuple[str, ...]

    def describe(self) -> str:
        return (
            f"{self.variant} {self.channel}: '{self.fact}' is in {', '.join(self.present)} "
            f"but not in {', '.join(self.missing)}"
        )


@dataclass
class TopicParity:
    topic_id: str
    mismatches: list[Mismatch] = field(default_factory=list)  # not excused
    excused: list[Mismatch] = field(default_factory=list)
    unused_exceptions: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.mismatches)


@lru_cache(maxsize=4)
def load_organisations(path: str = str(ORGANISATIONS_FILE)) -> dict[str, dict[str, tuple]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {
        str(org): {form: tuple(names.get(form) or ()) for form in FORMS}
        for org, names in (data.get("organisations") or {}).items()
    }


def _alias_pattern(alias: str) -> re.Pattern[str]:
    escaped = re.escape(alias)
    if _LATIN_WORD.search(alias):
        return re.compile(rf"(?<![A-Za-z]){escaped}(?:e?s)?(?![A-Za-z])", re.IGNORECASE)  # plurals
    return re.compile(escaped)


def _number_token(raw: str) -> str:
    if "," in raw:  # thousands separators: 10,000 and the Indian 1,00,000
        raw = raw.replace(",", "")
    if "." in raw:
        whole, _, fraction = raw.partition(".")
        if fraction.isdigit() and "." not in fraction:
            return f"{int(whole)}.{fraction}" if fraction.strip("0") else str(int(whole))
        return raw  # a dotted code such as 10.4324: compare as written
    return str(int(raw))


def facts(text: str, organisations: Mapping[str, Mapping[str, tuple]]) -> set[str]:
    """The comparable facts of ``text`` (in any of the three forms)."""
    found: set[str] = set()
    lowered = text.lower()
    for url in _URL.findall(lowered):
        found.add(f"web:{url}")
    folded = _URL.sub(" ", text.translate(_FOLD))

    def scaled(match: re.Match[str]) -> str:
        value = float(match.group(1)) * _MULTIPLIERS[match.group(2).lower()]
        found.add(str(round(value)))
        return " "

    folded = _SCALED.sub(scaled, folded)
    for raw in _NUMBER.findall(folded):
        found.add(_number_token(raw))
    for org, names in organisations.items():
        # Any form's spelling counts: ne-Latn texts also write "Department of ...", ne "MRC".
        aliases = {alias for spellings in names.values() for alias in spellings}
        if any(_alias_pattern(alias).search(text) for alias in aliases):
            found.add(f"org:{org}")
    return found


def _variants(topic: Topic) -> list[tuple[str, Mapping[str, Text]]]:
    return [("answer", topic.answer)] + [
        (f"countries.{country}", texts) for country, texts in sorted(topic.countries.items())
    ]


def compare(
    texts_by_form: Mapping[str, str], organisations: Mapping[str, Mapping[str, tuple]]
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """fact -> (forms that have it, forms that lack it), for facts not in every form."""
    by_form = {form: facts(text, organisations) for form, text in texts_by_form.items()}
    every = set().union(*by_form.values()) if by_form else set()
    out = {}
    for fact in sorted(every):
        present = tuple(f for f in FORMS if f in by_form and fact in by_form[f])
        missing = tuple(f for f in FORMS if f in by_form and fact not in by_form[f])
        if missing:
            out[fact] = (present, missing)
    return out


def check_topic(
    topic: Topic,
    exceptions: Mapping[str, str] | None = None,
    organisations: Mapping[str, Mapping[str, tuple]] | None = None,
) -> TopicParity:
    organisations = load_organisations() if organisations is None else organisations
    exceptions = dict(exceptions or {})
    result = TopicParity(topic.id)
    used: set[str] = set()
    for label, texts in _variants(topic):
        if len(texts) < 2:
            continue
        channels = {"sms": {f: t.sms for f, t in texts.items()}}
        if any(t.web for t in texts.values()):
            channels["web"] = {f: t.for_channel("web") for f, t in texts.items()}
        for channel, by_form in channels.items():
            for fact, (present, missing) in compare(by_form, organisations).items():
                mismatch = Mismatch(label, channel, fact, present, missing)
                if fact in exceptions:
                    used.add(fact)
                    result.excused.append(mismatch)
                else:
                    result.mismatches.append(mismatch)
    result.unused_exceptions = sorted(set(exceptions) - used)
    return result


def style_problems(text: str, form: str) -> list[str]:
    """Devanagari style: one digit style per text, AD years marked with सन्."""
    if form != NE:
        return []
    problems = []
    has_ascii = bool(re.search(r"[0-9]", _URL.sub(" ", text.lower())))
    has_devanagari = any(ch in _DEVANAGARI_DIGITS for ch in text)
    if has_ascii and has_devanagari:
        problems.append("mixes 0-9 and ०-९ digits: use one digit style")
    folded = text.translate(_FOLD)
    for match in _AD_YEAR.finditer(folded):
        before = folded[max(0, match.start() - 6) : match.start()]
        if "सन्" not in before:
            problems.append(f"AD year {match.group(1)} is not marked 'सन्'")
    return problems


def raw_topics(content_dir: Path) -> dict[str, dict]:
    """topic id -> its raw YAML mapping, for reviewer-only fields the loader does not keep
    (``parity_exceptions``: fact -> why; ``confidence_note``)."""
    found: dict[str, dict] = {}
    for path in sorted(content_dir.glob("*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for raw in data.get("topics") or [] if isinstance(data, dict) else []:
            if isinstance(raw, dict) and raw.get("id"):
                found[str(raw["id"])] = raw
    return found


def raw_exceptions(content_dir: Path) -> dict[str, dict[str, str]]:
    """topic id -> its ``parity_exceptions`` (fact -> why)."""
    out = {}
    for topic_id, raw in raw_topics(content_dir).items():
        exceptions = raw.get("parity_exceptions")
        if isinstance(exceptions, dict):
            out[topic_id] = {str(k): str(v) for k, v in exceptions.items()}
    return out
