"""action_fallback: what the bot does when the classifier is unsure (nlu_fallback) or the
message is out of scope.

1. Danger first: if the unsure parse still points at danger (bot.safety), the emergency
   numbers and an urgent hand-off, at once.
2. Clarify instead of giving up (bot.understanding.clarify): when the likely topics are close
   or in one family, ONE numbered question ("1 Legal agency fee 2 Other costs you pay 3
   Charged too much"); a number or a topic word answers it (actions/menu.py). Not a miss.
3. Otherwise the message could not be placed at all: a miss.
   - 1st consecutive miss: ask to rephrase, offering the MENU and a COUNSELLOR; right after
     a clarification question, the counsellor offer comes first (that question failed too).
   - 2nd consecutive miss: open a hand-off (reason bot_failed, priority normal) directly,
     without "do you want a counsellor? yes/no" first: people write from basic phones and pay
     per SMS, a yes/no round trip is one more chance to be misunderstood, and someone who
     cannot make themselves understood twice may be someone who cannot write freely. A
     counsellor closes a spam hand-off in seconds.
   Menu choices, topic words and clarification questions never count as misses.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import get_content, requested_country
from actions.context import channel_of, language_of, latest_intent
from actions.guard import SafeAction
from actions.handoff import request_handoff
from actions.menu import STATE_SLOT, available_topics, show
from actions.messages import message
from actions.reporting import report_turn
from bot.safety import FALLBACK_INTENTS, emergency_response, suspected_danger
from bot.understanding.clarify import clarification_topics
from bot.understanding.topics import load_topics


def _clarified(events: list[dict[str, Any]]) -> bool:
    """Whether a turn's bot events asked a clarification question."""
    return any(
        e.get("event") == "slot"
        and e.get("name") == STATE_SLOT
        and isinstance(e.get("value"), dict)
        and e["value"].get("kind") == "clarify"
        for e in events
    )


def consecutive_failures(events: list[dict[str, Any]]) -> int:
    """How many of the latest user messages in a row the bot could not place (this one
    included, if it is a fallback): a fallback answered by a clarification question is placed.
    """
    count = 0
    turn_events: list[dict[str, Any]] = []  # bot events after the user event looked at
    for event in reversed(events):
        if event.get("event") != "user":
            turn_events.append(event)
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name not in FALLBACK_INTENTS or _clarified(turn_events):
            break
        count += 1
        turn_events = []
    return count


def likely_topic(parse_data: dict[str, Any]) -> str | None:
    """The content topic the unsure classifier ranked highest: what the bot most likely
    failed on, so the statistics can say which content to improve."""
    content = get_content()
    for ranked in parse_data.get("intent_ranking") or []:
        topic = content.by_intent(str(ranked.get("name") or ""))
        if topic is not None:
            return topic.id
    return None


def previous_turn_clarified(events: list[dict[str, Any]]) -> bool:
    """Whether the bot's answer to the previous user message was a clarification question."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return False
    return _clarified(events[users[-2] : users[-1]])


class ActionFallback(SafeAction):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        form, channel = language_of(tracker), channel_of(tracker)
        danger = suspected_danger(tracker.latest_message)
        if danger:
            dispatcher.utter_message(response=emergency_response(danger))
            return await request_handoff(dispatcher, tracker, "danger", "urgent", danger)

        if latest_intent(tracker) == "nlu_fallback":
            content = get_content()
            offer = clarification_topics(
                tracker.latest_message.get("intent_ranking") or [],
                lambda intent: getattr(content.by_intent(intent), "id", None),
                load_topics(),
                available_topics(),
            )
            if offer:
                screen = load_topics().clarify_screen(offer, form)
                return show(dispatcher, screen, form, channel, requested_country(tracker))

        events: list[dict[str, Any]] = [SlotSet(STATE_SLOT, None)]
        misses = consecutive_failures(tracker.events)
        if misses >= 2:
            if tracker.get_slot("handoff_queued"):
                dispatcher.utter_message(text=message("fallback_again", form))
                report_turn(dispatcher, "fallback", likely_topic(tracker.latest_message))
                return events
            dispatcher.utter_message(text=message("fallback_handoff", form))
            return events + await request_handoff(
                dispatcher, tracker, "bot_failed", "normal", latest_intent(tracker)
            )
        if previous_turn_clarified(tracker.events):
            key = "fallback_after_clarify"
        elif latest_intent(tracker) == "out_of_scope":
            key = "out_of_scope_first"
        else:
            key = "fallback_first"
        dispatcher.utter_message(text=message(key, form))
        report_turn(dispatcher, "fallback", likely_topic(tracker.latest_message))
        return events
