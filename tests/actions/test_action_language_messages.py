from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.language import ActionSetLanguage, keyword_form
from actions.messages import MESSAGES, missing_forms
from bot.safety import danger_signal, suspected_danger
from bot.sms_segments import count_segments, fits


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        ("English please", [{"entity": "language_form", "value": "en"}], "en"),
        ("and in Nepali?", [], "ne"),
        ("roman nepali please", [], "ne-Latn"),
        ("RN", [], "ne-Latn"),
        ("नेपालीमा", [], "ne"),
        ("angreji ma lekhnus", [], "en"),
    ],
)
async def test_set_language(tracker_factory, dispatcher, domain, text, entities, expected):
    tracker = tracker_factory("switch_language", text, entities=entities)
    assert await ActionSetLanguage().run(dispatcher, tracker, domain) == [
        SlotSet("language", expected)
    ]


@pytest.mark.asyncio
async def test_set_language_without_a_target_changes_nothing(tracker_factory, dispatcher, domain):
    tracker = tracker_factory("switch_language", "hmm ok")
    assert await ActionSetLanguage().run(dispatcher, tracker, domain) == []
    assert keyword_form("hmm") is None


def test_every_message_has_three_forms_and_fits_sms():
    assert missing_forms() == []
    for key, texts in MESSAGES.items():
        for form, text in texts.items():
            sample = text.format(wait="", when="", minutes=10, time="2026-11-25 09:00", country="X")
            assert fits(sample, 3), (key, form)
            if form != "ne":
                assert count_segments(sample).encoding == "GSM-7", (key, form)


@pytest.mark.parametrize(
    ("ranking", "expected"),
    [
        ([{"name": "nlu_fallback", "confidence": 0.6}, {"name": "greet", "confidence": 0.4}], None),
        ([{"name": "danger_violence", "confidence": 0.5}], "danger_violence"),
        ([{"name": "danger_violence", "confidence": 0.15}], None),
        (
            [
                {"name": "help", "confidence": 0.3},
                {"name": "danger_violence", "confidence": 0.28},
                {"name": "danger_confinement", "confidence": 0.25},
            ],
            "danger_violence",
        ),
        ([], None),
    ],
)
def test_suspected_danger(ranking, expected):
    assert suspected_danger({"intent_ranking": ranking}) == expected


@pytest.mark.parametrize(
    ("intent", "ranking", "expected"),
    [
        ("danger_child", [], "danger_child"),
        ("greet", [{"name": "danger_violence", "confidence": 0.4}], "danger_violence"),
        (
            "ask_entertainment_rights",
            [
                {"name": "ask_entertainment_rights", "confidence": 0.55},
                {"name": "danger_child", "confidence": 0.21},
            ],
            "danger_child",
        ),
        (
            "ask_entertainment_rights",
            [
                {"name": "ask_entertainment_rights", "confidence": 0.8},
                {"name": "danger_child", "confidence": 0.05},
            ],
            None,
        ),
        (
            "nlu_fallback",
            [
                {"name": "nlu_fallback", "confidence": 0.4},
                {"name": "danger_self_harm", "confidence": 0.3},
            ],
            "danger_self_harm",
        ),
        # asking for a person with danger close behind is danger (the NLU component promotes
        # it, bot/understanding/components.py): the emergency numbers, an urgent hand-off
        ("ask_human", [{"name": "danger_violence", "confidence": 0.3}], "danger_violence"),
        ("greet", [{"name": "danger_violence", "confidence": 0.05}], None),
    ],
)
def test_danger_signal(intent, ranking, expected):
    parse = {"intent": {"name": intent, "confidence": 0.5}, "intent_ranking": ranking}
    assert danger_signal(parse) == expected


@pytest.mark.asyncio
async def test_request_beats_detected_form(tracker_factory, dispatcher, domain):
    # "and in Nepali?" is detected as English text, but it asks for Nepali.
    tracker = tracker_factory(
        "switch_language", "and in Nepali?", entities=[{"entity": "language_form", "value": "en"}]
    )
    assert await ActionSetLanguage().run(dispatcher, tracker, domain) == [SlotSet("language", "ne")]
