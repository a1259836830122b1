"""Scale-out: msg/s through the gateways with one and with two Rasa instances, at 8 clients,
and the lost-turn and double-send counts (targets: 0 and 0).

    .venv-gateway/bin/python bench/scale.py [--clients 8] [--per-client 24]

Each configuration is the `make run-scaled` topology started fresh on free ports: two gateways
(gunicorn, 2 processes x 8 threads each), two workers, one action server, a private PostgreSQL
(gateway database, Rasa tracker store) and Redis (Rasa lock store), and 1 or 2 Rasa instances.

1. Throughput: the clients send signed Twilio SMS (answered in the request), alternating between
   the gateways; two clients share each person, so one person's messages often arrive at the
   same moment.
2. Double sends: bursts of simultaneous SMS Gateway for Android events from the same people
   (acknowledged at once; both workers race to run the turns and send the replies) through a
   local fake of the phone's send API, which counts every send.

A lost turn is a message the bot answered that is missing from Rasa's tracker; a double send is
a reply handed to the phone more than once.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import MESSAGES, TURNS_PER_CONVERSATION, Result, machine, run_clients
from scripts.stack import Stack, StackShape, running_stack
from scripts.train import ensure_model
from tests.support.http_stub import running_server
from webhooks.channels.android_sms import expected_signature
from webhooks.cli import TWILIO_MESSAGES_PATH, replies_from_twiml, signed_twilio_request

SIGNING_KEY = "bench-signing-key"
SETTLE_SECONDS = 120

_sessions = threading.local()
_sent_ids: list[str] = []
_sent_lock = threading.Lock()


class FakePhone(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with _sent_lock:
            _sent_ids.append(body["id"])
        payload = json.dumps({"id": body["id"], "state": "Pending"}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args) -> None:
        pass


def _session() -> requests.Session:
    if not hasattr(_sessions, "session"):
        _sessions.session = requests.Session()
    return _sessions.session


def twilio_sms(stack: Stack, tag: int):
    def send(client: int, n: int, text: str) -> bool:
        person = f"+97798{tag:02d}{client // 2:02d}{n // TURNS_PER_CONVERSATION:04d}"
        params, signature = signed_twilio_request(
            stack.env["TWILIO_AUTH_TOKEN"], stack.env["PUBLIC_BASE_URL"], person, text, "+1500"
        )
        gateway = stack.gateway_urls[(client + n) % len(stack.gateway_urls)]
        response = _session().post(
            gateway + TWILIO_MESSAGES_PATH, data=params,
            headers={"X-Twilio-Signature": signature}, timeout=120,
        )  # fmt: skip
        return response.status_code == 200 and bool(replies_from_twiml(response.text))

    return send


def android_burst(stack: Stack, people: int, per_person: int) -> None:
    """Everyone's messages at the same moment, spread over the gateways."""
    events = [(f"97{person:08d}", MESSAGES[n % len(MESSAGES)], f"burst-{person}-{n}")
              for person in range(people) for n in range(per_person)]  # fmt: skip
    barrier = threading.Barrier(len(events))

    def deliver(index: int) -> None:
        number, text, event_id = events[index]
        body = json.dumps(
            {"event": "sms:received", "id": event_id, "deviceId": "bench", "webhookId": "w",
             "payload": {"messageId": event_id, "message": text, "phoneNumber": number,
                         "simNumber": 1, "receivedAt": "2026-11-28T10:00:00.000+05:45"}}
        ).encode()  # fmt: skip
        stamp = str(int(time.time()))
        barrier.wait()
        requests.post(
            f"{stack.gateway_urls[index % len(stack.gateway_urls)]}/webhooks/android-sms",
            data=body, timeout=120,
            headers={"Content-Type": "application/json", "X-Timestamp": stamp,
                     "X-Signature": expected_signature(SIGNING_KEY, body, stamp)},
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=len(events)) as pool:
        list(pool.map(deliver, range(len(events))))


