from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.fallback import ActionFallback, consecutive_failures
from tests.actions.helpers import texts, user_event


@pytest.mark.asyncio
async def test_first_miss_asks_to_rephrase(tracker_factory, dispatcher, domain):
    events = await ActionFallback().run(dispatcher, tracker_factory("nlu_fallback", "xyz"), domain)
    assert texts(dispatcher)[0].startswith("Sorry, I did not understand")
    assert events == []


@pytest.mark.asyncio
async def test_first_out_of_scope_says_what_the_bot_does(tracker_factory, dispatcher, domain):
    tracker = tracker_factory("out_of_scope", "aaja mausam kasto chha", language="ne-Latn")
    await ActionFallback().run(dispatcher, tracker, domain)
    assert texts(dispatcher)[0].startswith("Maaf garnus, ma bidesh ma kaam")


@pytest.mark.asyncio
async def test_second_miss_hands_off_as_bot_failed(gateway, tracker_factory, dispatcher, domain):
    tracker = tracker_factory("out_of_scope", history=["greet", "nlu_fallback"], language="ne")
    events = await ActionFallback().run(dispatcher, tracker, domain)
    body = gateway.requests[0]["json"]
    assert (body["reason"], body["priority"], body["language"]) == ("bot_failed", "normal", "ne")
    intro, status = texts(dispatcher)
    assert intro.startswith("माफ गर्नुहोस्, अझै बुझिनँ")
    assert "परामर्शदातालाई तपाईंको सन्देश पुगेको छ" in status
    assert events == [SlotSet("handoff_queued", True)]


@pytest.mark.asyncio
async def test_second_miss_with_gateway_down_is_safe(
    gateway_down, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory("nlu_fallback", history=["nlu_fallback"])
    events = await ActionFallback().run(dispatcher, tracker, domain)
    assert "1145" in texts(dispatcher)[-1]
    assert events == []


@pytest.mark.asyncio
async def test_a_success_in_between_resets_the_count(tracker_factory, dispatcher, domain):
    tracker = tracker_factory("nlu_fallback", history=["nlu_fallback", "greet"])
    await ActionFallback().run(dispatcher, tracker, domain)
    assert texts(dispatcher)[0].startswith("Sorry, I did not understand")


@pytest.mark.asyncio
async def test_after_a_queued_handoff_no_second_handoff(
    gateway, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "nlu_fallback", history=["nlu_fallback", "nlu_fallback"], slots={"handoff_queued": True}
    )
    await ActionFallback().run(dispatcher, tracker, domain)
    assert gateway.requests == []
    assert "already been asked" in texts(dispatcher)[0]


@pytest.mark.asyncio
async def test_unsure_parse_pointing_at_danger_gets_emergency_help(
    gateway, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "nlu_fallback",
        "they keep me and my child",
        ranking=[
            {"name": "nlu_fallback", "confidence": 0.55},
            {"name": "danger_child", "confidence": 0.45},
            {"name": "danger_confinement", "confidence": 0.40},
        ],
    )
    await ActionFallback().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_emergency_child"
    body = gateway.requests[0]["json"]
    assert (body["reason"], body["priority"]) == ("danger", "urgent")


def test_consecutive_failures_counts_only_the_trailing_run():
    events = [
        user_event("nlu_fallback"),
        user_event("greet"),
        {"event": "bot", "text": "hi"},
        user_event("out_of_scope"),
        {"event": "action", "name": "action_fallback"},
        user_event("nlu_fallback"),
    ]
    assert consecutive_failures(events) == 2
    assert consecutive_failures([]) == 0
