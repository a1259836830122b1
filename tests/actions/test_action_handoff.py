from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions import gateway_client
from actions.gateway_client import HandoffResult, open_handoff, parse_result
from actions.handoff import ActionHandoff, reason_and_priority, status_message
from actions.settings import Settings
from tests.actions.helpers import TOKEN, texts


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("danger_trafficking", ("danger", "urgent")),
        ("danger_self_harm", ("danger", "urgent")),
        ("ask_human", ("asked", "normal")),
        ("nlu_fallback", ("bot_failed", "normal")),
    ],
)
def test_reason_and_priority(intent, expected):
    assert reason_and_priority(intent) == expected


@pytest.mark.asyncio
async def test_danger_handoff_with_gateway_on_duty(gateway, tracker_factory, dispatcher, domain):
    tracker = tracker_factory(
        "danger_confinement",
        "they locked me in",
        language="en",
        channel="whatsapp",
        slots={"last_topic": "passport_kept"},
        sender_id="conv-42",
    )
    events = await ActionHandoff().run(dispatcher, tracker, domain)

    [request] = gateway.requests
    assert request["auth"] == f"Bearer {TOKEN}"
    body = request["json"]
    assert body["conversation_id"] == "conv-42"
    assert (body["reason"], body["priority"]) == ("danger", "urgent")
    assert (body["language"], body["channel"]) == ("en", "whatsapp")
    assert body["summary"]["intent"] == "danger_confinement"
    assert body["summary"]["last_topic"] == "passport_kept"
    assert "they locked me in" not in str(body)  # the person's words never leave in a summary
    assert texts(dispatcher) == [
        "A counsellor has your message and will reply here in about 5 minutes. "
        "You can keep writing."
    ]
    assert events == [SlotSet("handoff_queued", True)]


@pytest.mark.asyncio
async def test_the_handoff_names_the_turn_the_gateway_sent(
    gateway, tracker_factory, dispatcher, domain
):
    # The gateway opens one hand-off per turn however often the action runs, and finds the
    # turns it gave up on by this id (webhooks/handoffs/service.py, turn_repair.py).
    await ActionHandoff().run(dispatcher, tracker_factory("ask_human", turn=417), domain)
    await ActionHandoff().run(dispatcher, tracker_factory("ask_human"), domain)
    with_turn, without = (request["json"] for request in gateway.requests)
    assert with_turn["turn"] == 417
    assert "turn" not in without


@pytest.mark.asyncio
async def test_asked_handoff_off_duty_in_nepali(gateway, tracker_factory, dispatcher, domain):
    gateway.reply = {
        "queued": True,
        "on_duty": False,
        "expected_wait_minutes": None,
        "available_from": "2026-11-25T09:00:00+05:45",
    }
    tracker = tracker_factory("ask_human", "मान्छेसँग कुरा गर्न", language="ne")
    await ActionHandoff().run(dispatcher, tracker, domain)
    assert gateway.requests[0]["json"]["reason"] == "asked"
    assert gateway.requests[0]["json"]["priority"] == "normal"
    [reply] = texts(dispatcher)
    assert "2026-11-25 09:00" in reply
    assert "100" in reply and "1145" in reply


@pytest.mark.asyncio
@pytest.mark.parametrize("form", ["en", "ne", "ne-Latn"])
async def test_gateway_down_gives_safe_reply(
    gateway_down, tracker_factory, dispatcher, domain, form
):
    tracker = tracker_factory("danger_violence", language=form)
    events = await ActionHandoff().run(dispatcher, tracker, domain)
    [reply] = texts(dispatcher)
    assert "1145" in reply and "100" in reply
    assert "will reply" not in reply and "जवाफ आउँछ" not in reply and "jawaf aauchha" not in reply
    assert events == []


@pytest.mark.asyncio
async def test_gateway_error_status_gives_safe_reply(gateway, tracker_factory, dispatcher, domain):
    gateway.status = 503
    gateway.reply = {"error": "unavailable"}
    events = await ActionHandoff().run(dispatcher, tracker_factory("ask_human"), domain)
    assert texts(dispatcher)[0].startswith("I could not reach a counsellor")
    assert events == []


@pytest.mark.asyncio
async def test_not_queued_is_not_a_promise(gateway, tracker_factory, dispatcher, domain):
    gateway.reply = {"queued": False, "on_duty": True}
    await ActionHandoff().run(dispatcher, tracker_factory("ask_human"), domain)
    assert texts(dispatcher)[0].startswith("I could not reach a counsellor")


@pytest.mark.asyncio
async def test_slow_gateway_times_out(gateway, monkeypatch):
    gateway.delay_s = 1.0
    settings = Settings(gateway_url=gateway.url, internal_api_token=TOKEN, gateway_timeout_s=0.2)
    result = await open_handoff("c1", "asked", "normal", "en", "sms", {}, settings=settings)
    assert result is None


@pytest.mark.asyncio
async def test_no_token_means_no_request(gateway):
    settings = Settings(gateway_url=gateway.url, internal_api_token=None)
    result = await open_handoff("c1", "asked", "normal", "en", "sms", {}, settings=settings)
    assert result is None
    assert gateway.requests == []


@pytest.mark.asyncio
async def test_bad_reason_is_a_programming_error():
    with pytest.raises(ValueError, match="reason"):
        await gateway_client.open_handoff("c1", "because", "normal", "en", "sms", {})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"queued": True, "on_duty": True, "expected_wait_minutes": 3, "available_from": None},
            HandoffResult(True, True, 3, None),
        ),
        (
            {"queued": True, "on_duty": True, "expected_wait_minutes": True},
            HandoffResult(True, True, None, None),
        ),
        ({"on_duty": True}, None),
        ([], None),
    ],
)
def test_parse_result(data, expected):
    assert parse_result(data) == expected


def test_status_message_never_promises_without_queue():
    for form in ("en", "ne", "ne-Latn"):
        assert "1145" in status_message(None, form)
        assert "1145" in status_message(HandoffResult(False, True, 1, None), form)
