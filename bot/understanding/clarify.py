"""What to ask when the classifier is unsure (pure): Rasa's two-stage fallback, SMS-friendly.

Rasa's TwoStageFallback asks "Did you mean X?" with Yes/No buttons, then "please rephrase",
then gives up: two or three round trips, each a paid SMS and a chance to be misread
("ho", "hunchha", "ok"). Here the first stage offers the likely topics in ONE numbered
question ("1 Legal agency fee  2 Other costs you pay  3 Charged too much"), answered by a
number or a topic word (actions/menu.py); anything else is read afresh as a new message, and
only a message that cannot be placed at all counts as a miss (two in a row bring a
counsellor, actions/fallback.py).

Which topics to offer, from the classifier's ranking of knowledge intents:
- none when the best knowledge intent is below ``MIN_TOP`` or "out of scope" ranks above it;
- the best one, then any within ``CLOSE_RATIO`` of it ("two or three topics are close"),
  then the best one's family members ranked at least ``FAMILY_MIN`` ("the candidates are in
  one family"), at most ``MAX_OPTIONS``;
- if that leaves the best one alone, its family's next-ranked members, so the question is
  always a choice;
- the classifier's best guess is "help me" (``help``, ``ask_human``, ``find_service``:
  "malai help chahiyo"): "1 Talk to a counsellor 2 See all topics", after the best topic
  if that is close behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bot.understanding.topics import HUMAN, MENU, Topics

# Tuned on data/eval/dialogue/dev.*.yml (docs/dialogue-report.md); never on the test files.
MIN_TOP = 0.15
CLOSE_RATIO = 0.45
FAMILY_MIN = 0.05
MAX_OPTIONS = 3
OUT_OF_SCOPE = "out_of_scope"
ASKING_FOR_HELP = frozenset({"help", "ask_human", "find_service"})


def clarification_topics(
    ranking: Iterable[dict[str, Any]],
    topic_of_intent: Callable[[str], str | None],
    topics: Topics,
    available: frozenset[str] | None = None,
) -> list[str]:
    """The topic ids to offer (best first), or [] when the message cannot be placed."""
    scored: list[tuple[str, float]] = []
    out_of_scope = help_wanted = 0.0
    for item in ranking:
        name, confidence = str(item.get("name") or ""), float(item.get("confidence") or 0.0)
        if name == OUT_OF_SCOPE:
            out_of_scope = max(out_of_scope, confidence)
            continue
        if name in ASKING_FOR_HELP:
            help_wanted = max(help_wanted, confidence)
            continue
        topic = topic_of_intent(name)
        usable = topic in topics.family_of and (available is None or topic in available)
        if topic and usable and all(topic != seen for seen, _ in scored):
            scored.append((topic, confidence))
    best_confidence = scored[0][1] if scored else 0.0
    if help_wanted >= MIN_TOP and help_wanted > max(best_confidence, out_of_scope):
        close = [t for t, c in scored[:1] if c >= CLOSE_RATIO * help_wanted and c >= MIN_TOP]
        return [*close, HUMAN, MENU]
    if not scored:
        return []
    best = scored[0][0]
    if best_confidence < MIN_TOP or out_of_scope >= best_confidence:
        return []
    family = topics.family_of[best]
    options = [best]
    for topic, confidence in scored[1:]:
        if len(options) == MAX_OPTIONS:
            break
        same_family = topics.family_of[topic] == family
        if confidence >= CLOSE_RATIO * best_confidence or (
            same_family and confidence >= FAMILY_MIN
        ):
            options.append(topic)
    if len(options) == 1:
        siblings = [t for t, _ in scored[1:] if topics.family_of[t] == family]
        options += siblings[: MAX_OPTIONS - 1]
    return options
