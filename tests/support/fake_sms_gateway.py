"""Fakes of SMS Gateway for Android (capcom6/android-sms-gateway) that behave like the app.

``FakePhoneApi`` is the phone's send API (modules/localserver/routes/MessagesRoutes.kt):
``POST /message`` answers 202 with the message state, and 409 Conflict when a message with
that id already exists (ConflictException, app v1.58+; the cloud server does the same). It
can also accept a message and then drop the connection, as when our request times out
after the phone got it.

``FakePhoneWebhooks`` is the app's webhook sender: it signs like PayloadSingingPlugin.kt
(hex HMAC-SHA256 of body + X-Timestamp), gives up after 5 s without data like the app's HTTP
client (WebhookQueueProcessorWorker.kt), keeps anything not answered 2xx queued for a retry
with the same event id, and builds payloads like SmsEventPayload.kt: one ``sms:delivered``
per delivered part, ``partsCount`` in ``sms:sent``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from werkzeug.serving import make_server

from tests.support.http_stub import QuietJsonHandler, running_server

WEBHOOK_TIMEOUT_SECONDS = 5  # the app's connect and socket timeouts


@dataclass
class FakePhoneApi:
    url: str = ""
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> request body
    posts: int = 0
    conflicts: int = 0
    fail_with: int | None = None  # answer this status instead of accepting
    drop_answers: int = 0  # accept, then close the connection without answering, this often
    auth: list[str] = field(default_factory=list)

    @property
    def sent(self) -> list[dict[str, Any]]:
        return list(self.accepted.values())

    def handler(self) -> type[QuietJsonHandler]:
        phone = self

        class Handler(QuietJsonHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                phone.posts += 1
                phone.auth.append(self.headers.get("Authorization", ""))
                if phone.fail_with:
                    self.reply_json(phone.fail_with, {"message": "failure"})
                    return
                message_id = body.get("id") or secrets.token_urlsafe(16)
                if message_id in phone.accepted:
                    phone.conflicts += 1
                    self.reply_json(409, {"message": "Message with the same ID already exists"})
                    return
                phone.accepted[message_id] = body
                if phone.drop_answers:
                    phone.drop_answers -= 1
                    self.close_connection = True  # the phone has it; the caller never hears
                    return
                state = {"id": message_id, "state": "Pending", "isHashed": False,
                         "recipients": [{"phoneNumber": n, "state": "Pending"}
                                        for n in body.get("phoneNumbers", [])]}  # fmt: skip
                self.reply_json(202, state)

        return Handler


@contextmanager
def running_fake_phone() -> Iterator[FakePhoneApi]:
    phone = FakePhoneApi()
    with running_server(phone.handler()) as url:
        phone.url = f"{url}/message"
        yield phone


@dataclass
class FakePhoneWebhooks:
    """Posts the app's webhook events to ``url``, signed with ``key``, the way the app does."""

    url: str
    key: str
    device_id: str = "ffffffffceb0b1db0000018e937c815b"
    queue: list[dict[str, Any]] = field(default_factory=list)  # not yet answered 2xx
    outcomes: list[tuple[str, int | str]] = field(default_factory=list)  # (event, status)
    last_answer: Any = None  # the JSON of the last answer (the app logs it)

    def event(self, kind: str, payload: dict[str, Any], event_id: str | None = None) -> dict:
        return {"deviceId": self.device_id, "event": kind, "id": event_id or secrets.token_hex(10),
                "payload": payload, "webhookId": "wh-" + kind}  # fmt: skip

    def received(self, text: str, sender: str, event_id: str | None = None) -> dict:
        payload = {"messageId": secrets.token_hex(8), "message": text, "sender": sender,
                   "recipient": "+9779851000000", "phoneNumber": sender, "simNumber": 1,
                   "receivedAt": "2026-11-24T15:46:11.000+05:45"}  # fmt: skip
        return self.event("sms:received", payload, event_id)

    def delivery_report(
        self, message_id: str, parts: int, delivered: int | None = None, failed: bool = False
    ) -> list[dict]:
        """``sms:sent`` then one ``sms:delivered`` per delivered part (``sms:failed`` if so)."""
        common = {"messageId": message_id, "recipient": "+9779800000041",
                  "phoneNumber": "+9779800000041", "simNumber": 1}  # fmt: skip
        events = [self.event("sms:sent", {**common, "partsCount": parts,
                                          "sentAt": "2026-11-24T15:46:12.000+05:45"})]  # fmt: skip
        for _ in range(parts if delivered is None else delivered):
            events.append(self.event("sms:delivered", {**common,
                                     "deliveredAt": "2026-11-24T15:46:20.000+05:45"}))  # fmt: skip
        if failed:
            events.append(self.event("sms:failed", {**common, "reason": "RESULT_ERROR_NO_SERVICE",
                                     "failedAt": "2026-11-24T15:46:30.000+05:45"}))  # fmt: skip
        return events

    def post(self, event: dict[str, Any]) -> int | str:
        """One delivery attempt; the status, or "timeout" when the app would give up."""
        raw = json.dumps(event, ensure_ascii=False).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(self.key.encode(), raw + stamp.encode(), hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Timestamp": stamp,
                   "X-Signature": signature}  # fmt: skip
        try:
            response = requests.post(self.url, data=raw, headers=headers,
                                     timeout=WEBHOOK_TIMEOUT_SECONDS)  # fmt: skip
            outcome: int | str = response.status_code
            self.last_answer = response.json() if response.content else None
        except requests.Timeout:
            outcome, self.last_answer = "timeout", None
        self.outcomes.append((event["id"], outcome))
        if outcome == "timeout" or not 200 <= int(outcome) < 300:
            if event not in self.queue:
                self.queue.append(event)  # retried later with the same id
        elif event in self.queue:
            self.queue.remove(event)
        return outcome

    def retry_queued(self) -> None:
        for event in list(self.queue):
            self.post(event)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve a Flask app over real HTTP on a free loopback port (threaded), yield its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
