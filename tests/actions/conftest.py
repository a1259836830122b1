"""Fixtures for the custom actions: a tracker factory, a fresh dispatcher, the domain,
fixture content, and a real local HTTP server standing in for the gateway."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, gateway_client
from actions.settings import Settings
from tests.actions.helpers import TOKEN, user_event

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def tracker_factory():
    """Build a rasa_sdk Tracker for the latest message."""

    def make(
        intent: str,
        text: str = "",
        *,
        language: str = "en",
        channel: str | None = "sms",
        slots: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        ranking: list[dict[str, Any]] | None = None,
        history: list[str] | None = None,
        sender_id: str = "conv-123",
        turn: int | None = None,
        understanding: dict[str, Any] | None = None,
        events: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Tracker:
        metadata = {**({"channel": channel} if channel else {}), **(metadata or {})}
        if turn is not None:
            metadata["turn"] = turn
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
            "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
            "metadata": metadata,
        }
        if understanding is not None:
            latest["understanding"] = understanding
        events = list(events or []) + [user_event(name) for name in history or []]
        events.append({**user_event(intent, text), "parse_data": latest})
        all_slots = {"language": language, "last_topic": None, "last_country": None}
        all_slots.update(slots or {})
        return Tracker(
            sender_id=sender_id,
            slots=all_slots,
            latest_message=latest,
            events=events,
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return make


@pytest.fixture
def fixture_content(monkeypatch):
    """Point action_answer at the stable fixture content."""
    settings = Settings(content_dir=FIXTURE_CONTENT)
    monkeypatch.setattr(answers, "get_settings", lambda: settings)
    answers._load.cache_clear()
    yield FIXTURE_CONTENT
    answers._load.cache_clear()


@dataclass
class FakeGateway:
    url: str
    reply: dict[str, Any] = field(
        default_factory=lambda: {
            "queued": True,
            "on_duty": True,
            "expected_wait_minutes": 5,
            "available_from": None,
        }
    )
    status: int = 200
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest_asyncio.fixture
async def gateway(monkeypatch):
    """A real HTTP server on 127.0.0.1 implementing POST /internal/handoffs."""
    state = FakeGateway(url="")

    async def handle(request: web.Request) -> web.Response:
        state.requests.append(
            {"auth": request.headers.get("Authorization"), "json": await request.json()}
        )
        if state.delay_s:
            await asyncio.sleep(state.delay_s)
        return web.json_response(state.reply, status=state.status)

    app = web.Application()
    app.router.add_post("/internal/handoffs", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    state.url = str(server.make_url("")).rstrip("/")
    settings = Settings(gateway_url=state.url, internal_api_token=TOKEN, gateway_timeout_s=1.0)
    monkeypatch.setattr(gateway_client, "get_settings", lambda: settings)
    yield state
    await server.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gateway_down(monkeypatch):
    """Settings pointing at a port where nothing listens."""
    settings = Settings(
        gateway_url=f"http://127.0.0.1:{_closed_port()}",
        internal_api_token=TOKEN,
        gateway_timeout_s=1.0,
    )
    monkeypatch.setattr(gateway_client, "get_settings", lambda: settings)
    return settings
