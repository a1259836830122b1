from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.fallback import ActionFallback, consecutive_failures
from tests.actions.helpers import texts, user_event


@pytest.mark.asyncio
async def test_first_miss_asks_to_rephrase(tracker_factory, dispatcher, domain):
    events = await ActionFallback().run(dispatcher, tracker_factory("nlu_fallback", "xyz"), domain)
    assert texts(dispatcher)[0].startswith("Sorry, I did not understand")
    assert "MENU" in texts(dispatcher)[0] and "COUNSELLOR" in texts(dispatcher)[0]
    assert events == [SlotSet("choice_state", None)]


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
    assert events == [SlotSet("choice_state", None), SlotSet("handoff_queued", True)]


@pytest.mark.asyncio
async def test_second_miss_with_gateway_down_is_safe(
    gateway_down, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory("nlu_fallback", history=["nlu_fallback"])
    events = await ActionFallback().run(dispatcher, tracker, domain)
    assert "1145" in texts(dispatcher)[-1]
    assert events == [SlotSet("choice_state", None)]


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


FEE_RANKING = [
    {"name": "nlu_fallback", "confidence": 0.5},
    {"name": "ask_worker_costs", "confidence": 0.38},
    {"name": "ask_overcharged", "confidence": 0.14},
    {"name": "ask_free_visa_free_ticket", "confidence": 0.12},
    {"name": "greet", "confidence": 0.05},
]


def clarify_event(choices, country=None):
    state = {"kind": "clarify", "node": None, "choices": choices, "country": country,
             "answered": False}  # fmt: skip
    return {"event": "slot", "name": "choice_state", "value": state}


@pytest.mark.asyncio
async def test_an_unsure_fee_question_gets_one_numbered_question_not_a_miss(
    gateway, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "nlu_fallback", "how much should I pay the agency to go to Qatar?", ranking=FEE_RANKING
    )
    events = await ActionFallback().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [
        "Which do you mean? Reply with a number:\n1 Other costs you pay\n2 Charged too much\n"
        "3 Legal agency fee"
    ]
    [state] = [e["value"] for e in events if e["name"] == "choice_state"]
    assert state["kind"] == "clarify" and state["country"] == "QA"
    assert state["choices"] == ["worker_costs", "overcharged", "free_visa_free_ticket"]
    assert gateway.requests == []


@pytest.mark.asyncio
async def test_the_widget_gets_the_question_as_buttons(tracker_factory, dispatcher, domain):
    tracker = tracker_factory("nlu_fallback", "fees?", ranking=FEE_RANKING, channel="web",
                              language="ne")  # fmt: skip
    await ActionFallback().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["text"] == "कुन चाहिएको?"
    assert [b["payload"] for b in message["buttons"]] == ["1", "2", "3"]
    assert message["buttons"][0]["title"] == "आफैँ तिर्ने खर्च"


@pytest.mark.asyncio
async def test_out_of_scope_is_never_clarified(tracker_factory, dispatcher, domain):
    ranking = [{"name": "out_of_scope", "confidence": 0.7}, *FEE_RANKING[1:]]
    tracker = tracker_factory("out_of_scope", "who won the match", ranking=ranking)
    await ActionFallback().run(dispatcher, tracker, domain)
    assert texts(dispatcher)[0].startswith("Sorry, I can only help")


@pytest.mark.asyncio
async def test_a_clarified_message_is_not_a_miss(gateway, tracker_factory, dispatcher, domain):
    history = [user_event("nlu_fallback"), clarify_event(["worker_costs", "overcharged"])]
    tracker = tracker_factory("nlu_fallback", "hmm", events=history)
    await ActionFallback().run(dispatcher, tracker, domain)
    assert gateway.requests == []  # one miss, not two
    # ... but the clarification failed too: the counsellor offer comes first
    assert texts(dispatcher)[0].startswith(
        "Sorry, I still could not find your topic. Send COUNSELLOR"
    )


@pytest.mark.asyncio
async def test_two_unplaceable_messages_after_a_clarification_bring_a_counsellor(
    gateway, tracker_factory, dispatcher, domain
):
    history = [
        user_event("nlu_fallback"),
        clarify_event(["worker_costs", "overcharged"]),
        user_event("nlu_fallback"),
        {"event": "slot", "name": "choice_state", "value": None},
    ]
    tracker = tracker_factory("nlu_fallback", "hmm hmm", events=history)
    await ActionFallback().run(dispatcher, tracker, domain)
    assert gateway.requests[0]["json"]["reason"] == "bot_failed"


def test_counting_stops_at_a_clarified_fallback():
    events = [
        user_event("nlu_fallback"),
        user_event("nlu_fallback"),
        clarify_event(["insurance"]),
        user_event("nlu_fallback"),
    ]
    assert consecutive_failures(events) == 1
