"""action_menu: the menu, numbered choices, "back", and one- to three-word topic questions.

Intents (set by bot.understanding.components.ShortMessageRecognizer, which puts what it
recognised in the parse's ``understanding`` field):
- ``help`` ("menu", "what can you do"): the menu's first screen (data/topics.yml);
- ``choose`` with kind
  - ``choice`` (a number): the n-th choice of the screen or clarification question last
    shown (slot ``choice_state``); with nothing shown yet, the n-th entry of the first screen
    (the HELP text and the greeting point people to the menu);
  - ``back``: the screen above (after an answer, the screen it was chosen from);
  - ``node``: that screen ("fees", "agent");
  - ``topics``: the answer when one topic is meant (a word also narrows the pending choices:
    "other costs" after "1 Legal agency fee 2 Other costs ..."), else a numbered choice.
A chosen topic is answered from data/content exactly as action_answer would (same text, same
country variant: the country named in this message, or in the question being clarified).

SMS and WhatsApp get numbered text, the widget buttons (topics.render); every screen fits the
SMS budget (tests/bot/test_topics.py).
"""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import get_content, render, requested_country
from actions.context import channel_of, language_of, latest_intent
from actions.guard import SafeAction
from actions.handoff import request_handoff
from bot.understanding.topics import HUMAN, MENU, ROOT, Screen, Topics, load_topics
from bot.understanding.topics import render as render_screen

STATE_SLOT = "choice_state"
# A number means "the n-th choice just shown"; after this long it means nothing any more.
STATE_MAX_AGE_SECONDS = 3600


def available_topics() -> frozenset[str]:
    """Topics the content answers (the menu only offers these)."""
    return frozenset(topic.id for topic in get_content().topics)


def show(
    dispatcher: CollectingDispatcher,
    screen: Screen,
    form: str,
    channel: str,
    country: str | None = None,
) -> list[dict[str, Any]]:
    """Send a screen and remember what its numbers mean."""
    rendered = render_screen(screen, channel, form)
    dispatcher.utter_message(text=rendered.text, buttons=rendered.buttons or None)
    state = {
        "kind": "clarify" if screen.kind == "clarify" else "menu",
        "node": screen.node,
        "choices": [choice.target for choice in screen.choices],
        "country": country,
        "answered": False,
        "at": int(time.time()),
    }
    return [SlotSet(STATE_SLOT, state)]


def current_state(tracker: Tracker) -> dict[str, Any]:
    """What the last screen or question offered, unless it is too old to mean anything."""
    state = tracker.get_slot(STATE_SLOT)
    if not isinstance(state, dict):
        return {}
    if time.time() - float(state.get("at") or 0) > STATE_MAX_AGE_SECONDS:
        return {}
    return state


def answer_topic(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    topic_id: str,
    state: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """The content answer for a chosen topic (as action_answer gives it)."""
    form, channel = language_of(tracker), channel_of(tracker)
    topic = get_content().by_id(topic_id)
    if topic is None:  # listed in the menu data but not written yet: show the menu
        return show(dispatcher, load_topics().menu_screen(ROOT, form, available_topics()),
                    form, channel)  # fmt: skip
    country = requested_country(tracker) or (state or {}).get("country")
    country = country if country in topic.countries else None
    dispatcher.utter_message(text=render(topic, form, channel, country))
    events: list[dict[str, Any]] = [
        SlotSet("last_topic", topic.id),
        SlotSet("last_country", country),
    ]
    if state and state.get("kind") == "menu":  # "back" returns to this screen, numbers still work
        events.append(SlotSet(STATE_SLOT, {**state, "answered": True}))
    else:
        events.append(SlotSet(STATE_SLOT, None))
    return events


def offer_for_country(
    dispatcher: CollectingDispatcher, tracker: Tracker, country: str
) -> list[dict[str, Any]]:
    """A country named before any question: the topics people ask about a destination."""
    topics = load_topics()
    form, channel = language_of(tracker), channel_of(tracker)
    offer = [t for t in topics.for_a_country if t in available_topics()]
    return show(dispatcher, topics.clarify_screen(offer, form), form, channel, country)


class ActionMenu(SafeAction):
    def name(self) -> str:
        return "action_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        topics = load_topics()
        available = available_topics()
        form, channel = language_of(tracker), channel_of(tracker)
        state = current_state(tracker)
        found: dict[str, Any] = tracker.latest_message.get("understanding") or {}
        kind = found.get("kind") if latest_intent(tracker) == "choose" else None

        def screen_of(node: str) -> list[dict[str, Any]]:
            return show(dispatcher, topics.menu_screen(node, form, available), form, channel)

        if kind == "choice":
            return await self.pick(dispatcher, tracker, topics, state, int(found["choice"]))
        if kind == "back":
            node = state.get("node") if state.get("kind") == "menu" else None
            if node and state.get("answered"):
                return screen_of(node)
            parent = topics.nodes[node].parent if node in topics.nodes else None
            return screen_of(parent or ROOT)
        if kind == "node" and found.get("node") in topics.nodes:
            return screen_of(str(found["node"]))
        if kind == "topics":
            wanted = [t for t in found.get("topics") or [] if t in available]
            pending = [t for t in state.get("choices") or [] if t in wanted]
            wanted = pending or wanted
            if len(wanted) == 1:
                return answer_topic(dispatcher, tracker, wanted[0], state)
            if wanted:
                country = requested_country(tracker)
                return show(dispatcher, topics.clarify_screen(wanted, form), form, channel, country)
        return screen_of(ROOT)  # "menu", "what can you do", or nothing we can use

    async def pick(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        topics: Topics,
        state: dict[str, Any],
        number: int,
    ) -> list[dict[str, Any]]:
        form, channel = language_of(tracker), channel_of(tracker)
        available = available_topics()
        choices: list[str] = list(state.get("choices") or [])
        if not choices:  # nothing shown in this conversation yet: the menu's first screen
            state = {"kind": "menu", "node": ROOT, "answered": False, "country": None}
            choices = topics.children(ROOT, available)
            state["choices"] = choices
        if not 1 <= number <= len(choices):
            dispatcher.utter_message(text=topics.text("out_of_range", form, count=len(choices)))
            if state.get("kind") == "clarify":
                screen = topics.clarify_screen(choices, form)
                return show(dispatcher, screen, form, channel, state.get("country"))
            node = state.get("node") if state.get("node") in topics.nodes else ROOT
            return show(dispatcher, topics.menu_screen(node, form, available), form, channel)
        target = choices[number - 1]
        if target == HUMAN:
            return [SlotSet(STATE_SLOT, None)] + await request_handoff(
                dispatcher, tracker, "asked", "normal", "ask_human"
            )
        if target == MENU:
            target = ROOT
        if target in topics.nodes:
            return show(dispatcher, topics.menu_screen(target, form, available), form, channel)
        return answer_topic(dispatcher, tracker, target, state)
