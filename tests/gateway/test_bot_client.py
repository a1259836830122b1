"""The Rasa client against a real local HTTP server: good, slow, broken and absent Rasa."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from tests.support.http_stub import running_server
from webhooks.conversations.bot_client import BotUnavailable, RasaClient


class StubRasa(BaseHTTPRequestHandler):
    behaviour = "ok"
    received: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StubRasa.received.append(body)
        if StubRasa.behaviour == "slow":
            time.sleep(2)
        if StubRasa.behaviour == "error":
            self.send_response(500)
            self.end_headers()
            return
        payload = (
            b"not json"
            if StubRasa.behaviour == "garbage"
            else json.dumps(
                [
                    {"recipient_id": body["sender"], "text": "one"},
                    {"recipient_id": "x", "image": "i"},
                    {"recipient_id": body["sender"], "text": "two"},
                ]
            ).encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def do_PUT(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StubRasa.received.append({"put": self.path, "body": body})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(json.dumps({"model_file": "m.tar.gz", "token": self.path}).encode())

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def rasa_url() -> Iterator[str]:
    StubRasa.behaviour, StubRasa.received = "ok", []
    with running_server(StubRasa) as url:
        yield url


def test_sends_sender_text_and_metadata_and_returns_text_replies(rasa_url):
    client = RasaClient(rasa_url, timeout_seconds=2)
    assert client.send("abc123", "hello", {"channel": "sms"}) == ["one", "two"]
    assert StubRasa.received == [
        {"sender": "abc123", "message": "hello", "metadata": {"channel": "sms"}}
    ]


@pytest.mark.parametrize("behaviour", ["slow", "error", "garbage"])
def test_slow_or_broken_rasa_is_unavailable(rasa_url, behaviour):
    StubRasa.behaviour = behaviour
    client = RasaClient(rasa_url, timeout_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(BotUnavailable):
        client.send("abc123", "hello", {})
    assert time.monotonic() - started < 1.9  # gave up at the timeout, not after the reply


def test_absent_rasa_is_unavailable():
    with pytest.raises(BotUnavailable):
        RasaClient("http://127.0.0.1:9", timeout_seconds=0.5).send("abc", "hello", {})


def test_status_sends_the_api_token(rasa_url):
    status = RasaClient(rasa_url, timeout_seconds=1, api_token="t0k").status()
    assert status["model_file"] == "m.tar.gz"
    assert "token=t0k" in status["token"]


def test_erase_replaces_the_tracker_events_with_none(rasa_url):
    RasaClient(rasa_url, timeout_seconds=1, api_token="t0k").erase("abc123")
    [call] = StubRasa.received
    assert call["put"].startswith("/conversations/abc123/tracker/events?token=t0k")
    assert call["body"] == []


def test_erase_with_rasa_down_is_unavailable():
    with pytest.raises(BotUnavailable):
        RasaClient("http://127.0.0.1:9", timeout_seconds=0.5).erase("abc123")
