"""action_set_language: make sure an explicit language request changes the slot.

The slot `language` is normally filled from the `language_form` entity that
bot.language.component.LanguageFormDetector adds. If the message was classified as
switch_language, ask the detector module for the explicit request, then a small keyword
table, then fall back to the entity, so that the acknowledgement (next action) comes in
the requested form.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import latest_entity, latest_text
from actions.guard import SafeAction
from bot.knowledge.forms import EN, FORMS, NE, NE_LATN

# Order matters: "roman nepali" must win over "nepali".
_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"\broman\b|\brn\b|रोमन|english ak|अङ्ग्रेजी अक्षर|अंग्रेजी अक्षर|\blatin\b", NE_LATN),
    (r"\benglish\b|\bangreji\b|\bangrezi\b|\ben\b|अङ्ग्रेजी|अंग्रेजी|इङ्लिस", EN),
    (r"\bnepali\b|\bnp\b|\bne\b|नेपाली", NE),
)


def keyword_form(text: str) -> str | None:
    lowered = text.casefold()
    for pattern, form in _KEYWORDS:
        if re.search(pattern, lowered):
            return form
    return None


def _detector_form(text: str) -> str | None:
    try:
        from bot.language.detector import requested_form
    except ImportError:  # the detector is optional for the actions
        return None
    try:
        form = requested_form(text)
    except Exception:  # a detector bug must not break the reply
        return None
    return form if form in FORMS else None


def requested_language(tracker: Tracker) -> str | None:
    """The form the person asked for. The explicit request wins over the entity, because the
    entity may be a mere detection: "and in Nepali?" is written in English."""
    text = latest_text(tracker)
    requested = _detector_form(text) or keyword_form(text)
    if requested:
        return requested
    entity = latest_entity(tracker, "language_form")
    return entity if entity in FORMS else None


class ActionSetLanguage(SafeAction):
    def name(self) -> str:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        form = requested_language(tracker)
        return [SlotSet("language", form)] if form else []
