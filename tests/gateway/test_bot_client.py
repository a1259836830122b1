"""The Rasa client against a real local HTTP server: good, slow, broken and absent Rasa."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from bot.turn_report import KEY, TurnReport, from_custom
from tests.support.http_stub import running_server
from webhooks.conversations.bot_client import (
    BotReply,
    BotTurn,
    BotUnavailable,
    RasaClient,
    RasaCluster,
)


class StubRasa(BaseHTTPRequestHandler):
    behaviour = "ok"
    received: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path.startswith("/model/parse"):
            type(self).received.append({"parse": self.path, "body": body})
            self._json({"text": body["text"], "intent": {"name": "danger_violence"}})
            return
        type(self).received.append(body)
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
                    {"recipient_id": body["sender"], "custom": {"other": 1}},
                    {
                        "recipient_id": body["sender"],
                        "custom": {KEY: {"outcome": "answer", "topic": "insurance"}},
                    },
                    {
                        "recipient_id": body["sender"],
                        "text": "two",
                        "buttons": [{"title": "Fees", "payload": "1"}, {"title": 3}, "junk"],
                    },
                    {"recipient_id": body["sender"], "custom": {KEY: {"outcome": "danger"}}},
                    {"recipient_id": body["sender"], "custom": {KEY: {"outcome": "bogus"}}},
                ]
            ).encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, payload: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(payload).encode())

    def do_PUT(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"put": self.path, "body": body})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def do_DELETE(self) -> None:
        type(self).received.append({"delete": self.path, "auth": self.headers["Authorization"]})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"deleted_events": 11}')

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


def test_sends_sender_text_and_metadata_and_returns_replies_and_the_turn_report(rasa_url):
    client = RasaClient(rasa_url, timeout_seconds=2)
    # The texts in order with their buttons (malformed ones dropped); of the actions' reports
    # the strongest (danger over answer).
    assert client.send("abc123", "hello", {"channel": "sms"}) == BotTurn(
        [BotReply("one"), BotReply("two", ({"title": "Fees", "payload": "1"},))],
        TurnReport("danger"),
    )
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


def test_erase_deletes_through_the_erasure_channel(rasa_url):
    assert RasaClient(rasa_url, timeout_seconds=1, api_token="t0k").erase("abc123") == 11
    [call] = StubRasa.received
    assert call == {"delete": "/webhooks/erasure/conversations/abc123", "auth": "Bearer t0k"}


def test_erase_with_rasa_down_is_unavailable():
    with pytest.raises(BotUnavailable):
        RasaClient("http://127.0.0.1:9", timeout_seconds=0.5).erase("abc123")


def test_parse_asks_rasa_nlu_with_the_api_token(rasa_url):
    parse = RasaClient(rasa_url, timeout_seconds=1, api_token="t0k").parse("he beats me")
    assert parse["intent"]["name"] == "danger_violence"
    [call] = StubRasa.received
    assert call["parse"].startswith("/model/parse?token=t0k")
    assert call["body"] == {"text": "he beats me"}


def test_parse_with_rasa_down_is_unavailable():
    with pytest.raises(BotUnavailable):
        RasaClient("http://127.0.0.1:9", timeout_seconds=0.5).parse("hello")


# --- several instances: affinity and failover -------------------------------------------------

DOWN_URL = "http://127.0.0.1:9"  # discard port: nothing listens


def instance_stub() -> type[StubRasa]:
    """A StubRasa with its own record of requests (one per instance)."""
    return type("InstanceStub", (StubRasa,), {"received": []})


@pytest.fixture
def two_instances() -> Iterator[tuple[list[str], list[type[StubRasa]]]]:
    StubRasa.behaviour = "ok"
    stubs = [instance_stub(), instance_stub()]
    with running_server(stubs[0]) as first, running_server(stubs[1]) as second:
        yield [first, second], stubs


def senders(stub: type[StubRasa]) -> set[str]:
    return {call["sender"] for call in stub.received if "sender" in call}


def test_each_conversation_sticks_to_one_instance_in_every_gateway(two_instances):
    urls, stubs = two_instances
    gateway_a = RasaCluster(urls, timeout_seconds=2)
    gateway_b = RasaCluster(list(reversed(urls)), timeout_seconds=2)  # order does not matter
    conversations = [f"conversation{n}" for n in range(40)]
    for turn in range(3):
        for conversation in conversations:
            (gateway_a if turn % 2 else gateway_b).send(conversation, "hi", {})
    first, second = senders(stubs[0]), senders(stubs[1])
    assert first.isdisjoint(second)  # no conversation was served by both
    assert first | second == set(conversations)
    assert len(first) >= 8 and len(second) >= 8  # both instances carry conversations
    assert len(stubs[0].received) + len(stubs[1].received) == 3 * len(conversations)


def test_an_unreachable_instance_fails_over_and_only_its_conversations_move(two_instances):
    urls, stubs = two_instances
    cluster = RasaCluster([urls[0], urls[1], DOWN_URL], timeout_seconds=2)
    order = {c: cluster.order_for(c) for c in (f"c{n}" for n in range(60))}
    for conversation in order:
        turn = cluster.send(conversation, "hi", {})
        assert [reply.text for reply in turn.replies] == ["one", "two"]
    for conversation, preference in order.items():
        served_by = preference[0] if preference[0] != 2 else preference[1]
        assert conversation in senders(stubs[served_by])  # home, or next after the down one
    assert sum(1 for preference in order.values() if preference[0] == 2) >= 5


def test_a_down_instance_is_skipped_for_a_while_after_it_failed(two_instances, monkeypatch):
    urls, _stubs = two_instances
    cluster = RasaCluster([DOWN_URL, urls[0]], timeout_seconds=2)
    tried = []
    real_send = RasaClient.send

    def counting_send(self, *args):
        tried.append(self.base_url)
        return real_send(self, *args)

    monkeypatch.setattr(RasaClient, "send", counting_send)
    homed_on_down = [c for c in (f"c{n}" for n in range(40)) if cluster.order_for(c)[0] == 0]
    for conversation in homed_on_down[:5]:
        cluster.send(conversation, "hi", {})
    assert tried.count(DOWN_URL) == 1  # found down once, then skipped


@pytest.mark.parametrize("behaviour", ["slow", "error"])
def test_a_turn_that_may_have_reached_rasa_is_not_repeated_elsewhere(two_instances, behaviour):
    urls, stubs = two_instances
    cluster = RasaCluster(urls, timeout_seconds=0.5)
    conversation = next(c for c in (f"c{n}" for n in range(40)) if cluster.order_for(c)[0] == 0)
    StubRasa.behaviour = behaviour
    with pytest.raises(BotUnavailable):
        cluster.send(conversation, "hi", {})
    assert len(stubs[0].received) == 1 and stubs[1].received == []


def test_no_instance_reachable_is_unavailable():
    with pytest.raises(BotUnavailable):
        RasaCluster([DOWN_URL, "http://127.0.0.1:7"], timeout_seconds=0.5).send("c", "hi", {})


def test_status_reports_each_instance(two_instances):
    urls, _stubs = two_instances
    assert RasaCluster([urls[0], DOWN_URL], timeout_seconds=1).status() == [
        {"instance": 1, "reachable": True, "model_loaded": True},
        {"instance": 2, "reachable": False, "model_loaded": False},
    ]


def test_readyz_lists_each_instance_and_is_ready_while_one_serves(two_instances, tmp_path,
                                                                   database_url):  # fmt: skip
    from tests.gateway.support import settings_for
    from webhooks import create_app

    urls, _stubs = two_instances
    app = create_app(
        settings_for(tmp_path, DATABASE_URL=database_url, RASA_URL=f"{urls[0]}, {DOWN_URL}",
                     ACTION_SERVER_URL=f"{urls[0]}/webhook")  # the stub answers /health too
    )  # fmt: skip
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert [i["reachable"] for i in response.get_json()["rasa_instances"]] == [True, False]
    app = create_app(
        settings_for(tmp_path, DATABASE_URL=database_url, RASA_URL=f"{DOWN_URL},{DOWN_URL}0")
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["rasa_instances"][1] == {
        "instance": 2, "reachable": False, "model_loaded": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    "custom",
    [None, [], {KEY: "answer"}, {KEY: {"outcome": "answered"}}, {KEY: {}}, {"x": {}}],
)
def test_malformed_reports_are_ignored(custom):
    assert from_custom(custom) is None


def test_report_codes_that_are_not_codes_are_dropped():
    report = from_custom({KEY: {"outcome": "answer", "topic": "fees; DROP", "family": "fees"}})
    assert report == TurnReport("answer", None, "fees")


def test_the_cluster_parses_on_the_conversations_instance(two_instances):
    urls, stubs = two_instances
    cluster = RasaCluster(urls, timeout_seconds=2)
    home = cluster.order_for("c1")[0]
    assert cluster.parse("c1", "he beats me")["intent"]["name"] == "danger_violence"
    assert [c["body"] for c in stubs[home].received] == [{"text": "he beats me"}]
