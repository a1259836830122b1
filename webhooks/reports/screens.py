"""Recognise the bot's menu and clarification screens in its replies, for turns no action
reported (bot/turn_report.py): what the gateway can see by itself.

The screens' words are data (``screens`` in data/topics.yml, the bot's menu file, in three
forms), so a clarification question ("Which do you mean? Reply with a number:" then "1 Legal
agency fee", …) is recognised by its first line, and its family by the topics its numbered
lines name. Without data/topics.yml there are no such screens and nothing is recognised.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.turn_report import TurnReport
from webhooks.reports.topic_families import TOPICS_FILE, families

_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]?\s+(.+?)\s*$")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class Screens:
    clarify: frozenset[str] = frozenset()  # first lines of a clarification question
    menu: frozenset[str] = frozenset()  # first lines of the menu's first screen
    family_suffixes: frozenset[str] = frozenset()  # "- reply with a number:" after a label
    topic_of_label: dict[str, str] = field(default_factory=dict)


def _forms(raw: Any) -> list[str]:
    return [str(v) for v in raw.values() if v] if isinstance(raw, dict) else []


@cache
def screens(topics_file: Path = TOPICS_FILE) -> Screens:
    if not topics_file.exists():
        return Screens()
    raw = yaml.safe_load(topics_file.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("screens"), dict):
        return Screens()
    texts = raw["screens"]
    labels: dict[str, str] = {}
    for topic, entry in (raw.get("topics") or {}).items():
        if isinstance(entry, dict):
            for label in _forms(entry.get("label")):
                labels.setdefault(_norm(label), str(topic))
    suffixes = {
        _norm(t.split("{label}", 1)[1]) for t in _forms(texts.get("family")) if "{label}" in t
    }
    return Screens(
        clarify=frozenset(_norm(t) for key in ("clarify", "clarify_web")
                          for t in _forms(texts.get(key))),
        menu=frozenset(_norm(t) for key in ("root", "choose_web") for t in _forms(texts.get(key))),
        family_suffixes=frozenset(s for s in suffixes if s),
        topic_of_label=labels,
    )  # fmt: skip


def recognise(replies: list[str], known: Screens | None = None) -> TurnReport | None:
    """A clarification (with its family when its choices are all in one) or a menu screen."""
    known = known or screens()
    for reply in replies:
        lines = [line for line in reply.splitlines() if line.strip()]
        if not lines:
            continue
        first = _norm(lines[0])
        if first in known.clarify:
            named = [m.group(1) for line in lines[1:] if (m := _NUMBERED.match(line))]
            topics = [known.topic_of_label.get(_norm(label)) for label in named]
            found = {families().family_of(t) for t in topics if t}
            return TurnReport("clarify", family=found.pop() if len(found) == 1 else None)
        if first in known.menu or any(first.endswith(s) for s in known.family_suffixes):
            return TurnReport("menu")
    return None
