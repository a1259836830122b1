"""SMS Gateway for Android: signed webhooks in, replies out through a local fake of its API."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import select

from tests.support.http_stub import running_server
from webhooks.channels.android_sms import expected_signature
from webhooks.extensions import db
from webhooks.models import Contact, Message, MessageStatus
from webhooks.services import init_services, services

KEY = "android-signing-key"
PATH = "/webhooks/android-sms"


@dataclass
class FakePhone:
    """Stands in for the phone's /message API: records what we ask it to send."""

    url: str = ""
    sent: list[dict] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    fail_with: int | None = None


@pytest.fixture
def phone() -> Iterator[FakePhone]:
    fake = FakePhone()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.auth.append(self.headers.get("Authorization", ""))
            status = fake.fail_with or 202
            if not fake.fail_with:
                fake.sent.append(body)
            payload = json.dumps({"id": body.get("id"), "state": "Pending"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args) -> None:
            pass

    with running_server(Handler) as url:
        fake.url = f"{url}/message"
        yield fake


@pytest.fixture
def android_app(app, fake_bot, phone):
    app.config.update(
        ANDROID_SMS_SIGNING_KEY=KEY, ANDROID_SMS_SEND_URL=phone.url,
        ANDROID_SMS_USERNAME="sms", ANDROID_SMS_PASSWORD="secret",
    )  # fmt: skip
    init_services(app, bot=fake_bot)
    return app


def event(text: str = "namaste", number: str = "9800000041", event_id: str = "ev1",
          kind: str = "sms:received") -> dict:  # fmt: skip
    return {
        "deviceId": "ffffffffceb0b1db0000018e937c815b",
        "event": kind,
        "id": event_id,
        "payload": {"messageId": "abc123", "message": text, "phoneNumber": number,
                    "simNumber": 1, "receivedAt": "2026-11-24T15:46:11.000+05:45"},
        "webhookId": "wh1",
    }  # fmt: skip


def post(client, body: dict | bytes, key: str = KEY, timestamp: int | None = None, **headers):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signed = {"X-Timestamp": stamp, "X-Signature": expected_signature(key, raw, stamp)}
    signed.update(headers)
    return client.post(PATH, data=raw, headers={"Content-Type": "application/json", **signed})


def test_a_signed_sms_reaches_the_bot_and_the_reply_goes_out_through_the_phone(
    android_app, client, fake_bot, phone
):
    fake_bot.replies = ["नमस्ते! म सहयात्री हुँ।"]
    response = post(client, event("नमस्ते"))
    assert response.status_code == 200
    assert fake_bot.received[0][1] == "नमस्ते"
    assert fake_bot.received[0][2]["channel"] == "android_sms"
    [sent] = phone.sent
    assert sent["phoneNumbers"] == ["+9779800000041"]  # local number normalised to E.164
    assert sent["textMessage"] == {"text": "नमस्ते! म सहयात्री हुँ।"}
    assert sent["id"].startswith("sahayatri-")
    assert phone.auth[0] == "Basic " + base64.b64encode(b"sms:secret").decode()
    reply = db.session.scalar(select(Message).filter_by(direction="out"))
    assert reply.status == MessageStatus.SENT.value and reply.provider_id == sent["id"]


@pytest.mark.parametrize(
    "tamper",
    ["no-signature", "wrong-key", "stale", "future", "body-changed", "no-timestamp"],
)
def test_unsigned_or_tampered_webhooks_are_refused(android_app, client, fake_bot, tamper):
    raw = json.dumps(event()).encode()
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
    assert fake_bot.received == []


def test_without_a_signing_key_the_channel_is_closed(app, client, fake_bot):
    assert post(client, event()).status_code == 403


def test_redelivery_does_not_run_the_bot_or_send_twice(android_app, client, fake_bot, phone):
    assert post(client, event(event_id="same")).get_json()["duplicate"] is False
    assert post(client, event(event_id="same")).get_json()["duplicate"] is True
    assert len(fake_bot.received) == 1
    assert len(phone.sent) == 1


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"not json", "JSON"),
        (json.dumps({"event": "sms:received"}).encode(), "payload"),
        (json.dumps({**event(), "id": ""}).encode(), "id"),
        (json.dumps(event(text="  ")).encode(), "payload.message"),
        (json.dumps(event(number="")).encode(), "payload.phoneNumber"),
        (json.dumps(event(number="hello")).encode(), "phoneNumber"),
    ],
)
def test_malformed_events_are_a_clear_400(android_app, client, body, needle):
    response = post(client, body)
    assert response.status_code == 400
    assert needle in response.get_json()["error"]


def test_a_phone_that_is_offline_is_retried_and_visible(android_app, client, fake_bot, phone):
    phone.fail_with = 503
    post(client, event())
    reply = db.session.scalar(select(Message).filter_by(direction="out"))
    assert reply.status == MessageStatus.QUEUED.value
    assert "503" in reply.last_error and reply.next_attempt_at is not None
    phone.fail_with = None
    services().outbox.retry_due(reply.next_attempt_at)
    db.session.refresh(reply)
    assert reply.status == MessageStatus.SENT.value
    assert len(phone.sent) == 1


def test_delivery_reports_update_the_message(android_app, client, fake_bot, phone):
    post(client, event())
    reference = phone.sent[0]["id"]
    delivered = event(kind="sms:delivered", event_id="ev2")
    delivered["payload"] = {"messageId": reference, "phoneNumber": "+9779800000041"}
    assert post(client, delivered).get_json()["known"] is True
    reply = db.session.scalar(select(Message).filter_by(direction="out"))
    assert reply.status == MessageStatus.DELIVERED.value
    failed = event(kind="sms:failed", event_id="ev3")
    failed["payload"] = {"messageId": "unknown", "reason": "RESULT_ERROR_LIMIT_EXCEEDED"}
    assert post(client, failed).get_json()["known"] is False


def test_stop_works_the_same_as_on_twilio(android_app, client, fake_bot, phone):
    post(client, event("STOP", event_id="s1"))
    post(client, event("are you there", event_id="s2"))
    assert fake_bot.received == []
    assert db.session.scalar(select(Contact.opted_out)) is True
    assert len(phone.sent) == 1 and "START" in phone.sent[0]["textMessage"]["text"]


def test_pings_are_acknowledged(android_app, client):
    ping = {"event": "system:ping", "id": "p1", "payload": {"health": {"status": "pass"}}}
    assert post(client, ping).get_json() == {"ok": True, "ignored": "system:ping"}
