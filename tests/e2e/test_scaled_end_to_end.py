"""Many instances, one truth: two gateways, two Rasa instances and two workers over one
PostgreSQL (gateway database, Rasa tracker store) and Redis (Rasa lock store), all real.

Bursts of simultaneous SMS from the same people, spread over both gateways, with a
redelivered event among them, must give one conversation per person, every message as a user
turn in Rasa's tracker, and every reply handed to the phone exactly once. The Android SMS
gateway channel acknowledges at once; both workers race to run the turns and send the replies.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import psycopg
import pytest
import requests

from scripts.stack import Stack, StackShape, running_stack
from scripts.train import ensure_model
from tests.support.http_stub import running_server
from webhooks.channels.android_sms import expected_signature

pytestmark = pytest.mark.e2e

SIGNING_KEY = "scaled-e2e-signing-key"
PEOPLE = 6
MESSAGES = (
    "hello",
    "what is labour permit",
    "how to check if a manpower company is real",
    "is pre departure orientation training compulsory",
)
REPLY_DEADLINE_SECONDS = 180


@dataclass
class FakePhone:
    """The Android phone's send API: records the id of every message it is asked to send."""

    url: str = ""
    sent_ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Scaled:
    stack: Stack
    phone: FakePhone


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    phone = FakePhone()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with phone.lock:
                phone.sent_ids.append(body["id"])
            payload = json.dumps({"id": body["id"], "state": "Pending"}).encode()
            self.send_response(202)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args) -> None:
            pass

    model = ensure_model()
    with running_server(Handler) as phone_url:
        phone.url = f"{phone_url}/message"
        shape = StackShape(
            rasa_instances=2, gateways=2, workers=2, postgresql=True, gateway_processes=2,
            extra_env={
                "ANDROID_SMS_SIGNING_KEY": SIGNING_KEY, "ANDROID_SMS_SEND_URL": phone.url,
                "ANDROID_SMS_USERNAME": "sms", "ANDROID_SMS_PASSWORD": "secret",
            },
        )  # fmt: skip
        with running_stack(tmp_path_factory.mktemp("scaled"), shape, model) as stack:
            yield Scaled(stack, phone)


def android_event(gateway: str, number: str, text: str, event_id: str) -> int:
    body = json.dumps(
        {"event": "sms:received", "id": event_id, "deviceId": "scaled-e2e", "webhookId": "w",
         "payload": {"messageId": event_id, "message": text, "phoneNumber": number,
                     "simNumber": 1, "receivedAt": "2026-11-28T10:00:00.000+05:45"}}
    ).encode()  # fmt: skip
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Timestamp": stamp,
               "X-Signature": expected_signature(SIGNING_KEY, body, stamp)}  # fmt: skip
    return requests.post(f"{gateway}/webhooks/android-sms", data=body, headers=headers,
                         timeout=60).status_code  # fmt: skip


def query(stack: Stack, sql: str) -> list[tuple]:
    with psycopg.connect(stack.database_url.replace("+psycopg", "")) as connection:
        return connection.execute(sql).fetchall()


def test_bursts_from_the_same_people_through_two_gateways_and_two_rasa_instances(scaled):
    stack, gateways = scaled.stack, scaled.stack.gateway_urls
    deliveries = []
    for person in range(PEOPLE):
        number = f"98000007{person:02d}"
        for n, text in enumerate(MESSAGES):
            deliveries.append((gateways[(person + n) % 2], number, text, f"ev-{person}-{n}"))
        # the phone retries its first event at the other gateway (a redelivery, not a turn)
        deliveries.append((gateways[(person + 1) % 2], number, MESSAGES[0], f"ev-{person}-0"))
    barrier = threading.Barrier(len(deliveries))

    def deliver(delivery: tuple[str, str, str, str]) -> int:
        barrier.wait(timeout=30)
        return android_event(*delivery)

    with ThreadPoolExecutor(max_workers=len(deliveries)) as pool:
        statuses = list(pool.map(deliver, deliveries))
    assert statuses == [200] * len(deliveries)
    deadline = time.monotonic() + REPLY_DEADLINE_SECONDS
    while time.monotonic() < deadline and query(
        stack, "SELECT COUNT(*) FROM messages WHERE status IN ('pending', 'received', 'queued')"
    ) != [(0,)]:
        time.sleep(0.5)

    # one conversation per person, holding each message once
    per_contact = query(stack, "SELECT contact_id, COUNT(*) FROM conversations GROUP BY 1")
    assert len(per_contact) == PEOPLE and {count for _, count in per_contact} == {1}
    conversations = query(
        stack,
        "SELECT c.public_id, COUNT(m.id) FROM conversations c JOIN messages m "
        "ON m.conversation_id = c.id AND m.direction = 'in' GROUP BY 1",
    )
    assert sorted(count for _, count in conversations) == [len(MESSAGES)] * PEOPLE

    # every message is a user turn in Rasa's tracker (shared by both instances)
    for public_id, _ in conversations:
        events = stack.tracker(public_id)["events"]
        user_turns = sorted(event["text"] for event in events if event["event"] == "user")
        assert user_turns == sorted(MESSAGES), public_id

    # every reply reaches the phone exactly once
    replies = query(stack, "SELECT id, status, reply_to_id FROM messages WHERE direction = 'out'")
    assert {status for _, status, _ in replies} == {"sent"}
    answered = {reply_to for _, _, reply_to in replies}
    assert len(answered) == PEOPLE * len(MESSAGES)  # every message got its replies
    sent = Counter(scaled.phone.sent_ids)
    assert sent == Counter({f"sahayatri-{reply_id}": 1 for reply_id, _, _ in replies})
