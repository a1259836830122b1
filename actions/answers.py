"""Answer knowledge questions from data/content (action_answer), and follow-ups.

- ``ask_<topic>``: the content topic whose ``intent`` is that intent, in the person's form
  (preceded by the emergency numbers, and followed by an urgent hand-off, when the ranking
  also points at danger: see bot.safety.danger_signal).
- ``followup_country`` ("what about Malaysia?"): the last topic's variant for that country,
  or an honest "no country-specific answer" plus the general answer.
- ``switch_language`` ("and in Nepali?"): the last answer again, in the new form.
Web gets the longer text and a short source line; SMS-like channels get the SMS text only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import channel_of, language_of, latest_entity, latest_intent, latest_text
from actions.guard import SafeAction
from actions.handoff import request_handoff
from actions.messages import message
from actions.reporting import report_turn
from actions.settings import get_settings
from bot.knowledge.content import Content, Topic, load_content
from bot.knowledge.countries import canonical_country, country_name, find_country
from bot.knowledge.forms import EN
from bot.knowledge.project import is_knowledge_intent
from bot.knowledge.source_names import NAMES_FILE, reader_names
from bot.safety import danger_signal, emergency_response


@lru_cache(maxsize=4)
def _load(content_dir: str) -> Content:
    return load_content(content_dir)


def get_content(content_dir: Path | None = None) -> Content:
    """The answer content, loaded once per directory on first use."""
    return _load(str(content_dir or get_settings().content_dir))


def render(topic: Topic, form: str, channel: str, country: str | None = None) -> str:
    """The text to send for ``topic`` (in ``form``; English if that form is missing)."""
    text = topic.text(form, country) or topic.text(EN, country)
    if text is None:  # no such country variant: caller handles it, but stay safe
        text = topic.text(form) or topic.answer[EN]
    body = text.for_channel(channel)
    # Web: one short source line in the person's form (full citations: catalogue, console).
    names = reader_names(topic.sources, form, get_settings().content_dir / NAMES_FILE)
    if channel == "web" and names:
        body += f"\n\n{message('source_label', form)}: {', '.join(names)}"
    return body


def requested_country(tracker: Tracker) -> str | None:
    return canonical_country(latest_entity(tracker, "country")) or find_country(
        latest_text(tracker)
    )


class ActionAnswer(SafeAction):
    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker) or ""
        form, channel = language_of(tracker), channel_of(tracker)
        content = get_content()

        if is_knowledge_intent(intent):
            # Danger first: a question that also reads like danger gets the emergency numbers
            # before the answer, and an urgent hand-off after it.
            danger = danger_signal(tracker.latest_message)
            if danger:
                dispatcher.utter_message(response=emergency_response(danger))
            topic = content.by_intent(intent)
            events: list[dict[str, Any]] = []
            if topic is None:
                dispatcher.utter_message(text=message("no_answer", form))
                report_turn(dispatcher, "fallback")
            else:
                # "fees for qatar", "कतारमा दूतावास": the country's own answer when there is one.
                country = requested_country(tracker)
                country = country if country in topic.countries else None
                dispatcher.utter_message(text=render(topic, form, channel, country))
                report_turn(dispatcher, "answer", topic.id)
                events = [SlotSet("last_topic", topic.id), SlotSet("last_country", country)]
            if danger:
                events += await request_handoff(dispatcher, tracker, "danger", "urgent", danger)
            return events

        last = content.by_id(tracker.get_slot("last_topic") or "")
        if intent == "followup_country":
            country = requested_country(tracker)
            if last is None and country is not None:
                # "I want to work in Malaysia": a numbered choice of what to know about it
                from actions.menu import offer_for_country

                return offer_for_country(dispatcher, tracker, country)
            if last is None:
                dispatcher.utter_message(text=message("followup_no_topic", form))
                return []
            if country is None:
                dispatcher.utter_message(text=message("followup_no_country", form))
                return []
            report_turn(dispatcher, "answer", last.id)
            if country in last.countries:
                dispatcher.utter_message(text=render(last, form, channel, country))
                return [SlotSet("last_country", country)]
            intro = message("no_country_variant", form, country=country_name(country, form))
            dispatcher.utter_message(text=f"{intro}\n{render(last, form, channel)}")
            return [SlotSet("last_country", None)]

        # switch_language (and any other caller): repeat the last answer, if there is one.
        if last is not None:
            country = tracker.get_slot("last_country")
            country = country if country in last.countries else None
            dispatcher.utter_message(text=render(last, form, channel, country))
        return []
