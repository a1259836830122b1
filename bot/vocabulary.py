"""The shared vocabulary of data/vocabulary.yml: language forms, hand-off reasons and
priorities, referral needs. Pure (PyYAML only): the gateway, the actions and the scripts all
read these definitions from here instead of keeping their own lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

VOCABULARY_PATH = Path(__file__).resolve().parent.parent / "data" / "vocabulary.yml"


@dataclass(frozen=True)
class Need:
    code: str
    label: dict[str, str]  # form -> label
    words: tuple[str, ...]  # as written inside a sentence (the bot's referral action)
    aliases: tuple[str, ...]  # extra exact names the gateway's lookup API accepts
    abroad: bool  # served from Nepal for people abroad


@dataclass(frozen=True)
class Vocabulary:
    forms: tuple[str, ...]
    form_names: dict[str, dict[str, str]]  # form -> (form it is written in -> name)
    handoff_reasons: tuple[str, ...]
    handoff_reason_names: dict[str, str]  # reason -> how the console names it
    handoff_priorities: tuple[str, ...]
    needs: dict[str, Need]


def _strings(raw: object) -> tuple[str, ...]:
    return tuple(str(item) for item in raw or [])


def parse_vocabulary(raw: dict) -> Vocabulary:
    """The vocabulary from the YAML mapping; raises ValueError on a broken file."""
    forms = tuple(str(code) for code in raw["forms"])
    if not forms:
        raise ValueError("vocabulary: no language forms")
    for code, names in raw["forms"].items():
        missing = [f for f in forms if not (names or {}).get(f)]
        if missing:
            raise ValueError(f"vocabulary: form {code!r} has no name in {missing}")
    needs = {}
    for code, entry in raw["needs"].items():
        label = {form: str(entry["label"][form]) for form in forms}
        needs[str(code)] = Need(
            code=str(code),
            label=label,
            words=_strings(entry.get("words")),
            aliases=_strings(entry.get("aliases")),
            abroad=bool(entry.get("abroad", False)),
        )
    return Vocabulary(
        forms=forms,
        form_names={str(k): {f: str(v[f]) for f in forms} for k, v in raw["forms"].items()},
        handoff_reasons=tuple(str(r) for r in raw["handoff"]["reasons"]),
        handoff_reason_names={str(k): str(v) for k, v in raw["handoff"]["reasons"].items()},
        handoff_priorities=tuple(str(p) for p in raw["handoff"]["priorities"]),
        needs=needs,
    )


@cache
def vocabulary(path: Path = VOCABULARY_PATH) -> Vocabulary:
    """The vocabulary, read once per process."""
    with open(path, encoding="utf-8") as handle:
        return parse_vocabulary(yaml.safe_load(handle))


FORMS: tuple[str, ...] = vocabulary().forms
HANDOFF_REASONS: tuple[str, ...] = vocabulary().handoff_reasons
HANDOFF_PRIORITIES: tuple[str, ...] = vocabulary().handoff_priorities
