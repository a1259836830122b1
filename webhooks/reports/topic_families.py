"""Which topic family a content topic belongs to, for the bot's outcomes per family.

The families are the bot's menu families in data/topics.yml when that file exists (reviewed
by NGO staff: each content topic is in exactly one family); without it, a topic's family is
the content file it lives in (data/content/fees.yml -> ``fees``). Read once per process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from webhooks.config import REPO_ROOT

TOPICS_FILE = Path(REPO_ROOT) / "data" / "topics.yml"
CONTENT_DIR = Path(REPO_ROOT) / "data" / "content"
UNKNOWN = ""  # no topic: a greeting, a turn the bot could not place at all


@dataclass(frozen=True)
class Families:
    of_topic: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # family id -> English label
    source: str = ""

    def family_of(self, topic: str | None) -> str:
        return self.of_topic.get(topic or "", UNKNOWN)

    def label(self, family: str) -> str:
        return self.labels.get(family) or family.replace("_", " ").capitalize() or "No topic"


def _topics_of(node: dict[str, Any]) -> list[str]:
    topics = [str(t) for t in node.get("topics") or []]
    for group in node.get("groups") or []:
        if isinstance(group, dict):
            topics += _topics_of(group)
    return topics


def _from_menu(raw: dict[str, Any]) -> Families:
    of_topic: dict[str, str] = {}
    labels: dict[str, str] = {}
    for family in raw.get("families") or []:
        if not isinstance(family, dict) or not family.get("id"):
            continue
        family_id = str(family["id"])
        label = family.get("label")
        labels[family_id] = str(label.get("en")) if isinstance(label, dict) else family_id
        for topic in _topics_of(family):
            of_topic.setdefault(topic, family_id)
    return Families(of_topic, labels, str(TOPICS_FILE.name))


def _from_content_files(directory: Path) -> Families:
    of_topic: dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for topic in raw.get("topics") or [] if isinstance(raw, dict) else []:
            if isinstance(topic, dict) and topic.get("id"):
                of_topic.setdefault(str(topic["id"]), path.stem)
    return Families(of_topic, {}, "data/content file names")


@cache
def families(topics_file: Path = TOPICS_FILE, content_dir: Path = CONTENT_DIR) -> Families:
    if topics_file.exists():
        raw = yaml.safe_load(topics_file.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and raw.get("families"):
            return _from_menu(raw)
    return _from_content_files(content_dir)
