"""Chaos: under steady load through the gateway, kill Rasa, then the action server.

The gateway stays up; every inbound message is stored; every person gets a reply at once (the
bot's answer, or the safe reply with the emergency numbers while a part is down); supervisord
restarts what was killed; and once the bot is back, the worker answers every message the bot
missed through the person's channel (Twilio's API, a local fake, for SMS; the widget's poll
for web chat).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests

from scripts.train import ROOT
from tests.e2e.conftest import Service
from tests.e2e.test_sms_end_to_end import text_sms

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]

SMS_PEOPLE = [f"+97798117{n:05d}" for n in range(3)]
WEB_PEOPLE = 1
QUESTIONS = ["how do i get a labour permit", "what is human trafficking", "hello"]
SEND_INTERVAL_SECONDS = 2.0  # per person: about 2 messages a second in all
RECOVERY_TIMEOUT_SECONDS = 300
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class Load:
    """People writing steadily, each from its own thread; every exchange is recorded."""

    service: Service
    sent: list[tuple[str, str]] = field(default_factory=list)  # (person, text)
    problems: list[str] = field(default_factory=list)
    web_tokens: dict[str, str] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _next_text(self) -> str:
        with self.lock:
            self.counter += 1
            return f"{QUESTIONS[self.counter % len(QUESTIONS)]} #{self.counter}"

    def sms_person(self, number: str) -> None:
        while not self.stop.is_set():
            text = self._next_text()
            try:
                replies = text_sms(self.service, text, number)
                if not replies:
                    self.problems.append(f"no reply to {text}")
                self.sent.append((number, text))
            except Exception as error:
                self.problems.append(f"{number}: {type(error).__name__} {error}")
            self.stop.wait(SEND_INTERVAL_SECONDS)

    def web_person(self, name: str) -> None:
        base = self.service.base_url
        token = requests.post(f"{base}/api/chat/session", timeout=30).json()["token"]
        self.web_tokens[name] = token
        while not self.stop.is_set():
            text = self._next_text()
            try:
                response = requests.post(
                    f"{base}/api/chat/messages", json={"text": text},
                    headers={"Authorization": f"Bearer {token}"}, timeout=30,
                )  # fmt: skip
                if response.status_code != 200 or not response.json()["messages"]:
                    self.problems.append(f"web {response.status_code} for {text}")
                self.sent.append((name, text))
            except Exception as error:
                self.problems.append(f"{name}: {type(error).__name__}")
            self.stop.wait(SEND_INTERVAL_SECONDS)


def _rows(service: Service, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(service.workdir / "gateway.db", timeout=30) as connection:
        return connection.execute(sql, args).fetchall()


def _kill(service: Service, name: str) -> int:
    pid = service.pid(name)
    assert pid, f"{name} is not running"
    os.kill(pid, signal.SIGKILL)
    return pid


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def _ready(service: Service) -> bool:
    try:
        return requests.get(f"{service.base_url}/readyz", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def test_killing_rasa_then_the_action_server_loses_nothing(service: Service) -> None:
    gateway_pid = service.pid("gateway")
    load = Load(service)
    threads = [threading.Thread(target=load.sms_person, args=(n,)) for n in SMS_PEOPLE]
    threads += [threading.Thread(target=load.web_person, args=(f"web{n}",))
                for n in range(WEB_PEOPLE)]  # fmt: skip
    for thread in threads:
        thread.start()
    try:
        time.sleep(5)
        old_rasa = _kill(service, "rasa")
        _wait(lambda: not _ready(service), 30, "readiness to report Rasa down")
        time.sleep(8)  # people keep writing while Rasa is down
        _wait(lambda: service.pid("rasa") not in (0, old_rasa), 60, "supervisord to restart Rasa")
        _wait(lambda: _ready(service), 300, "Rasa to be back")
        old_actions = _kill(service, "actions")
        time.sleep(6)  # people keep writing while the action server is down
        _wait(lambda: service.pid("actions") not in (0, old_actions), 60, "the action server")
        _wait(lambda: _ready(service), 120, "the action server to be back")
        time.sleep(3)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert load.problems == []  # every request got a reply at once
    assert service.pid("gateway") == gateway_pid  # the gateway stayed up throughout
    stored = {body for (body,) in _rows(service, "SELECT body FROM messages WHERE direction='in'")}
    assert {text for _, text in load.sent} <= stored  # every inbound message is stored
    missed = _rows(
        service,
        "SELECT m.id, c.channel FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        " WHERE m.direction = 'in' AND m.body LIKE '%#%' AND m.status = 'unanswered'",
    )
    assert missed, "the outage should have left messages for the worker to answer"
    missed_ids = [message_id for message_id, _ in missed]

    def all_answered() -> bool:
        marks = ",".join("?" * len(missed_ids))
        rows = _rows(service, f"SELECT status FROM messages WHERE id IN ({marks})", *missed_ids)
        return all(status in ("answered", "for_counsellor") for (status,) in rows)

    back = time.monotonic()
    _wait(all_answered, RECOVERY_TIMEOUT_SECONDS, "the worker to answer every missed message")
    figures = (
        f"chaos: {len(load.sent)} messages from {len(SMS_PEOPLE) + WEB_PEOPLE} people, all "
        f"stored and replied to at once; {len(missed)} got the safe reply while a part was "
        f"down, all answered by the worker {time.monotonic() - back:.0f} s after the action "
        f"server was back\n"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "chaos.txt").write_text(figures)
    marks = ",".join("?" * len(missed_ids))
    late = _rows(
        service,
        f"SELECT r.channel, r.status FROM messages r WHERE r.reply_to_id IN ({marks})"
        " AND r.status IN ('sent', 'queued', 'delivered')",
        *missed_ids,
    )
    assert len(late) >= len(missed_ids)  # a real answer for each, in the person's channel
    sms_missed = sum(1 for _, channel in missed if channel == "sms")
    late_sms = [m for m in service.twilio.sent if m["To"] in SMS_PEOPLE]
    assert len(late_sms) >= sms_missed
    for name, token in load.web_tokens.items():
        polled = requests.get(
            f"{service.base_url}/api/chat/messages?after=0",
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        ).json()["messages"]  # fmt: skip
        assert polled, name