def settle_and_count(stack: Stack) -> tuple[int, int, int, int]:
    """(answered messages, lost turns, double sends, replies never sent) once queues are empty."""
    url = stack.database_url.replace("+psycopg", "")
    deadline = time.monotonic() + SETTLE_SECONDS
    with psycopg.connect(url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            queued = connection.execute(
                "SELECT COUNT(*) FROM messages WHERE status IN ('pending', 'received', 'queued')"
            )
            if queued.fetchone()[0] == 0:
                break
            time.sleep(0.5)
        answered: dict[str, Counter[str]] = {}
        for public_id, body in connection.execute(
            "SELECT c.public_id, m.body FROM messages m JOIN conversations c "
            "ON c.id = m.conversation_id WHERE m.direction = 'in' AND m.status = 'answered'"
        ):
            answered.setdefault(public_id, Counter())[body] += 1
        to_phone = "SELECT id FROM messages WHERE direction = 'out' AND channel = 'android_sms'"
        replies = [row[0] for row in connection.execute(to_phone)]
    lost = 0
    for public_id, expected in answered.items():
        events = stack.tracker(public_id)["events"]
        in_tracker = Counter(e["text"] for e in events if e["event"] == "user")
        lost += sum((expected - in_tracker).values())
    sent = Counter(_sent_ids)
    doubles = sum(count - 1 for count in sent.values() if count > 1)
    never_sent = sum(1 for reply in replies if sent[f"sahayatri-{reply}"] == 0)
    return sum(sum(c.values()) for c in answered.values()), lost, doubles, never_sent


def measure(instances: int, clients: int, per_client: int, phone_url: str, model: Path):
    shape = StackShape(
        rasa_instances=instances, gateways=2, workers=2, postgresql=True,
        gateway_processes=2, gateway_threads=8, worker_interval=1.0,
        extra_env={"ANDROID_SMS_SIGNING_KEY": SIGNING_KEY, "ANDROID_SMS_SEND_URL": phone_url,
                   "ANDROID_SMS_USERNAME": "sms", "ANDROID_SMS_PASSWORD": "secret"},
    )  # fmt: skip
    _sent_ids.clear()
    with (
        tempfile.TemporaryDirectory() as workdir,
        running_stack(Path(workdir), shape, model) as stack,
    ):
        run_clients(4, 4, twilio_sms(stack, 90))  # warm up every gateway process
        result = run_clients(clients, per_client, twilio_sms(stack, 1))
        android_burst(stack, people=clients, per_person=4)
        counts = settle_and_count(stack)
    return result, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=24)
    args = parser.parse_args()
    model = ensure_model()
    print(f"machine: {machine()}")
    rows: dict[int, tuple[Result, tuple[int, int, int, int]]] = {}
    with running_server(FakePhone) as phone_url:
        for instances in (1, 2):
            rows[instances] = measure(
                instances, args.clients, args.per_client, f"{phone_url}/message", model
            )
    print(f"{args.clients} clients x {args.per_client} Twilio SMS, then {args.clients} people x 4 "
          "simultaneous Android SMS; two gateways, two workers, PostgreSQL + Redis")  # fmt: skip
    print(f"{'rasa':>5}{'msg/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}{'answered':>10}"
          f"{'lost turns':>12}{'double sends':>14}{'unsent':>8}")  # fmt: skip
    for instances, (result, (answered, lost, doubles, unsent)) in rows.items():
        print(f"{instances:>5}{result.per_second:>9.1f}{result.p50:>9.0f}{result.p95:>9.0f}"
              f"{result.errors:>8}{answered:>10}{lost:>12}{doubles:>14}{unsent:>8}")  # fmt: skip
    one, two = rows[1][0], rows[2][0]
    print(f"scale 1 -> 2 Rasa instances: throughput {two.per_second / one.per_second:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
