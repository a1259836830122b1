"""The danger decision, shared by the bot's actions and the gateway (pure, no Rasa import).

Every message is checked: by the actions on each bot turn (answers, fallbacks, referral
searches) and, during a hand-off, by the gateway on Rasa's NLU parse of each message the
person writes to the counsellor queue. One implementation, so both agree.

The FallbackClassifier replaces the top intent with ``nlu_fallback`` when the classifier is
unsure, but keeps the original ranking. A message whose ranking points at danger must still
get the emergency numbers: a false alarm costs one extra message and a counsellor's minute, a
miss can cost a life.

The emergency replies themselves are the domain's ``utter_emergency*`` responses (reviewed
with the other responses in domain.yml); :func:`emergency_text` reads them for the gateway.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.forms import EN, FORMS

DANGER_PREFIX = "danger_"
FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
DOMAIN_PATH = Path(__file__).resolve().parent.parent / "domain.yml"

# Thresholds: see docs/danger-tuning.md (tuned once on data/eval/danger_tuning.<form>.yml).
# The tuning lowered RUNNER_UP_MIN (0.2 -> 0.1: recall 0.924 -> 0.970) and would have raised the
# two fallback thresholds; a safety ratchet keeps those at their earlier, more sensitive values
# (a fallback whose best guess is self-harm at 0.3 must still get the numbers).
TOP_DANGER_MIN = 0.25  # the classifier's own best guess is a danger intent with at least this
DANGER_MASS_MIN = 0.35  # or all danger intents together hold at least this much
# Any other message whose ranking has a danger intent with at least this confidence also gets
# the emergency numbers ("underage girls work in the dance bar" looks like a question about
# entertainment-sector rights, but it is a child at risk).
RUNNER_UP_MIN = 0.1

EMERGENCY_RESPONSES = {
    "danger_child": "utter_emergency_child",
    "danger_self_harm": "utter_emergency_self_harm",
}


def is_danger(intent: str | None) -> bool:
    return bool(intent) and intent.startswith(DANGER_PREFIX)


def _ranking(parse_data: dict[str, Any]) -> list[tuple[str, float]]:
    return [
        (str(r["name"]), float(r.get("confidence") or 0.0))
        for r in parse_data.get("intent_ranking") or []
        if r.get("name") and r.get("name") != "nlu_fallback"
    ]


def suspected_danger(parse_data: dict[str, Any]) -> str | None:
    """The danger intent to act on for an unsure parse, or None."""
    ranking = _ranking(parse_data)
    if not ranking:
        return None
    top_name, top_confidence = ranking[0]
    danger = [(name, conf) for name, conf in ranking if is_danger(name)]
    if is_danger(top_name) and top_confidence >= TOP_DANGER_MIN:
        return top_name
    if danger and sum(conf for _, conf in danger) >= DANGER_MASS_MIN:
        return danger[0][0]
    return None


def danger_runner_up(parse_data: dict[str, Any]) -> str | None:
    """A danger intent in the ranking with at least RUNNER_UP_MIN, or None."""
    for name, confidence in _ranking(parse_data):
        if is_danger(name) and confidence >= RUNNER_UP_MIN:
            return name
    return None


def danger_signal(parse_data: dict[str, Any], *, broad: bool = False) -> str | None:
    """The danger intent the bot acts on for this parse, or None.

    - a danger intent: itself (the danger rules answer it);
    - a fallback (nlu_fallback / out_of_scope): the safety net (suspected_danger);
    - any other intent: a danger runner-up >= RUNNER_UP_MIN.
    ``broad`` (the gateway's check during a hand-off, where a false alarm only raises the
    priority of a conversation a counsellor will read anyway) applies both nets to every
    intent.
    """
    intent = str((parse_data.get("intent") or {}).get("name") or "")
    if is_danger(intent):
        return intent
    if intent in FALLBACK_INTENTS or broad:
        found = suspected_danger(parse_data)
        if found or not broad:
            return found
    return danger_runner_up(parse_data)


def emergency_response(danger_intent: str) -> str:
    """The domain response with the emergency numbers for a danger intent."""
    return EMERGENCY_RESPONSES.get(danger_intent, "utter_emergency")


@cache
def _emergency_texts(domain_path: Path = DOMAIN_PATH) -> dict[str, dict[str, str]]:
    """response name -> form -> text, for the utter_emergency* responses of domain.yml."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    texts: dict[str, dict[str, str]] = {}
    for name, variations in (domain.get("responses") or {}).items():
        if not name.startswith("utter_emergency"):
            continue
        by_form: dict[str, str] = {}
        for variation in variations:
            form = EN
            for condition in variation.get("condition") or []:
                if condition.get("name") == "language" and condition.get("value") in FORMS:
                    form = condition["value"]
            by_form[form] = str(variation["text"])
        texts[name] = by_form
    return texts


def emergency_text(danger_intent: str, form: str) -> str:
    """The emergency reply for ``danger_intent`` in ``form`` (English if that form is missing)."""
    texts = _emergency_texts()[emergency_response(danger_intent)]
    return texts.get(form) or texts[EN]
