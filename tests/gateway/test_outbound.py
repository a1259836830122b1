"""Counsellor replies through Twilio's REST API (a local fake), retries and receipts."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from tests.gateway.support import AUTH_TOKEN, PUBLIC_BASE_URL, sign
from webhooks.extensions import db
from webhooks.models import Conversation, Message, MessageStatus, utcnow
from webhooks.outbound.delivery import BACKOFF, OutsideWindowError
from webhooks.services import services


def conversation_from(twilio, sender: str = "+9779800000031") -> Conversation:
    twilio.post("hello", sender=sender)
    return db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()


def test_a_reply_goes_out_through_twilio_to_the_person(twilio, fake_twilio):
    conversation = conversation_from(twilio)
    [message] = services().outbox.queue(conversation, "नमस्ते, म परामर्शदाता हुँ।")
    [sent] = fake_twilio.sent
    assert sent["To"] == "+9779800000031"
    assert sent["From"] == "+15005550006"
    assert sent["Body"] == "नमस्ते, म परामर्शदाता हुँ।"
    # Our reference rides in the callback URL: receipts find the message without the SID.
    assert sent["StatusCallback"] == (
        f"{PUBLIC_BASE_URL}/webhooks/twilio/status?ref=sahayatri-{message.id}"
    )
    assert message.status == MessageStatus.SENT.value
    assert message.provider_id == sent["sid"]
    assert (message.sms_encoding, message.sms_segments) == ("UCS-2", 1)


def test_whatsapp_replies_use_whatsapp_addresses(twilio, fake_twilio):
    conversation = conversation_from(twilio, sender="whatsapp:+9779800000032")
    services().outbox.queue(conversation, "hello")
    assert fake_twilio.sent[0]["To"] == "whatsapp:+9779800000032"
    assert fake_twilio.sent[0]["From"] == "whatsapp:+15005550006"


def test_a_whatsapp_sender_configured_without_its_prefix_gets_it(app, twilio, fake_twilio):
    # A bare From with a whatsapp: To is refused by Twilio (error 21910).
    app.config["TWILIO_WHATSAPP_FROM"] = "+15005550006"
    from webhooks.services import init_services

    init_services(app, bot=services().bot)
    conversation = conversation_from(twilio, sender="whatsapp:+9779800000034")
    services().outbox.queue(conversation, "hello")
    assert fake_twilio.sent[0]["From"] == "whatsapp:+15005550006"


def test_whatsapp_refuses_free_text_after_24_hours(twilio, fake_twilio):
    conversation = conversation_from(twilio, sender="whatsapp:+9779800000033")
    conversation.last_inbound_at = utcnow() - timedelta(hours=24, minutes=1)
    db.session.commit()
    with pytest.raises(OutsideWindowError, match="template"):
        services().outbox.queue(conversation, "hello again")
    assert fake_twilio.sent == []
    assert db.session.scalar(select(Message).filter_by(body="hello again")) is None


def test_sms_has_no_window(twilio, fake_twilio):
    conversation = conversation_from(twilio)
    conversation.last_inbound_at = utcnow() - timedelta(days=3)
    db.session.commit()
    services().outbox.queue(conversation, "checking in")
    assert len(fake_twilio.sent) == 1


def test_a_provider_outage_is_retried_with_backoff_until_it_works(twilio, fake_twilio):
    conversation = conversation_from(twilio)
    fake_twilio.fail_with = 503
    [message] = services().outbox.queue(conversation, "are you safe?")
    assert message.status == MessageStatus.QUEUED.value
    assert message.attempts == 1 and "30001" in message.last_error
    first_retry = message.next_attempt_at
    assert first_retry - utcnow() <= BACKOFF[0]
    assert services().outbox.retry_due(utcnow()) == 0  # not due yet
    services().outbox.retry_due(first_retry)
    assert message.attempts == 2 and message.next_attempt_at - first_retry >= BACKOFF[1] / 2
    fake_twilio.fail_with = None
    services().outbox.retry_due(message.next_attempt_at)
    assert message.status == MessageStatus.SENT.value and message.last_error is None
    assert [sent["Body"] for sent in fake_twilio.sent] == ["are you safe?"]


def test_a_permanent_error_fails_at_once_and_is_visible(twilio, fake_twilio):
    conversation = conversation_from(twilio)
    fake_twilio.fail_with = 400
    [message] = services().outbox.queue(conversation, "hello")
    assert message.status == MessageStatus.FAILED.value
    assert message.last_error and message.next_attempt_at is None


def test_retries_give_up_after_the_last_backoff(twilio, fake_twilio):
    conversation = conversation_from(twilio)
    fake_twilio.fail_with = 500
    [message] = services().outbox.queue(conversation, "hello")
    for _ in BACKOFF:
        services().outbox.retry_due(message.next_attempt_at)
    assert message.status == MessageStatus.FAILED.value
    assert message.attempts == len(BACKOFF) + 1


def test_an_unreachable_provider_is_retryable(app, twilio):
    app.config["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9"
    from webhooks.services import init_services

    init_services(app, bot=services().bot)
    [message] = services().outbox.queue(conversation_from(twilio), "hello")
    assert message.status == MessageStatus.QUEUED.value
    assert "unreachable" in message.last_error


def status_post(client, form: dict[str, str], signed: bool = True):
    headers = {"X-Twilio-Signature": sign(form, "/webhooks/twilio/status")} if signed else {}
    return client.post("/webhooks/twilio/status", data=form, headers=headers)


def callback(client, sent: dict[str, str], status: str, **extra: str):
    """Twilio's status callback: to the exact StatusCallback URL it was given, signed over it."""
    url = sent["StatusCallback"]
    form = {"MessageSid": sent["sid"], "MessageStatus": status, "AccountSid": "AC" + "0" * 32,
            **extra}  # fmt: skip
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    parts = urlsplit(url)
    return client.post(f"{parts.path}?{parts.query}", data=form,
                       headers={"X-Twilio-Signature": signature})  # fmt: skip


