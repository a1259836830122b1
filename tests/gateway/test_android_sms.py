"""SMS Gateway for Android, driven by fakes that behave like the app (tests/support).

The app's webhook sender gives up after 5 s and retries anything but 2xx with the same event
id; its send API answers 409 to an id it already has; it reports delivery once per SMS part,
in any order. The gateway runs over real HTTP here so that the 5 s limit is real.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.support.fake_sms_gateway import (
    FakePhoneApi,
    FakePhoneWebhooks,
    running_fake_phone,
    serving,
)
from webhooks.channels.android_sms import expected_signature
from webhooks.extensions import db
from webhooks.models import Contact, Direction, Message, MessageStatus
from webhooks.outbound.delivery import BACKOFF
from webhooks.services import init_services, services
from webhooks.worker import answer_pending

KEY = "android-signing-key"
PATH = "/webhooks/android-sms"
PERSON = "9800000041"  # as the phone reports a local sender
PERSON_E164 = "+9779800000041"


@pytest.fixture
def phone() -> Iterator[FakePhoneApi]:
    with running_fake_phone() as fake:
        yield fake


@pytest.fixture
def android_app(app, fake_bot, phone):
    app.config.update(
        ANDROID_SMS_SIGNING_KEY=KEY, ANDROID_SMS_SEND_URL=phone.url,
        ANDROID_SMS_USERNAME="sms", ANDROID_SMS_PASSWORD="secret",
    )  # fmt: skip
    init_services(app, bot=fake_bot)
    return app


@pytest.fixture
def app_webhooks(android_app) -> Iterator[FakePhoneWebhooks]:
    with serving(android_app) as url:
        yield FakePhoneWebhooks(url + PATH, KEY)


def post(client, body: dict | bytes, key: str = KEY, timestamp: int | None = None):
    """One signed post through Flask's test client (for the checks that need no timing)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    headers = {"X-Timestamp": stamp, "X-Signature": expected_signature(key, raw, stamp)}
    return client.post(PATH, data=raw, headers={"Content-Type": "application/json", **headers})


def inbound() -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).filter_by(direction=Direction.INBOUND.value)))


def replies() -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).filter_by(direction=Direction.OUTBOUND.value)))


def answer_one_sms(app_webhooks: FakePhoneWebhooks, text: str = "namaste") -> Message:
    assert app_webhooks.post(app_webhooks.received(text, PERSON)) == 200
    answer_pending()
    [reply] = replies()
    return reply


# --- sms:received: acknowledged at once, answered by the worker ----------------------------


def test_a_received_sms_is_acknowledged_at_once_and_answered_by_the_worker(
    app_webhooks, fake_bot, phone
):
    fake_bot.replies = ["नमस्ते! म सहयात्री हुँ।"]
    fake_bot.delay_s = 6  # slower than the app waits: a turn inside the webhook would time out
    assert app_webhooks.post(app_webhooks.received("नमस्ते", PERSON)) == 200
    assert fake_bot.received == [] and phone.sent == []
    [message] = inbound()
    assert message.status == MessageStatus.PENDING.value

    fake_bot.delay_s = 0
    assert answer_pending() == 1
    [(_conversation, text, metadata)] = fake_bot.received
    assert text == "नमस्ते"
    assert metadata["channel"] == "android_sms" and metadata["turn"] == message.id
    [sent] = phone.sent
    assert sent["phoneNumbers"] == [PERSON_E164]  # a local sender number, normalised to E.164
    assert sent["textMessage"] == {"text": "नमस्ते! म सहयात्री हुँ।"}
    assert phone.auth[0] == "Basic " + base64.b64encode(b"sms:secret").decode()
    [reply] = replies()
    assert reply.status == MessageStatus.SENT.value and reply.provider_id == sent["id"]
    assert [m.status for m in inbound()] == [MessageStatus.ANSWERED.value]


def test_a_retried_event_is_one_turn_and_one_reply(app_webhooks, fake_bot, phone):
    event = app_webhooks.received("hello", PERSON)
    assert app_webhooks.post(event) == 200
    assert app_webhooks.post(event) == 200  # the app's retry: same event id
    answer_pending()
    assert app_webhooks.post(event) == 200  # and once more after the turn
    answer_pending()
    assert len(fake_bot.received) == 1
    assert len(phone.sent) == 1
    assert len(inbound()) == 1


def test_messages_are_answered_in_the_order_they_arrived(app_webhooks, fake_bot):
    for text in ("first", "second", "third"):
        app_webhooks.post(app_webhooks.received(text, PERSON))
    assert answer_pending() == 3
    assert [text for _, text, _ in fake_bot.received] == ["first", "second", "third"]


