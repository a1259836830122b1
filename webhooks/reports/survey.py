"""The one-question survey after a counsellor closes a conversation.

"Did this help? 1 yes 2 a little 3 no", in the person's form (``survey_question`` in
data/gateway_texts.yml), on the channels in ``SURVEY_CHANNELS``, never to a conversation
marked unsafe to contact, and only when she is told the chat is closed. Her next message is
the answer if it is one (a 1, 2 or 3, in either script, or the option's word) and comes within
``SURVEY_ANSWER_HOURS``: the gateway takes it before the bot and thanks her. Anything else, or
anything later, goes to the bot as usual and ends the survey. STOP and HELP are answered
before the survey is looked at.

Answers are counted under the day the question was sent (so the answered share of a week is
final once its window has passed); the answer is never stored with the conversation.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from flask import current_app

from webhooks.audit import audit
from webhooks.conversations.texts import text as gateway_text
from webhooks.models import Conversation, ConversationState, User, utcnow
from webhooks.reports.counts import CountKey, add, local_day

METRIC = "survey"
ASKED = "asked"
ANSWERS = ("yes", "a_little", "no")  # 1, 2, 3
# The option's words alone also answer ("ho", "अलिअलि"): the three forms' spellings.
_WORDS = {
    "yes": {"yes", "y", "ho", "हो", "yes it helped"},
    "a_little": {
        "a little",
        "little",
        "alikati",
        "ali ali",
        "aliali",
        "thorai",
        "अलिअलि",
        "अलि अलि",
        "अलिकति",
        "थोरै",
    },
    "no": {"no", "n", "hoina", "haina", "होइन", "हैन", "no it did not"},
}
_DIGITS = str.maketrans("१२३", "123")
_NUMBERED = re.compile(r"([123])(?:[\s.,:;)\-]+[^\d]*)?")
MAX_ANSWER_CHARS = 24  # "1 yes, thank you" is an answer; a long message is a question


def parse_answer(text: str) -> str | None:
    """``yes``, ``a_little`` or ``no`` when ``text`` answers the question, else None."""
    candidate = unicodedata.normalize("NFC", text).strip().strip(".!?।").strip().casefold()
    if not candidate or len(candidate) > MAX_ANSWER_CHARS:
        return None
    numbered = _NUMBERED.fullmatch(candidate.translate(_DIGITS))
    if numbered:
        return ANSWERS[int(numbered.group(1)) - 1]
    for answer, words in _WORDS.items():
        if candidate in words:
            return answer
    return None


def enabled_for(conversation: Conversation) -> bool:
    """Whether closing this conversation may ask the survey (channel on, safe to contact)."""
    channels = current_app.config["SURVEY_CHANNELS"]
    return conversation.channel in channels and not conversation.unsafe_to_contact


def answer_window() -> timedelta:
    return timedelta(hours=current_app.config["SURVEY_ANSWER_HOURS"])


def prepare(conversation: Conversation, user: User | None, now: datetime | None = None) -> str:
    """Mark the survey asked (counted, audited; the caller sends the text and commits)."""
    now = now or utcnow()
    conversation.survey_asked_at = now
    add(local_day(now), [_key(conversation, ASKED, "")])
    audit("survey_sent", user, conversation)
    return gateway_text("survey_question", conversation.language)


def take_answer(conversation: Conversation, text: str, now: datetime | None = None) -> str | None:
    """If this message answers a pending survey: count it and return the thanks to send.

    Any message ends a pending survey (no commit here: the turn commits with its replies).
    """
    asked = conversation.survey_asked_at
    if asked is None:
        return None
    now = now or utcnow()
    conversation.survey_asked_at = None
    if now - asked > answer_window() or conversation.state != ConversationState.BOT.value:
        return None
    answer = parse_answer(text)
    if answer is None:
        return None
    add(local_day(asked), [_key(conversation, "answer", answer)])
    audit("survey_answered", conversation=conversation, answer=answer)
    return gateway_text("survey_thanks", conversation.language)


def _key(conversation: Conversation, dimension: str, value: str) -> CountKey:
    return CountKey(METRIC, conversation.channel, conversation.language or "", dimension, value)
