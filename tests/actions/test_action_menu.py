"""action_menu: the menu screens, numbers, back, topic words (real content and topics data)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from actions.answers import get_content
from actions.menu import ActionMenu
from bot.understanding.topics import load_topics
from tests.actions.helpers import texts

TOPICS = load_topics()


def answer_text(topic_id: str, form: str = "en", country: str | None = None) -> str:
    topic = get_content().by_id(topic_id)
    return (topic.text(form, country) or topic.text(form)).sms


def state_of(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    found = [e["value"] for e in events if e.get("name") == "choice_state"]
    return found[-1] if found else None


async def run(tracker_factory, dispatcher, domain, intent="choose", text="", state=None,
              understanding=None, **kwargs):  # fmt: skip
    if state is not None and "at" not in state:
        state = {**state, "at": int(time.time())}  # just shown
    slots = {"choice_state": state} if state is not None else {}
    tracker = tracker_factory(intent, text, slots=slots, understanding=understanding, **kwargs)
    return await ActionMenu().run(dispatcher, tracker, domain)


@pytest.mark.asyncio
@pytest.mark.parametrize("form", ["en", "ne", "ne-Latn"])
async def test_menu_then_a_number_then_another_reaches_an_answer(
    tracker_factory, dispatcher, domain, form
):
    events = await run(tracker_factory, dispatcher, domain, intent="help", text="menu",
                       language=form)  # fmt: skip
    root = state_of(events)
    assert root["node"] == "root" and root["choices"][0] == "fees"
    assert texts(dispatcher)[0].splitlines()[1].startswith("1 ")
    events = await run(tracker_factory, dispatcher, domain, text="1", state=root,
                       understanding={"kind": "choice", "choice": 1}, language=form)  # fmt: skip
    fees = state_of(events)
    assert fees["node"] == "fees"
    second = fees["choices"][1]
    events = await run(tracker_factory, dispatcher, domain, text="2", state=fees,
                       understanding={"kind": "choice", "choice": 2}, language=form)  # fmt: skip
    assert texts(dispatcher)[-1] == answer_text(second, form)
    assert SlotSet("last_topic", second) in events
    assert state_of(events)["answered"] is True


@pytest.mark.asyncio
async def test_back_after_an_answer_shows_its_screen_and_back_again_goes_up(
    tracker_factory, dispatcher, domain
):
    fees = {"kind": "menu", "node": "fees", "choices": TOPICS.children("fees"),
            "country": None, "answered": True}  # fmt: skip
    events = await run(tracker_factory, dispatcher, domain, text="0", state=fees,
                       understanding={"kind": "back"})  # fmt: skip
    assert state_of(events)["node"] == "fees"
    events = await run(tracker_factory, dispatcher, domain, text="back",
                       state=state_of(events), understanding={"kind": "back"})  # fmt: skip
    assert state_of(events)["node"] == "root"
    permits = {"kind": "menu", "node": "going_abroad/permits", "choices": [], "answered": False}
    events = await run(tracker_factory, dispatcher, domain, text="pachadi", state=permits,
                       understanding={"kind": "back"})  # fmt: skip
    assert state_of(events)["node"] == "going_abroad"


@pytest.mark.asyncio
async def test_a_number_with_nothing_shown_picks_from_the_first_screen(
    tracker_factory, dispatcher, domain
):
    events = await run(tracker_factory, dispatcher, domain, text="१",
                       understanding={"kind": "choice", "choice": 1}, language="ne")  # fmt: skip
    assert state_of(events)["node"] == "fees"
    assert texts(dispatcher)[0].startswith("शुल्क")


@pytest.mark.asyncio
async def test_a_number_out_of_range_asks_again_and_shows_the_screen(
    tracker_factory, dispatcher, domain
):
    fees = {"kind": "menu", "node": "fees", "choices": TOPICS.children("fees"), "answered": False}
    events = await run(tracker_factory, dispatcher, domain, text="9", state=fees,
                       understanding={"kind": "choice", "choice": 9})  # fmt: skip
    assert texts(dispatcher)[0].startswith("Please reply with a number from 1 to")
    assert state_of(events)["node"] == "fees"


@pytest.mark.asyncio
async def test_a_clarification_answered_by_number_keeps_the_country(
    tracker_factory, dispatcher, domain
):
    state = {"kind": "clarify", "node": None, "choices": ["worker_costs", "free_visa_free_ticket"],
             "country": "QA", "answered": False}  # fmt: skip
    events = await run(tracker_factory, dispatcher, domain, text="2", state=state,
                       understanding={"kind": "choice", "choice": 2})  # fmt: skip
    assert texts(dispatcher) == [answer_text("free_visa_free_ticket", "en", "QA")]
    assert SlotSet("last_country", "QA") in events
    assert state_of(events) is None  # a clarification is answered once


@pytest.mark.asyncio
async def test_a_topic_word_narrows_the_pending_choices(tracker_factory, dispatcher, domain):
    state = {"kind": "clarify", "node": None, "choices": ["passport_kept", "unpaid_wages"],
             "country": None, "answered": False}  # fmt: skip
    await run(tracker_factory, dispatcher, domain, text="salary", state=state,
              understanding={"kind": "topics",
                             "topics": ["unpaid_wages", "contract_substitution"]})  # fmt: skip
    assert texts(dispatcher) == [answer_text("unpaid_wages")]


@pytest.mark.asyncio
async def test_one_word_meaning_several_topics_gets_a_numbered_choice(
    tracker_factory, dispatcher, domain
):
    found = {"kind": "topics", "topics": ["passport_kept", "contact_embassy"]}
    events = await run(tracker_factory, dispatcher, domain, text="राहदानी", understanding=found,
                       language="ne")  # fmt: skip
    assert texts(dispatcher) == ["कुन चाहिएको? नम्बर पठाउनुहोस्:\n1 राहदानी खोसियो\n2 दूतावास"]
    assert state_of(events)["choices"] == ["passport_kept", "contact_embassy"]


@pytest.mark.asyncio
async def test_one_word_meaning_one_topic_gets_the_answer_with_its_country(
    tracker_factory, dispatcher, domain
):
    await run(tracker_factory, dispatcher, domain, text="malaysia visa fee",
              understanding={"kind": "topics", "topics": ["free_visa_free_ticket"]})  # fmt: skip
    assert texts(dispatcher) == [answer_text("free_visa_free_ticket", "en", "MY")]


@pytest.mark.asyncio
async def test_a_family_word_shows_the_family_and_the_widget_gets_buttons(
    tracker_factory, dispatcher, domain
):
    await run(tracker_factory, dispatcher, domain, text="agent", channel="web",
              understanding={"kind": "node", "node": "agencies"})  # fmt: skip
    [message] = dispatcher.messages
    assert message["text"] == "Agencies"
    assert message["buttons"][-1] == {"title": "Back", "payload": "0"}


@pytest.mark.asyncio
async def test_the_gateways_language_decision_wins_over_the_slot(
    tracker_factory, dispatcher, domain
):
    await run(tracker_factory, dispatcher, domain, intent="help", text="menu", language="en",
              metadata={"language": "ne"})  # fmt: skip
    assert texts(dispatcher)[0].startswith("नम्बर पठाउनुहोस्")


@pytest.mark.asyncio
async def test_choosing_a_counsellor_from_a_clarification_opens_a_handoff(
    gateway, tracker_factory, dispatcher, domain
):
    state = {"kind": "clarify", "node": None, "choices": ["helplines", "human"], "answered": False}
    await run(tracker_factory, dispatcher, domain, text="2", state=state,
              understanding={"kind": "choice", "choice": 2})  # fmt: skip
    assert gateway.requests[0]["json"]["reason"] == "asked"


@pytest.mark.asyncio
async def test_a_number_long_after_a_screen_picks_from_the_first_screen(
    tracker_factory, dispatcher, domain
):
    old = {"kind": "menu", "node": "fees", "choices": TOPICS.children("fees"), "answered": True,
           "at": int(time.time()) - 2 * 3600}  # fmt: skip
    events = await run(tracker_factory, dispatcher, domain, text="2", state=old,
                       understanding={"kind": "choice", "choice": 2})  # fmt: skip
    assert state_of(events)["node"] == TOPICS.children("root")[1]
