"""Hand a conversation to a human counsellor (action_handoff) and tell the person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import gateway_client
from actions.context import channel_of, language_of, latest_intent, turn_of
from actions.gateway_client import HandoffResult
from actions.guard import SafeAction
from actions.messages import message
from actions.reporting import report_turn
from bot.safety import is_danger

# How a hand-off's turn counts in the statistics: "bot_failed" is the bot failing twice.
TURN_OUTCOMES = {"danger": "danger", "asked": "handoff", "bot_failed": "fallback"}


def reason_and_priority(intent: str | None) -> tuple[str, str]:
    """Danger intents are urgent; a person asking is normal; anything else is bot_failed."""
    if is_danger(intent):
        return "danger", "urgent"
    if intent == "ask_human":
        return "asked", "normal"
    return "bot_failed", "normal"


def _answered_topics(tracker: Tracker) -> list[str]:
    topics: list[str] = []
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") == "last_topic":
            value = event.get("value")
            if value and value not in topics:
                topics.append(value)
    return topics


def build_summary(tracker: Tracker, intent: str | None) -> dict[str, Any]:
    """What the counsellor sees first: slots and topics, never the person's words."""
    return {
        "intent": intent,
        "language": language_of(tracker),
        "last_topic": tracker.get_slot("last_topic"),
        "last_country": tracker.get_slot("last_country"),
        "topics": _answered_topics(tracker),
    }


def _format_time(value: str) -> str:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value[:20]


def status_message(result: HandoffResult | None, form: str) -> str:
    """The person's reply for a hand-off outcome; promises a counsellor only when queued."""
    if result is None or not result.queued:
        return message("handoff_failed", form)
    if result.on_duty:
        wait = ""
        if result.expected_wait_minutes is not None:
            wait = message("wait_minutes", form, minutes=max(1, result.expected_wait_minutes))
        return message("handoff_on_duty", form, wait=wait)
    when = ""
    if result.available_from:
        when = message("available_from", form, time=_format_time(result.available_from))
    return message("handoff_off_duty", form, when=when)


async def request_handoff(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    priority: str,
    intent: str | None = None,
) -> list[dict[str, Any]]:
    """Open the hand-off, tell the person the outcome, return the events to apply."""
    form = language_of(tracker)
    result = await gateway_client.open_handoff(
        conversation_id=tracker.sender_id,
        reason=reason,
        priority=priority,
        language=form,
        channel=channel_of(tracker),
        summary=build_summary(tracker, intent),
        turn=turn_of(tracker),
    )
    dispatcher.utter_message(text=status_message(result, form))
    report_turn(dispatcher, TURN_OUTCOMES.get(reason, "handoff"))
    queued = bool(result and result.queued)
    return [SlotSet("handoff_queued", True)] if queued else []


class ActionHandoff(SafeAction):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        reason, priority = reason_and_priority(intent)
        return await request_handoff(dispatcher, tracker, reason, priority, intent)
