"""Short, reader-facing source names for answers (``data/content/reference/source_names.yml``).

A topic's ``sources`` are full citations for reviewers ("Himalayan Times 'welfare sum
doubled'", "Law Commission text s.5"). People on the web widget see one short line in their
form instead: "स्रोत: कानून आयोग, द हिमालयन टाइम्स". Each entry of the names file matches
citations by a text they contain (case-insensitive); the first matching entry names the
citation. Several citations of one publisher give one name. Pure: PyYAML only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.knowledge.forms import EN, FORMS

NAMES_FILE = Path("reference") / "source_names.yml"  # relative to the content directory


@dataclass(frozen=True)
class SourceName:
    match: tuple[str, ...]
    names: dict[str, str]

    def matches(self, citation: str) -> bool:
        lowered = citation.lower()
        return any(m.lower() in lowered for m in self.match)


@lru_cache(maxsize=4)
def load_source_names(path: str | Path) -> tuple[SourceName, ...]:
    """The names file's entries, in file order; empty if the file is missing."""
    file = Path(path)
    if not file.is_file():
        return ()
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    entries = []
    for raw in data.get("names") or []:
        match = raw.get("match") or []
        match = (match,) if isinstance(match, str) else tuple(str(m) for m in match)
        names = {form: str(raw[form]) for form in FORMS if raw.get(form)}
        if match and EN in names:
            entries.append(SourceName(match=match, names=names))
    return tuple(entries)


def _name_for(citation: str, entries: Iterable[SourceName]) -> SourceName | None:
    return next((e for e in entries if e.matches(citation)), None)


def reader_names(citations: Iterable[str], form: str, path: str | Path) -> list[str]:
    """Distinct short names for ``citations`` in ``form`` (English if that form is missing)."""
    entries = load_source_names(str(path))
    names: list[str] = []
    for citation in citations:
        entry = _name_for(citation, entries)
        if entry is None:
            continue
        name = entry.names.get(form) or entry.names[EN]
        if name not in names:
            names.append(name)
    return names


def missing_source_names(topics: Iterable[object], path: str | Path) -> list[tuple[str, str]]:
    """(topic id, citation) for every citation that no entry names."""
    entries = load_source_names(str(path))
    missing = []
    for topic in topics:
        for citation in getattr(topic, "sources", ()):
            if _name_for(citation, entries) is None:
                missing.append((str(getattr(topic, "id", "?")), citation))
    return missing
