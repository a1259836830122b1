"""The bot's outcome for each message it was given, per topic family (what the bot fails on,
so content can be improved): answer, clarification, fallback, danger, hand-off, …
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.turn_report import UNANSWERED, TurnReport
from webhooks.models import Conversation
from webhooks.reports.counts import CountKey, add, local_day
from webhooks.reports.screens import recognise
from webhooks.reports.topic_families import families

METRIC = "bot_turns"


def record_turn(
    conversation: Conversation,
    report: TurnReport | None,
    now: datetime,
    replies: Sequence[str] = (),
) -> None:
    """Count one bot turn (no commit). Without a report from the actions, a menu or
    clarification screen is recognised in the replies (screens.py); else ``other``."""
    report = report or recognise(list(replies))
    outcome = report.outcome if report else "other"
    family = (report.family or families().family_of(report.topic)) if report else ""
    _count(conversation, family, outcome, now)


def record_unanswered(conversation: Conversation, now: datetime) -> None:
    """The bot could not be reached, or answered nothing: the person got the safe reply."""
    _count(conversation, "", UNANSWERED, now)


def _count(conversation: Conversation, family: str, outcome: str, now: datetime) -> None:
    key = CountKey(METRIC, conversation.channel, conversation.language or "", family, outcome)
    add(local_day(now), [key])
