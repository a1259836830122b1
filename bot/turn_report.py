"""What the bot reports about each turn, for the statistics (never shown to anyone).

Actions add it to their answer as a custom payload, ``{"sahayatri_turn": {"outcome": …,
"topic": …}}``, which Rasa's REST channel returns as its own item (``{"custom": {…}}``) next
to the texts; the gateway reads it and counts the outcome per topic family. A turn in which
no action reports (a greeting answered by a rule) counts as ``other``.

Pure Python: imported by the actions and by the gateway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

KEY = "sahayatri_turn"
# In order of precedence: when several actions report in one turn (an answer that also reads
# like danger), the turn counts once, under the first of these.
OUTCOMES = (
    "danger",  # danger signs: emergency numbers and an urgent hand-off
    "fallback",  # the bot could not place the message
    "clarify",  # the bot asked which topic was meant
    "answer",  # a content answer
    "handoff",  # the person asked for a counsellor
    "referral",  # services from the referral directory
    "menu",  # the menu or one of its screens
    "other",  # greetings, thanks, language switches: no action reported
)
UNANSWERED = "unanswered"  # the gateway's own: the bot could not be reached or said nothing
_CODE = re.compile(r"^[a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class TurnReport:
    outcome: str
    topic: str | None = None  # a content topic id (data/content), when one is known
    family: str | None = None  # a topic family id (data/topics.yml), when the action knows it


def payload(outcome: str, topic: str | None = None, family: str | None = None) -> dict[str, Any]:
    """The custom payload an action sends (``dispatcher.utter_message(json_message=…)``)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown turn outcome {outcome!r}")
    report = {"outcome": outcome, "topic": topic, "family": family}
    return {KEY: {name: value for name, value in report.items() if value}}


def _code(value: Any) -> str | None:
    return value if isinstance(value, str) and _CODE.match(value) else None


def from_custom(custom: Any) -> TurnReport | None:
    """A report from one custom payload; None if it is not one (or not well formed)."""
    raw = custom.get(KEY) if isinstance(custom, dict) else None
    if not isinstance(raw, dict) or raw.get("outcome") not in OUTCOMES:
        return None
    return TurnReport(raw["outcome"], _code(raw.get("topic")), _code(raw.get("family")))


def strongest(reports: Iterable[TurnReport]) -> TurnReport | None:
    """The report the turn counts under (see OUTCOMES); None when there is none."""
    ranked = sorted(reports, key=lambda report: OUTCOMES.index(report.outcome))
    return ranked[0] if ranked else None
