"""Helpers for the gateway's unit tests: a fake bot, settings, signed Twilio requests."""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from bot.turn_report import TurnReport
from webhooks.cli import signed_twilio_request
from webhooks.conversations.bot_client import BotReply, BotTurn, BotUnavailable

AUTH_TOKEN = "test-twilio-auth-token"
ACCOUNT_SID = "AC" + "1" * 32
PUBLIC_BASE_URL = "https://sahayatri.example.org"


@dataclass
class FakeBot:
    """Stands in for Rasa in unit tests: records what it was sent, answers from a script."""

    replies: list[str] = field(default_factory=lambda: ["bot reply"])
    report: TurnReport | None = None  # what the actions report about each turn
    buttons: list[dict[str, str]] = field(default_factory=list)  # on the last reply
    down: bool = False
    delay_s: float = 0.0  # a slow turn
    received: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)
    appended: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    # NLU parse results by text (POST /model/parse); anything else parses as "greet"
    parses: dict[str, dict[str, Any]] = field(default_factory=dict)
    parsed: list[str] = field(default_factory=list)

    def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> BotTurn:
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.down:
            raise BotUnavailable
        self.received.append((conversation_id, text, metadata))
        out = [BotReply(reply) for reply in self.replies]
        if out and self.buttons:
            out[-1] = BotReply(out[-1].text, tuple(self.buttons))
        return BotTurn(out, self.report)

    def parse(self, conversation_id: str, text: str) -> dict[str, Any]:
        if self.down:
            raise BotUnavailable
        self.parsed.append(text)
        default = {"intent": {"name": "greet", "confidence": 0.9}, "intent_ranking": []}
        return {"text": text, **self.parses.get(text, default)}

    def status(self) -> list[dict[str, Any]]:
        return [{"instance": 1, "reachable": not self.down, "model_loaded": not self.down}]

    def erase(self, conversation_id: str) -> int:
        if self.down:
            raise BotUnavailable
        self.erased.append(conversation_id)
        return 1

    def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        if self.down:
            raise BotUnavailable
        self.appended.append((conversation_id, events))


def settings_for(tmp_path: Any, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INTERNAL_API_TOKEN": "test-internal-token",
        "DATA_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
        "RASA_URL": "http://127.0.0.1:9",  # discard port: nothing listens
        "RASA_TIMEOUT_SECONDS": "1",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_SMS_FROM": "+15005550006",
        "TWILIO_WHATSAPP_FROM": "whatsapp:+15005550006",
        "VOICE_CALLER_ID": "+15005550006",
        "SESSION_COOKIE_SECURE": "false",
        **extra,
    }


@dataclass
class TwilioSender:
    """Posts Twilio-shaped, correctly signed webhooks to the test client."""

    client: FlaskClient
    path: str = "/webhooks/twilio/messages"

    def post(self, text: str, sender: str = "+9779800000001", **overrides: str) -> Any:
        params, signature = signed_twilio_request(
            AUTH_TOKEN, PUBLIC_BASE_URL, sender, text, "+15005550006"
        )
        if overrides:
            params.update(overrides)
            signature = sign(params, self.path)
        return self.client.post(self.path, data=params, headers={"X-Twilio-Signature": signature})


def sign(params: dict[str, str], path: str) -> str:
    return RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, params)
