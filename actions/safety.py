"""Danger safety net for messages that did not reach an intent (pure, no Rasa import).

The FallbackClassifier replaces the top intent with ``nlu_fallback`` when the classifier
is unsure, but keeps the original ranking. A message whose ranking is dominated by danger
intents must still get the emergency numbers: a false alarm costs one extra message and a
counsellor's minute, a miss can cost a life.
"""

from __future__ import annotations

from typing import Any

from bot.knowledge.project import is_knowledge_intent

DANGER_PREFIX = "danger_"
FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
# Tuned on held-out data and gibberish probes (tests/actions/test_safety.py, docs/nlu-report.md).
TOP_DANGER_MIN = 0.25  # the classifier's own best guess is a danger intent with at least this
DANGER_MASS_MIN = 0.35  # or all danger intents together hold at least this much
# A knowledge answer whose runner-up is a danger intent with at least this confidence also
# gets the emergency numbers ("underage girls work in the dance bar" looks like a question
# about entertainment-sector rights, but it is a child at risk).
RUNNER_UP_MIN = 0.2


def is_danger(intent: str | None) -> bool:
    return bool(intent) and intent.startswith(DANGER_PREFIX)


def suspected_danger(parse_data: dict[str, Any]) -> str | None:
    """The danger intent to act on for an unsure parse, or None."""
    ranking = [
        r
        for r in parse_data.get("intent_ranking") or []
        if r.get("name") and r.get("name") != "nlu_fallback"
    ]
    if not ranking:
        return None
    top = ranking[0]
    danger = [r for r in ranking if is_danger(r["name"])]
    mass = sum(float(r.get("confidence") or 0.0) for r in danger)
    if is_danger(top["name"]) and float(top.get("confidence") or 0.0) >= TOP_DANGER_MIN:
        return str(top["name"])
    if danger and mass >= DANGER_MASS_MIN:
        return str(danger[0]["name"])
    return None


def danger_signal(parse_data: dict[str, Any]) -> str | None:
    """The danger intent the bot acts on for this parse, or None.

    - a danger intent: itself (the danger rules answer it);
    - a fallback (nlu_fallback / out_of_scope): the safety net above (action_fallback);
    - a knowledge question: a danger runner-up >= RUNNER_UP_MIN (action_answer).
    Other intents (greet, thanks, help, ...) are answered by plain responses.
    """
    intent = str((parse_data.get("intent") or {}).get("name") or "")
    if is_danger(intent):
        return intent
    if intent in FALLBACK_INTENTS:
        return suspected_danger(parse_data)
    if is_knowledge_intent(intent):
        for r in parse_data.get("intent_ranking") or []:
            name = str(r.get("name") or "")
            if is_danger(name) and float(r.get("confidence") or 0.0) >= RUNNER_UP_MIN:
                return name
    return None


EMERGENCY_RESPONSES = {
    "danger_child": "utter_emergency_child",
    "danger_self_harm": "utter_emergency_self_harm",
}


def emergency_response(danger_intent: str) -> str:
    """The domain response with the emergency numbers for a danger intent."""
    return EMERGENCY_RESPONSES.get(danger_intent, "utter_emergency")
