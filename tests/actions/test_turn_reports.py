"""Each action reports what the turn did (bot/turn_report.py), for the gateway's statistics:
the outcome, and the content topic when there is one. Never shown to the person."""

from __future__ import annotations

import pytest

from actions.answers import ActionAnswer
from actions.fallback import ActionFallback
from actions.handoff import ActionHandoff
from bot.turn_report import OUTCOMES
from tests.actions.helpers import reports, texts


@pytest.mark.asyncio
async def test_an_answer_reports_its_topic(fixture_content, tracker_factory, dispatcher, domain):
    await ActionAnswer().run(dispatcher, tracker_factory("ask_free_visa_free_ticket"), domain)
    assert reports(dispatcher) == [{"outcome": "answer", "topic": "free_visa_free_ticket"}]
    assert texts(dispatcher) == ["EN SMS fees"]  # the report is not a text


@pytest.mark.asyncio
async def test_a_miss_reports_the_topic_the_bot_most_likely_failed_on(
    fixture_content, tracker_factory, dispatcher, domain
):
    # the topic is too weak to offer in a clarification question (clarify.MIN_TOP): a miss
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "greet", "confidence": 0.4},
        {"name": "ask_medical_check", "confidence": 0.1},
    ]
    tracker = tracker_factory("nlu_fallback", "medikal kaha garne", ranking=ranking)
    await ActionFallback().run(dispatcher, tracker, domain)
    assert reports(dispatcher) == [{"outcome": "fallback", "topic": "medical_check"}]


@pytest.mark.asyncio
async def test_a_miss_with_no_topic_in_sight_reports_none(
    fixture_content, tracker_factory, dispatcher, domain
):
    await ActionFallback().run(dispatcher, tracker_factory("out_of_scope", "weather?"), domain)
    assert reports(dispatcher) == [{"outcome": "fallback"}]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("intent", "history", "outcome"),
    [
        ("ask_human", [], "handoff"),
        ("danger_confinement", [], "danger"),
        ("nlu_fallback", ["nlu_fallback"], "fallback"),  # the second miss: bot_failed
    ],
)
async def test_handoffs_report_why(
    gateway, fixture_content, tracker_factory, dispatcher, domain, intent, history, outcome
):
    action = ActionFallback() if intent == "nlu_fallback" else ActionHandoff()
    await action.run(dispatcher, tracker_factory(intent, history=history), domain)
    assert [r["outcome"] for r in reports(dispatcher)] == [outcome]
    assert outcome in OUTCOMES
