from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.answers import ActionAnswer, get_content, render
from bot.knowledge.forms import FORMS
from tests.actions.helpers import texts


async def run(dispatcher, tracker, domain):
    return await ActionAnswer().run(dispatcher, tracker, domain)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("language", "channel", "expected"),
    [
        ("en", "sms", "EN SMS fees"),
        ("en", "whatsapp", "EN SMS fees"),
        ("en", "android_sms", "EN SMS fees"),
        ("ne", "sms", "NE SMS शुल्क"),
        ("ne-Latn", "whatsapp", "LATN SMS shulka"),
        ("en", None, "EN SMS fees"),  # no channel metadata: the short text
    ],
)
async def test_answer_per_form_and_sms_like_channel(
    fixture_content, tracker_factory, dispatcher, domain, language, channel, expected
):
    tracker = tracker_factory("ask_free_visa_free_ticket", language=language, channel=channel)
    events = await run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [expected]
    assert SlotSet("last_topic", "free_visa_free_ticket") in events


@pytest.mark.asyncio
async def test_web_gets_web_text_and_one_short_source_line(
    fixture_content, tracker_factory, dispatcher, domain
):
    # Two citations of one publisher: one readable name, no raw citations, no duplicates.
    tracker = tracker_factory("ask_free_visa_free_ticket", channel="web")
    await run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ["EN WEB fees, longer\n\nSource: Publisher AB"]


@pytest.mark.asyncio
async def test_web_falls_back_to_sms_text_in_the_users_form(
    fixture_content, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory("ask_free_visa_free_ticket", language="ne", channel="web")
    await run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ["NE SMS शुल्क\n\nस्रोत: प्रकाशक एबी"]


@pytest.mark.asyncio
async def test_unknown_topic_is_an_honest_no_answer(
    fixture_content, tracker_factory, dispatcher, domain
):
    events = await run(dispatcher, tracker_factory("ask_nothing_here"), domain)
    assert "do not have an answer" in texts(dispatcher)[0]
    assert events == []


@pytest.mark.asyncio
async def test_a_first_question_naming_a_country_gets_that_countrys_answer(
    fixture_content, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "ask_free_visa_free_ticket", "मलेसियामा भिसा र टिकट कसले तिर्छ", language="ne"
    )
    events = await run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ["NE SMS मलेसिया"]
    assert SlotSet("last_country", "MY") in events


@pytest.mark.asyncio
async def test_a_country_without_its_own_answer_gets_the_general_one(
    fixture_content, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory("ask_free_visa_free_ticket", "is the ticket free for japan")
    events = await run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ["EN SMS fees"]
    assert SlotSet("last_country", None) in events


@pytest.mark.asyncio
async def test_followup_country_from_entity(fixture_content, tracker_factory, dispatcher, domain):
    tracker = tracker_factory(
        "followup_country",
        "what about Malaysia?",
        slots={"last_topic": "free_visa_free_ticket"},
        entities=[{"entity": "country", "value": "Malaysia"}],
    )
    events = await run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ["EN SMS Malaysia"]
    assert SlotSet("last_country", "MY") in events


@pytest.mark.asyncio
async def test_followup_country_in_devanagari_without_entity(
    fixture_content, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "followup_country",
        "मलेसियामा नि?",
        language="ne",
        slots={"last_topic": "free_visa_free_ticket"},
    )
    await run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ["NE SMS मलेसिया"]


@pytest.mark.asyncio
async def test_followup_country_without_variant_is_honest(
    fixture_content, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "followup_country",
        "and qatar ma ni?",
        language="ne-Latn",
        slots={"last_topic": "free_visa_free_ticket"},
    )
    events = await run(dispatcher, tracker, domain)
    [reply] = texts(dispatcher)
    assert reply.startswith("Qatar ko lagi chhuttai jankari masanga chhaina")
    assert reply.endswith("LATN SMS shulka")
    assert SlotSet("last_country", None) in events


@pytest.mark.asyncio
async def test_followup_without_previous_topic(
    fixture_content, tracker_factory, dispatcher, domain
):
    # "I want to work in Malaysia" before any question: what people ask about a destination,
    # as a numbered choice answered for that country (only topics the content has)
    events = await run(
        dispatcher, tracker_factory("followup_country", "what about Malaysia?"), domain
    )
    assert texts(dispatcher) == ["Which do you mean? Reply with a number:\n1 Legal agency fee"]
    [state] = [e["value"] for e in events if e["name"] == "choice_state"]
    assert (state["choices"], state["country"]) == (["free_visa_free_ticket"], "MY")
    dispatcher.messages.clear()
    await run(dispatcher, tracker_factory("followup_country", "and there?"), domain)
    assert texts(dispatcher)[0].startswith("Which topic do you mean?")


@pytest.mark.asyncio
async def test_followup_without_country(fixture_content, tracker_factory, dispatcher, domain):
    tracker = tracker_factory(
        "followup_country", "and there?", slots={"last_topic": "medical_check"}
    )
    await run(dispatcher, tracker, domain)
    assert texts(dispatcher)[0].startswith("Which country do you mean?")


@pytest.mark.asyncio
async def test_and_in_nepali_re_renders_the_last_answer(
    fixture_content, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "switch_language",
        "and in Nepali?",
        language="ne",
        slots={"last_topic": "free_visa_free_ticket", "last_country": "MY"},
    )
    events = await run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ["NE SMS मलेसिया"]
    assert events == []


@pytest.mark.asyncio
async def test_switch_language_without_previous_answer_says_nothing_more(
    fixture_content, tracker_factory, dispatcher, domain
):
    await run(dispatcher, tracker_factory("switch_language", "EN"), domain)
    assert dispatcher.messages == []


def test_every_real_topic_renders_in_every_form_and_channel():
    content = get_content()
    assert content.topics, "data/content has no topics"
    for topic in content.topics:
        for form in FORMS:
            for channel in ("sms", "whatsapp", "android_sms", "web"):
                assert render(topic, form, channel).strip()
            for country in topic.countries:
                assert render(topic, form, "sms", country).strip()


@pytest.mark.asyncio
async def test_question_with_a_danger_runner_up_gets_emergency_numbers_first(
    fixture_content, gateway, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "ask_free_visa_free_ticket",
        "underage girls work for the agent",
        ranking=[
            {"name": "ask_free_visa_free_ticket", "confidence": 0.6},
            {"name": "danger_child", "confidence": 0.25},
        ],
    )
    events = await run(dispatcher, tracker, domain)
    shown = [m for m in dispatcher.messages if not m.get("custom")]  # reports are not shown
    assert shown[0]["response"] == "utter_emergency_child"
    assert shown[1]["text"] == "EN SMS fees"
    assert shown[2]["text"].startswith("A counsellor has your message")
    body = gateway.requests[0]["json"]
    assert (body["reason"], body["priority"], body["summary"]["intent"]) == (
        "danger",
        "urgent",
        "danger_child",
    )
    assert SlotSet("last_topic", "free_visa_free_ticket") in events
    assert SlotSet("handoff_queued", True) in events


@pytest.mark.asyncio
async def test_plain_question_opens_no_handoff(
    fixture_content, gateway, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "ask_medical_check",
        ranking=[
            {"name": "ask_medical_check", "confidence": 0.8},
            {"name": "danger_violence", "confidence": 0.05},
        ],
    )
    await run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ["EN SMS medical"]
    assert gateway.requests == []
