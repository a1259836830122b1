"""action_fallback: the two-stage answer to messages the bot did not understand.

1st consecutive miss (nlu_fallback or out_of_scope): ask to rephrase, point to HELP.
2nd consecutive miss: open a hand-off (reason bot_failed, priority normal) directly, without
asking "do you want a counsellor? yes/no" first. Why directly: people write from basic
phones and pay per SMS; a yes/no round trip costs another message and another chance to be
misunderstood ("ho", "hunchha", "la", "ok" ...), and someone who cannot make themselves
understood twice may be someone who cannot write freely. A counsellor closes a spam hand-off
in seconds. The gateway answer decides what we promise (see actions.handoff).
Later misses after a queued hand-off just say a counsellor has been asked.

Before any of that: if the unsure parse still points at danger (actions.safety), the person
gets the emergency numbers and an urgent hand-off at once.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import get_content
from actions.context import language_of, latest_intent
from actions.handoff import request_handoff
from actions.messages import message
from actions.reporting import report_turn
from actions.safety import FALLBACK_INTENTS, emergency_response, suspected_danger


def consecutive_failures(events: list[dict[str, Any]]) -> int:
    """How many of the latest user messages in a row were not understood."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name not in FALLBACK_INTENTS:
            break
        count += 1
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


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        form = language_of(tracker)
        danger = suspected_danger(tracker.latest_message)
        if danger:
            dispatcher.utter_message(response=emergency_response(danger))
            return await request_handoff(dispatcher, tracker, "danger", "urgent", danger)

        misses = consecutive_failures(tracker.events)
        if misses >= 2:
            if tracker.get_slot("handoff_queued"):
                dispatcher.utter_message(text=message("fallback_again", form))
                report_turn(dispatcher, "fallback", likely_topic(tracker.latest_message))
                return []
            dispatcher.utter_message(text=message("fallback_handoff", form))
            return await request_handoff(
                dispatcher, tracker, "bot_failed", "normal", latest_intent(tracker)
            )
        key = "out_of_scope_first" if latest_intent(tracker) == "out_of_scope" else "fallback_first"
        dispatcher.utter_message(text=message(key, form))
        report_turn(dispatcher, "fallback", likely_topic(tracker.latest_message))
        return []
