"""Abuse limits: per-IP limits on the widget, caps on hand-offs and on-call alerts, a bulkhead
for slow Rasa calls, and an empty bot answer treated as no answer."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

from sqlalchemy import func, select

from tests.gateway.test_handoffs import (
    actions,
    conversation_for,
    never_open,
    open_via_api,
    use_schedule,
)
from tests.support.http_stub import running_server
from webhooks.conversations.bot_client import BotUnavailable, RasaCluster
from webhooks.extensions import db
from webhooks.models import Handoff, Message, MessageStatus


def test_widget_sessions_are_limited_per_ip_with_a_polite_429(app, client):
    app.config["WEB_CHAT_SESSION_LIMIT"] = "3 per minute"
    assert [client.post("/api/chat/session").status_code for _ in range(3)] == [201] * 3
    refused = client.post("/api/chat/session")
    assert refused.status_code == 429
    assert "wait" in refused.get_json()["message"]
    assert int(refused.headers["Retry-After"]) > 0
    other = client.post("/api/chat/session", environ_overrides={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 201  # another address is not affected


def test_widget_messages_are_limited_per_ip_across_sessions(app, client):
    app.config["WEB_CHAT_MESSAGE_LIMIT"] = "4 per minute"
    statuses = []
    for _ in range(3):  # new sessions do not reset the address's count
        token = client.post("/api/chat/session").get_json()["token"]
        for text in ("hi", "hello"):
            statuses.append(
                client.post("/api/chat/messages", json={"text": text},
                            headers={"Authorization": f"Bearer {token}"}).status_code
            )  # fmt: skip
    assert statuses == [200] * 4 + [429] * 2


def test_new_handoffs_per_channel_are_capped_per_hour(app, client, twilio):
    app.config["HANDOFFS_PER_HOUR"] = 2
    first = conversation_for(twilio, "+9779800000801")
    for sender in ("+9779800000801", "+9779800000802"):
        assert open_via_api(client, conversation_for(twilio, sender)).status_code == 201
    refused = open_via_api(client, conversation_for(twilio, "+9779800000803"))
    assert refused.status_code == 429 and refused.get_json()["queued"] is False
    assert "handoff_refused" in actions()
    assert db.session.scalar(select(func.count(Handoff.id))) == 2
    # Someone already queued asking again is not a new hand-off: still answered.
    assert open_via_api(client, first, priority="urgent").status_code == 200
    # WhatsApp has its own count.
    whatsapp = conversation_for(twilio, "whatsapp:+9779800000804")
    assert open_via_api(client, whatsapp).status_code == 201


def test_on_call_alerts_are_capped_per_hour(app, client, twilio, tmp_path, fake_bot, fake_twilio):
    app.config["ON_CALL_NUMBER"] = "+9779851000000"
    app.config["ON_CALL_ALERTS_PER_HOUR"] = 2
    use_schedule(app, never_open(tmp_path), fake_bot)
    for number in range(4):
        conversation = conversation_for(twilio, f"+97798000009{number:02d}")
        open_via_api(client, conversation, reason="danger", priority="urgent")
    assert len(fake_twilio.sent) == 2
    assert actions().count("on_call_suppressed") == 2
    assert db.session.scalar(select(func.count(Handoff.id))) == 4  # every hand-off is queued


class SlowRasa(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(1.0)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'[{"text": "late"}]')

    def log_message(self, *_args) -> None:
        pass


def test_a_slow_rasa_holds_at_most_the_bulkhead_and_the_rest_get_the_safe_reply():
    with running_server(SlowRasa) as url:
        client = RasaCluster([url], timeout_seconds=5, max_concurrent=2)
        outcomes: list[str] = []

        def turn() -> None:
            try:
                outcomes.append(client.send("c", "hi", {}).replies[0].text)
            except BotUnavailable:
                outcomes.append("refused")

        threads = [threading.Thread(target=turn) for _ in range(5)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes) == ["late", "late", "refused", "refused", "refused"]
    assert time.monotonic() - started < 4


def test_an_empty_bot_answer_is_no_answer(twilio, fake_bot):
    fake_bot.replies = []
    response = twilio.post("what are my rights in qatar", sender="+9779800000811")
    assert "100" in response.get_data(as_text=True)  # the safe reply with emergency numbers
    inbound = db.session.scalar(select(Message).filter_by(body="what are my rights in qatar"))
    assert inbound.status == MessageStatus.UNANSWERED.value
