"""Read the Rasa project files the checks need (domain intents/responses, rules), without Rasa."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_MARKER = "# knowledge intents (generated list, keep this marker)"
BUILTIN_INTENTS = frozenset({"nlu_fallback", "restart", "back", "out_of_scope_builtin"})
# `ask_*` is reserved for knowledge topics; ask_human (named by the lead's contract) is the
# one exception: it asks for a counsellor and is answered by action_handoff.
NON_KNOWLEDGE_ASK = frozenset({"ask_human"})


def is_knowledge_intent(intent: str) -> bool:
    return intent.startswith("ask_") and intent not in NON_KNOWLEDGE_ASK


@dataclass
class Domain:
    intents: list[str] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def load_domain(path: str | Path = REPO_ROOT / "domain.yml") -> Domain:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    intents = []
    for item in data.get("intents") or []:
        intents.append(next(iter(item)) if isinstance(item, dict) else str(item))
    return Domain(intents=intents, responses=data.get("responses") or {}, raw=data)


def rule_steps(rules_dir: str | Path = REPO_ROOT / "data" / "rules") -> dict[str, list[str]]:
    """For each intent that starts a rule: the actions that rule runs next."""
    found: dict[str, list[str]] = {}
    for path in sorted(Path(rules_dir).glob("**/*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for rule in data.get("rules") or []:
            steps = rule.get("steps") or []
            if steps and "intent" in steps[0]:
                actions = [s["action"] for s in steps[1:] if "action" in s]
                found.setdefault(str(steps[0]["intent"]), actions)
    return found
