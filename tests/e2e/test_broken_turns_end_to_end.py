"""Turns that fail inside the real Rasa: the person still gets an answer, the bot is repaired.

Rasa's REST channel answers 200 ``[]`` when something fails inside a turn (it logs and
swallows the exception), and drops the failing action's events. Here an action raises (the
action server answers 500, as rasa_sdk does for an exception) with the real Rasa, the real
action server and the real gateway.
"""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
import requests

from scripts.train import ROOT
from tests.e2e.conftest import Service
from tests.e2e.test_sms_end_to_end import text_sms
from webhooks.conversations.texts import text as gateway_text

pytestmark = pytest.mark.e2e


def latest_turn(service: Service) -> sqlite3.Row:
    """The newest inbound message, with its conversation's public id and any hand-off."""
    path = service.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as database:
        database.row_factory = sqlite3.Row
        return database.execute(
            "SELECT m.id, m.status, c.public_id,"
            " (SELECT COUNT(*) FROM handoffs h WHERE h.conversation_id = c.id) AS handoffs,"
            " (SELECT h.turn_message_id FROM handoffs h WHERE h.conversation_id = c.id) AS turn"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE m.direction = 'in' ORDER BY m.id DESC LIMIT 1"
        ).fetchone()


def test_when_an_action_raises_the_person_gets_the_safe_reply(service: Service):
    service.actions.fail["action_answer"] = 0
    replies = text_sms(service, "how do i get a labour permit to work abroad", "+9779811200001")
    assert "action_answer" in service.actions.calls  # the turn reached the failing action
    assert replies == [gateway_text("bot_unavailable", "en")]
    assert latest_turn(service)["status"] == "unanswered"


def test_a_handoff_opened_by_a_turn_that_failed_is_one_handoff_and_the_bot_learns_of_it(
    service: Service,
):
    # The hand-off action runs twice (a retried call) and then fails: Rasa answers [].
    service.actions.fail["action_handoff"] = 2
    replies = text_sms(service, "i want to talk to a real person", "+9779811200002")
    assert replies == [gateway_text("bot_unavailable", "en")]
    turn = latest_turn(service)
    assert turn["status"] == "unanswered"
    assert (turn["handoffs"], turn["turn"]) == (1, turn["id"])  # one hand-off, for that turn

    tracker_url = f"{service.env['RASA_URL']}/conversations/{turn['public_id']}/tracker"
    token = {"token": service.env["RASA_API_TOKEN"]}
    slots = requests.get(tracker_url, params=token, timeout=10).json()["slots"]
    assert slots["handoff_queued"] is False  # Rasa lost the action's events

    worker = subprocess.run(
        [str(ROOT / ".venv-gateway" / "bin" / "flask"), "--app", "webhooks:create_app()",
         "worker", "--once"],
        cwd=ROOT, env=service.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert worker.returncode == 0, worker.stderr
    slots = requests.get(tracker_url, params=token, timeout=10).json()["slots"]
    assert slots["handoff_queued"] is True