@pytest.mark.parametrize("field", ["sender", "phoneNumber"])
def test_sender_and_the_deprecated_phone_number_field_are_both_read(
    android_app, client, fake_bot, field
):
    # Received payloads carry "sender"; "phoneNumber" is deprecated but still sent, and is
    # all that older app versions send (payload/MessageEventPayload.kt).
    event = FakePhoneWebhooks("", KEY).received("namaste", PERSON)
    del event["payload"]["phoneNumber" if field == "sender" else "sender"]
    assert post(client, event).get_json()["queued"] is True
    answer_pending()
    [contact] = db.session.scalars(select(Contact)).all()
    assert services().vault.decrypt(contact.address_encrypted) == PERSON_E164


@pytest.mark.parametrize(
    ("sender", "text", "reason"),
    [
        ("NTC", "Recharge now and get 20% bonus", "sender is not a phone number"),
        ("Ncell", "Your balance is low", "sender is not a phone number"),
        (PERSON, "", "empty message"),
        (PERSON, "   \n", "empty message"),
    ],
)
def test_authentic_events_we_cannot_use_get_200_with_a_reason(
    app_webhooks, fake_bot, sender, text, reason
):
    event = app_webhooks.received(text, sender)
    assert app_webhooks.post(event) == 200
    assert app_webhooks.last_answer == {"ok": True, "ignored": reason}
    assert app_webhooks.queue == []  # a 4xx would be retried by the app for days
    assert inbound() == [] and fake_bot.received == []


def received_json(**fields) -> bytes:
    return json.dumps({"event": "sms:received", "id": "e1", **fields}).encode()


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"not json", "JSON"),
        (json.dumps({"event": "sms:received"}).encode(), "payload"),
        (received_json(id="", payload={"message": "hi", "sender": PERSON}), "id"),
        (received_json(payload={"message": "hi"}), "payload.sender"),
    ],
)
def test_malformed_events_are_a_clear_400(android_app, client, body, needle):
    response = post(client, body)
    assert response.status_code == 400
    assert needle in response.get_json()["error"]


@pytest.mark.parametrize(
    "tamper",
    ["no-signature", "wrong-key", "stale", "future", "body-changed", "no-timestamp"],
)
def test_unsigned_or_tampered_webhooks_are_refused(android_app, client, fake_bot, tamper):
    raw = json.dumps(FakePhoneWebhooks("", KEY).received("namaste", PERSON)).encode()
    now = int(time.time())
    if tamper == "no-signature":
        response = client.post(PATH, data=raw, headers={"X-Timestamp": str(now)})
    elif tamper == "no-timestamp":
        response = client.post(PATH, data=raw, headers={"X-Signature": "00"})
    elif tamper == "wrong-key":
        response = post(client, raw, key="other")
    elif tamper == "stale":
        response = post(client, raw, timestamp=now - 3600)
    elif tamper == "future":
        response = post(client, raw, timestamp=now + 3600)
    else:
        stamp = str(now)
        signature = expected_signature(KEY, raw, stamp)
        headers = {"X-Timestamp": stamp, "X-Signature": signature}
        response = client.post(PATH, data=raw.replace(b"namaste", b"hello!!"), headers=headers)
    assert response.status_code == 403
    assert inbound() == []


def test_without_a_signing_key_the_channel_is_closed(app, client):
    assert post(client, FakePhoneWebhooks("", KEY).received("hi", PERSON)).status_code == 403


def test_stop_works_the_same_as_on_twilio(app_webhooks, fake_bot, phone):
    app_webhooks.post(app_webhooks.received("STOP", PERSON))
    app_webhooks.post(app_webhooks.received("are you there", PERSON))
    answer_pending()
    assert fake_bot.received == []
    assert db.session.scalar(select(Contact.opted_out)) is True
    assert len(phone.sent) == 1 and "START" in phone.sent[0]["textMessage"]["text"]


def test_pings_are_acknowledged(android_app, client):
    ping = {"event": "system:ping", "id": "p1", "payload": {"health": {"status": "pass"}}}
    assert post(client, ping).get_json() == {"ok": True, "ignored": "system:ping"}


# --- sending: our id, 409, retries ---------------------------------------------------------


def test_a_send_whose_answer_was_lost_is_accepted_on_the_retry_409(app_webhooks, phone):
    phone.drop_answers = 1  # the phone takes the SMS; our POST never hears back
    reply = answer_one_sms(app_webhooks)
    assert reply.status == MessageStatus.QUEUED.value and "unreachable" in reply.last_error
    assert reply.provider_id == f"sahayatri-{reply.id}"  # stored before the call
    services().outbox.retry_due(reply.next_attempt_at)
    db.session.refresh(reply)
    assert phone.conflicts == 1  # "Message with the same ID already exists"
    assert reply.status == MessageStatus.SENT.value  # accepted the first time, not failed
    assert len(phone.sent) == 1


