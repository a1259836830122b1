"""Read Rasa NLU YAML files without Rasa, and the language form each file is written in.

File convention (documented in data/content/README.md): every NLU file holds ONE language
form, named by the last dotted part of its stem: ``fees.en.yml``, ``fees.ne.yml``,
``fees.ne-Latn.yml``. Files without a form suffix may only hold lookup tables, regexes
or synonyms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge.forms import FORMS

_ENTITY = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    intent: str
    text: str  # entity annotations removed
    form: str | None
    file: str


def form_of_path(path: str | Path) -> str | None:
    """``fees.ne-Latn.yml`` -> ``ne-Latn``; None if the file name names no form."""
    stem = Path(path).name
    for suffix in (".yml", ".yaml"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    last = stem.rsplit(".", 1)[-1] if "." in stem else ""
    return last if last in FORMS else None


def strip_annotations(text: str) -> str:
    """``what about [Malaysia](country)`` -> ``what about Malaysia``."""
    return _ENTITY.sub(r"\1", text)


def _example_lines(raw: object) -> list[str]:
    if isinstance(raw, str):
        lines = []
        for line in raw.splitlines():
            stripped = line.strip()
            if stripped.startswith("- "):
                lines.append(stripped[2:].strip())
            elif stripped == "-":
                continue
        return lines
    if isinstance(raw, list):  # the `- text: ...` long format
        return [str(item.get("text", "")).strip() for item in raw if isinstance(item, dict)]
    return []


def read_nlu_file(path: str | Path) -> tuple[list[Example], list[str]]:
    """Examples of one NLU file and a list of problems (unreadable file, etc.)."""
    path = Path(path)
    problems: list[str] = []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return [], [f"{path}: cannot read YAML ({exc})"]
    items = data.get("nlu") if isinstance(data, dict) else None
    if not items:
        return [], problems
    form = form_of_path(path)
    examples: list[Example] = []
    for item in items:
        if not isinstance(item, dict) or "intent" not in item:
            continue
        for line in _example_lines(item.get("examples")):
            text = strip_annotations(line)
            if text:
                examples.append(Example(str(item["intent"]), text, form, str(path)))
    return examples, problems


def read_nlu_dir(directory: str | Path, pattern: str = "**/*.y*ml") -> list[Example]:
    """All examples of every NLU file under ``directory`` (problems ignored)."""
    examples: list[Example] = []
    for path in sorted(Path(directory).glob(pattern)):
        if path.suffix in (".yml", ".yaml"):
            examples.extend(read_nlu_file(path)[0])
    return examples


def normalise_example(text: str) -> str:
    """Key used to find duplicates: case-folded, spaces collapsed, end punctuation dropped."""
    return " ".join(text.casefold().split()).rstrip("?!.।")
