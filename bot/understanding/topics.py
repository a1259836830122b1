"""Topic families, the menu tree and its screens, from data/topics.yml (pure, PyYAML only).

The menu is a tree: ``root`` lists the families; a family lists its topics, or its groups
(node id ``family/group``) when it has too many topics for one SMS screen; a topic is a leaf,
answered from data/content. The same screens serve clarification questions ("which do you
mean? 1 ... 2 ..."), so that a number always means "the n-th choice I just showed you".

Screens render two ways from the same data (:func:`render`):
- SMS and WhatsApp: numbered text ("1 Fees\\n2 Going abroad ...\\n0 Back");
- the web widget: a short header and one button per choice (payload = the number, so a
  button and a typed number take the same path through the bot).
Only topics the content actually answers are shown (``available``): a topic listed here but
not yet written is left out, and numbering follows what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.forms import EN, FORMS

TOPICS_PATH = Path(__file__).resolve().parents[2] / "data" / "topics.yml"
ROOT = "root"
HUMAN = "human"  # a choice a clarification may offer: talk to a counsellor
MENU = "menu"  # another: the menu's first screen
MAX_CHOICES = 9


@dataclass(frozen=True)
class Node:
    """A menu screen: the root, a family or a group."""

    id: str
    label: dict[str, str]
    children: tuple[str, ...]  # node ids (root, families with groups) or topic ids
    parent: str | None
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Choice:
    number: int
    target: str  # a node id, a topic id, HUMAN or MENU
    label: str


@dataclass(frozen=True)
class Screen:
    """What one screen shows, before rendering for a channel."""

    kind: str  # "root" | "node" | "clarify"
    node: str | None  # the node shown (None for a clarification)
    header: str  # SMS header
    web_header: str
    choices: tuple[Choice, ...]
    back: str | None  # the back line ("0 Back"), None on the root and clarifications
    footer: str = ""


@dataclass(frozen=True)
class Topics:
    nodes: dict[str, Node]
    topic_labels: dict[str, dict[str, str]]
    topic_words: dict[str, tuple[str, ...]]
    other_labels: dict[str, dict[str, str]]
    other_words: dict[str, tuple[str, ...]]
    texts: dict[str, dict[str, str]]
    family_of: dict[str, str] = field(default_factory=dict)  # topic -> family id
    for_a_country: tuple[str, ...] = ()  # offered when only a country is named

    # --- the tree -------------------------------------------------------------------

    def is_node(self, target: str) -> bool:
        return target in self.nodes

    def is_topic(self, target: str) -> bool:
        return target in self.topic_labels

    def topics_under(self, node_id: str) -> list[str]:
        """Every topic below a node, in menu order."""
        out: list[str] = []
        for child in self.nodes[node_id].children:
            out.extend(self.topics_under(child) if child in self.nodes else [child])
        return out

    def children(self, node_id: str, available: frozenset[str] | None = None) -> list[str]:
        """The choices a screen shows: children with at least one available topic."""
        shown = []
        for child in self.nodes[node_id].children:
            if child in self.nodes:
                if any(_ok(t, available) for t in self.topics_under(child)):
                    shown.append(child)
            elif _ok(child, available):
                shown.append(child)
        return shown

    def label(self, target: str, form: str) -> str:
        labels = (
            self.nodes[target].label
            if target in self.nodes
            else self.topic_labels.get(target) or self.other_labels.get(target) or {}
        )
        return labels.get(form) or labels.get(EN) or target

    def text(self, key: str, form: str, **values: Any) -> str:
        template = self.texts[key].get(form)
        template = template if template is not None else self.texts[key][EN]
        return template.format(**values) if values else template

    # --- screens --------------------------------------------------------------------

    def menu_screen(
        self, node_id: str, form: str, available: frozenset[str] | None = None
    ) -> Screen:
        """The screen of a menu node (the root or a family/group)."""
        targets = self.children(node_id, available)[:MAX_CHOICES]
        choices = tuple(
            Choice(i, target, self.label(target, form)) for i, target in enumerate(targets, 1)
        )
        if node_id == ROOT:
            return Screen(
                kind="root",
                node=ROOT,
                header=self.text("root", form),
                web_header=self.text("choose_web", form),
                choices=choices,
                back=None,
                footer=self.text("footer", form),
            )
        label = self.label(node_id, form)
        return Screen(
            kind="node",
            node=node_id,
            header=self.text("family", form, label=label),
            web_header=label,
            choices=choices,
            back=self.text("back", form),
        )

    def clarify_screen(self, targets: list[str], form: str) -> Screen:
        """ "Which do you mean? 1 ... 2 ..." for topics (and HUMAN, MENU)."""
        choices = tuple(
            Choice(i, t, self.label(t, form)) for i, t in enumerate(targets[:MAX_CHOICES], 1)
        )
        return Screen(
            kind="clarify",
            node=None,
            header=self.text("clarify", form),
            web_header=self.text("clarify_web", form),
            choices=choices,
            back=None,
        )


def _ok(topic: str, available: frozenset[str] | None) -> bool:
    return available is None or topic in available


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: list[dict[str, str]]


def render(screen: Screen, channel: str, form: str, topics: Topics | None = None) -> Rendered:
    """The screen for a channel: numbered text, or (web) a header and buttons."""
    if channel == "web":
        buttons = [{"title": c.label, "payload": str(c.number)} for c in screen.choices]
        if screen.back:
            back_label = screen.back.split(" ", 1)[1] if " " in screen.back else screen.back
            buttons.append({"title": back_label, "payload": "0"})
        return Rendered(screen.web_header, buttons)
    lines = [screen.header, *(f"{c.number} {c.label}" for c in screen.choices)]
    if screen.back:
        lines.append(screen.back)
    if screen.footer:
        lines.append(screen.footer)
    return Rendered("\n".join(lines), [])


# --- loading --------------------------------------------------------------------------------


def _forms(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping of {', '.join(FORMS)}")
    missing = [form for form in FORMS if form not in raw]
    if missing:
        raise ValueError(f"{where}: missing forms {missing}")
    return {form: str(raw[form] if raw[form] is not None else "") for form in FORMS}


def _words(raw: Any) -> tuple[str, ...]:
    return tuple(str(word) for word in raw or [])


def parse_topics(raw: dict[str, Any]) -> Topics:
    """The topics data from its YAML mapping; raises ValueError on a broken file."""
    texts = {key: _forms(value, f"screens.{key}") for key, value in raw["screens"].items()}
    nodes: dict[str, Node] = {}
    family_of: dict[str, str] = {}
    family_ids = []
    for family in raw["families"]:
        fid = str(family["id"])
        family_ids.append(fid)
        groups = family.get("groups") or []
        if groups and family.get("topics"):
            raise ValueError(f"family {fid}: either topics or groups, not both")
        children = []
        for group in groups:
            gid = f"{fid}/{group['id']}"
            topics = tuple(str(t) for t in group["topics"])
            nodes[gid] = Node(
                gid, _forms(group["label"], gid), topics, fid, _words(group.get("words"))
            )
            children.append(gid)
            family_of.update(dict.fromkeys(topics, fid))
        if not groups:
            children = [str(t) for t in family["topics"]]
            family_of.update(dict.fromkeys(children, fid))
        nodes[fid] = Node(fid, _forms(family["label"], fid), tuple(children), ROOT,
                          _words(family.get("words")))  # fmt: skip
    nodes[ROOT] = Node(ROOT, {form: "" for form in FORMS}, tuple(family_ids), None)
    topic_labels, topic_words = {}, {}
    for topic, entry in (raw.get("topics") or {}).items():
        topic_labels[str(topic)] = _forms(entry["label"], f"topics.{topic}")
        topic_words[str(topic)] = _words(entry.get("words"))
    unlisted = sorted(set(family_of) - set(topic_labels))
    if unlisted:
        raise ValueError(f"topics without a label: {unlisted}")
    orphans = sorted(set(topic_labels) - set(family_of))
    if orphans:
        raise ValueError(f"topics in no family: {orphans}")
    others = raw.get("others") or {}
    return Topics(
        nodes=nodes,
        topic_labels=topic_labels,
        topic_words=topic_words,
        other_labels={
            key: _forms(value["label"], f"others.{key}")
            for key, value in others.items()
            if value.get("label")
        },
        other_words={key: _words(value.get("words")) for key, value in others.items()},
        texts=texts,
        family_of=family_of,
        for_a_country=tuple(str(t) for t in raw.get("for_a_country") or []),
    )


@cache
def load_topics(path: Path = TOPICS_PATH) -> Topics:
    """The topics data, read once per process."""
    return parse_topics(yaml.safe_load(path.read_text(encoding="utf-8")))