def statuses_after(client, twilio, fake_twilio, *statuses: str) -> str:
    [message] = services().outbox.queue(conversation_from(twilio), "hello")
    [sent] = fake_twilio.sent
    for status in statuses:
        assert callback(client, sent, status, ErrorCode="30003").status_code in (202, 204)
    db.session.refresh(message)
    return message.status


@pytest.mark.parametrize(
    ("statuses", "final"),
    [
        (("sent", "delivered"), "delivered"),
        (("delivered", "sent"), "delivered"),  # reordered: never backwards
        (("delivered", "sending", "queued"), "delivered"),
        (("sent", "partially_delivered"), "sent"),  # not every part
        (("undelivered", "delivered"), "failed"),  # failed stays failed...
        (("failed", "sent", "delivered"), "failed"),
        (("delivered", "undelivered"), "failed"),
        (("failed", "read"), "delivered"),  # ...unless WhatsApp says the person read it
        (("sent", "receiving"), "sent"),  # a status we do not track changes nothing
    ],
)
def test_status_callbacks_form_a_ranked_state(client, twilio, fake_twilio, statuses, final):
    assert statuses_after(client, twilio, fake_twilio, *statuses) == final


def test_a_callback_for_a_message_whose_create_answer_was_lost_finds_it(
    client, twilio, fake_twilio
):
    fake_twilio.drop_answers = 1  # Twilio created the message; we never got the SID
    [message] = services().outbox.queue(conversation_from(twilio), "are you safe?")
    assert message.status == MessageStatus.QUEUED.value
    [sent] = fake_twilio.sent
    assert callback(client, sent, "sent").status_code == 204  # unknown SID, known ref
    db.session.refresh(message)
    assert (message.status, message.provider_id) == (MessageStatus.SENT.value, sent["sid"])
    services().outbox.retry_due(message.created_at + BACKOFF[-1] * 2)
    assert len(fake_twilio.sent) == 1  # not sent a second time


def test_failed_delivery_receipts_are_shown(client, twilio, fake_twilio):
    [message] = services().outbox.queue(conversation_from(twilio), "hello")
    form = {"MessageSid": message.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    status_post(client, form)
    db.session.refresh(message)
    assert message.status == MessageStatus.FAILED.value and "30005" in message.last_error


def test_status_callbacks_must_be_signed_and_complete(client):
    form = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    assert status_post(client, form, signed=False).status_code == 403
    assert status_post(client, {"MessageSid": "SM1"}).status_code == 400
    assert status_post(client, form).status_code == 202  # unknown message: accepted, ignored


def test_a_long_sms_reply_is_split_into_messages_that_fit(twilio, fake_twilio):
    conversation = conversation_from(twilio)
    long_reply = "Keep every receipt from the agency. " * 30  # ~1080 GSM-7 characters
    messages = services().outbox.queue(conversation, long_reply)
    assert len(messages) == 3
    assert all(m.sms_segments <= 3 for m in messages)
    assert [sent["Body"] for sent in fake_twilio.sent] == [m.body for m in messages]


@pytest.mark.parametrize("settings", [{"TWILIO_ACCOUNT_SID": ""}, {"TWILIO_SMS_FROM": ""}])
def test_a_channel_that_cannot_send_fails_at_once_with_a_reason(tmp_path, settings):
    """Not configured or refused: failed, a reason, counted; the worker never retries it."""
    from flask_migrate import upgrade

    from tests.gateway.support import FakeBot, TwilioSender, settings_for
    from webhooks import create_app
    from webhooks.console.statistics import channel_stats
    from webhooks.services import init_services
    from webhooks.worker import run_once

    app = create_app(settings_for(tmp_path, **settings))
    init_services(app, bot=FakeBot())
    with app.app_context():
        upgrade()
        conversation = conversation_from(TwilioSender(app.test_client()))
        [message] = services().outbox.queue(conversation, "a counsellor's reply")
        assert message.status == MessageStatus.FAILED.value
        assert "not" in message.last_error and "Twilio" in message.last_error
        assert message.next_attempt_at is None
        retried, _ = run_once(utcnow() + timedelta(days=1))
        assert retried == 0
        [sms] = [row for row in channel_stats() if row.channel == "sms"]
        assert sms.failed == 1
        db.session.remove()
        db.engine.dispose()
