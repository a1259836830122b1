"""Bot turns that open a hand-off: one hand-off per turn, and repair of turns cut short.

Rasa forgets a turn the gateway stopped waiting for (Sanic cancels the handler; the tracker
is saved only at the end of a turn), and drops the events of an action that raised (the REST
channel then answers []). The hand-off the action opened exists either way.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import select

from tests.gateway.support import TwilioSender
from tests.support.http_stub import running_server
from webhooks.conversations.turn_repair import HANDOFF_EVENTS, repair_abandoned_turns
from webhooks.extensions import db
from webhooks.models import AuditEvent, Conversation, Handoff, Message, MessageStatus
from webhooks.services import init_services

TOKEN = {"Authorization": "Bearer test-internal-token"}


def turn_of(twilio: TwilioSender, text: str = "I want to talk to someone") -> Message:
    assert twilio.post(text).status_code == 200
    return db.session.scalars(
        select(Message).filter_by(direction="in").order_by(Message.id.desc())
    ).first()


def ask(client, message: Message, **fields):
    conversation = db.session.get(Conversation, message.conversation_id)
    body = {"conversation_id": conversation.public_id, "reason": "asked", "priority": "normal",
            "language": "en", "channel": "sms", "summary": {}, "turn": message.id}  # fmt: skip
    body.update(fields)
    return client.post("/internal/handoffs", json=body, headers=TOKEN)


# --- one hand-off per turn ------------------------------------------------------------------


def test_a_turn_opens_at_most_one_handoff_however_often_its_action_runs(client, twilio):
    message = turn_of(twilio)
    first = ask(client, message)
    assert first.status_code == 201
    handoff = db.session.scalar(select(Handoff))
    assert handoff.turn_message_id == message.id
    # The person cancels; the same turn's action runs again (a retried action call).
    handoff.status = "cancelled"
    db.session.get(Conversation, message.conversation_id).state = "bot"
    db.session.commit()
    again = ask(client, message, reason="danger", priority="urgent")
    assert again.status_code == 200
    assert again.get_json()["handoff_id"] == first.get_json()["handoff_id"]
    assert len(db.session.scalars(select(Handoff)).all()) == 1


def test_the_same_turn_asking_twice_at_once_opens_one_handoff(app, twilio):
    message = turn_of(twilio)
    statuses: list[int] = []

    def ask_in_thread() -> None:
        with app.app_context():
            statuses.append(ask(app.test_client(), message).status_code)

    threads = [threading.Thread(target=ask_in_thread) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert len(db.session.scalars(select(Handoff)).all()) == 1


@pytest.mark.parametrize("turn", ["7", True, 1.5])
def test_a_turn_that_is_not_a_message_id_is_a_400(client, twilio, turn):
    response = ask(client, turn_of(twilio), turn=turn)
    assert response.status_code == 400 and "turn" in response.get_json()["error"]


def test_a_turn_of_another_conversation_is_not_used_as_the_key(client, twilio):
    other = turn_of(twilio)
    twilio.post("hello", sender="+9779800000077")
    mine = db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
    body = {"conversation_id": mine.public_id, "reason": "asked", "turn": other.id}
    assert client.post("/internal/handoffs", json=body, headers=TOKEN).status_code == 201
    assert db.session.scalar(select(Handoff.turn_message_id)) is None


# --- the gateway gives up on a turn: Rasa's side, for real ---------------------------------


class CancellingRasa(BaseHTTPRequestHandler):
    """Like Rasa behind Sanic: a slow turn; when the client goes away the turn is dropped."""

    def do_POST(self) -> None:
        json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(0.6)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'[{"text": "late"}]')
            self.wfile.flush()
        except OSError:
            return  # the client went away: the turn is lost

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def slow_rasa() -> Iterator[str]:
    with running_server(CancellingRasa) as url:
        yield url


def test_a_timed_out_turn_gets_the_safe_reply_and_stays_unanswered(app, twilio, slow_rasa):
    app.config.update(RASA_URL=slow_rasa, RASA_TIMEOUT_SECONDS=0.2)
    init_services(app)
    message = turn_of(twilio)
    assert message.status == MessageStatus.UNANSWERED.value


# --- repair ---------------------------------------------------------------------------------


def abandoned_turn_with_handoff(client, twilio, fake_bot) -> tuple[Message, Handoff]:
    """The action opened a hand-off, then the turn failed: Rasa answered [] (or timed out)."""
    fake_bot.replies = []
    message = turn_of(twilio)
    assert message.status == MessageStatus.UNANSWERED.value
    assert ask(client, message).status_code == 201
    return message, db.session.scalar(select(Handoff))


def test_the_worker_tells_the_bot_about_a_handoff_its_broken_turn_opened(client, twilio, fake_bot):
    message, _handoff = abandoned_turn_with_handoff(client, twilio, fake_bot)
    assert repair_abandoned_turns(fake_bot) == 1
    conversation = db.session.get(Conversation, message.conversation_id)
    assert fake_bot.appended == [(conversation.public_id, HANDOFF_EVENTS)]
    assert db.session.scalar(select(AuditEvent).filter_by(action="bot_turn_repaired"))
    assert repair_abandoned_turns(fake_bot) == 0  # once
    assert len(fake_bot.appended) == 1


def test_a_repair_waits_for_the_bot_to_be_back(client, twilio, fake_bot):
    abandoned_turn_with_handoff(client, twilio, fake_bot)
    fake_bot.down = True
    assert repair_abandoned_turns(fake_bot) == 0
    fake_bot.down = False
    assert repair_abandoned_turns(fake_bot) == 1


def test_an_answered_turn_needs_no_repair(client, twilio, fake_bot):
    message = turn_of(twilio)  # the bot answered: Rasa saved the turn with its events
    assert message.status == MessageStatus.ANSWERED.value
    assert ask(client, message).status_code == 201
    assert repair_abandoned_turns(fake_bot) == 0


def test_a_closed_handoff_needs_no_repair(client, twilio, fake_bot):
    _, handoff = abandoned_turn_with_handoff(client, twilio, fake_bot)
    handoff.status = "closed"
    db.session.commit()
    assert repair_abandoned_turns(fake_bot) == 0


def test_the_worker_pass_runs_the_repair(client, twilio, fake_bot):
    from webhooks.worker import run_once

    abandoned_turn_with_handoff(client, twilio, fake_bot)
    run_once()
    assert len(fake_bot.appended) == 1
