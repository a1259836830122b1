"""Carrier-style keywords (STOP / START / HELP), recognised before anything reaches the bot.

Only a message that is the keyword alone counts ("stop" is a keyword; "my agent won't stop
calling" is a question for the bot). Matching ignores case, spaces and final punctuation.
"""

from __future__ import annotations

import unicodedata
from enum import Enum


class Keyword(str, Enum):
    STOP = "stop"
    START = "start"
    HELP = "help"


_KEYWORDS: dict[Keyword, frozenset[str]] = {
    Keyword.STOP: frozenset(
        {
            "stop",
            "stopall",
            "unsubscribe",
            "end",
            "quit",
            "रोक",
            "रोक्नुहोस्",
            "रोकनुहोस",
            "rok",
            "roka",
            "roknus",
            "roknuhos",
        }
    ),
    Keyword.START: frozenset({"start", "unstop", "सुरु", "शुरु", "suru", "shuru"}),
    Keyword.HELP: frozenset({"help", "info", "मद्दत", "maddat", "madat"}),
}


# While waiting for a counsellor, these take the person back to the bot.
CANCEL_WORDS = frozenset({"cancel", "bot", "रद्द", "रद्द गर", "बोट", "radda", "rad", "cancel gara"})


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().strip(".!?।").strip().casefold()


def match_keyword(text: str) -> Keyword | None:
    candidate = normalise(text)
    for keyword, words in _KEYWORDS.items():
        if candidate in words:
            return keyword
    return None


def is_cancel_request(text: str) -> bool:
    return normalise(text) in CANCEL_WORDS