def test_receipts_for_a_send_whose_answer_was_lost_find_the_message(app_webhooks, phone):
    phone.drop_answers = 1
    reply = answer_one_sms(app_webhooks)
    reference = f"sahayatri-{reply.id}"
    for event in app_webhooks.delivery_report(reference, parts=1):
        assert app_webhooks.post(event) == 200
    db.session.refresh(reply)
    assert reply.status == MessageStatus.DELIVERED.value
    services().outbox.retry_due(reply.created_at + BACKOFF[-1] * 2)
    assert phone.posts == 1  # no second send of a delivered message


def test_a_phone_that_is_offline_is_retried_and_visible(app_webhooks, phone):
    phone.fail_with = 503
    reply = answer_one_sms(app_webhooks)
    assert reply.status == MessageStatus.QUEUED.value
    assert "503" in reply.last_error and reply.next_attempt_at is not None
    phone.fail_with = None
    services().outbox.retry_due(reply.next_attempt_at)
    db.session.refresh(reply)
    assert reply.status == MessageStatus.SENT.value
    assert len(phone.sent) == 1


# --- delivery reports: per part, out of order, failed stays failed -------------------------


def two_part_reply(app_webhooks: FakePhoneWebhooks, fake_bot) -> Message:
    fake_bot.replies = ["Keep every receipt the agency gives you. " * 5]  # 205 GSM-7: 2 parts
    reply = answer_one_sms(app_webhooks)
    assert reply.sms_segments == 2
    return reply


def report(app_webhooks: FakePhoneWebhooks, reply: Message, events: list[dict]) -> str:
    for event in events:
        assert app_webhooks.post(event) == 200
    db.session.refresh(reply)
    return reply.status


def test_delivered_only_when_every_part_is_reported(app_webhooks, fake_bot):
    reply = two_part_reply(app_webhooks, fake_bot)
    sent, first, second = app_webhooks.delivery_report(reply.provider_id, parts=2)
    assert report(app_webhooks, reply, [sent, first]) == MessageStatus.SENT.value
    assert report(app_webhooks, reply, [first]) == MessageStatus.SENT.value  # a retry: once
    assert report(app_webhooks, reply, [second]) == MessageStatus.DELIVERED.value


def test_parts_reported_before_the_part_count_use_our_own_count(app_webhooks, fake_bot):
    reply = two_part_reply(app_webhooks, fake_bot)
    sent, first, second = app_webhooks.delivery_report(reply.provider_id, parts=2)
    assert report(app_webhooks, reply, [first]) == MessageStatus.SENT.value
    assert report(app_webhooks, reply, [second]) == MessageStatus.DELIVERED.value
    assert (
        report(app_webhooks, reply, [sent]) == MessageStatus.DELIVERED.value
    )  # late: no step back


def test_the_phones_part_count_wins_over_ours(app_webhooks, fake_bot):
    reply = two_part_reply(app_webhooks, fake_bot)
    sent, first, second, third = app_webhooks.delivery_report(reply.provider_id, parts=3)
    assert report(app_webhooks, reply, [sent, first, second]) == MessageStatus.SENT.value
    assert report(app_webhooks, reply, [third]) == MessageStatus.DELIVERED.value


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (0, 3, 1, 2), (3, 2, 1, 0), (1, 3, 0, 2)])
def test_failed_stays_failed_in_any_order(app_webhooks, fake_bot, order):
    # The app marks a recipient failed for good (MessagesDao.kt: ... state <> 'Failed') but
    # still emits the other parts' sms:delivered.
    reply = two_part_reply(app_webhooks, fake_bot)
    events = app_webhooks.delivery_report(reply.provider_id, parts=2, failed=True)
    events = [events[i] for i in order]
    assert report(app_webhooks, reply, events) == MessageStatus.FAILED.value
    assert "RESULT_ERROR_NO_SERVICE" in reply.last_error


def test_a_failure_we_recorded_yields_to_the_phones_receipts(app_webhooks, phone):
    phone.fail_with = 503
    reply = answer_one_sms(app_webhooks)
    for _ in BACKOFF:  # we give up: the phone looked unreachable every time
        services().outbox.retry_due(reply.next_attempt_at)
        db.session.refresh(reply)
    assert reply.status == MessageStatus.FAILED.value
    events = app_webhooks.delivery_report(reply.provider_id, parts=1)
    assert report(app_webhooks, reply, events) == MessageStatus.DELIVERED.value


def test_reports_for_unknown_messages_are_acknowledged(app_webhooks):
    [sent] = app_webhooks.delivery_report("not-ours", parts=1, delivered=0)
    assert app_webhooks.post(sent) == 200
    assert app_webhooks.queue == []
