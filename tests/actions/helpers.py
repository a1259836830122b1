"""Helpers shared by the action tests (import as tests.actions.helpers)."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

TOKEN = "test-token"


def user_event(intent: str, text: str = "") -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": []},
    }


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("text") for m in dispatcher.messages if m.get("text")]


def reports(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """What the actions reported about the turn (bot/turn_report.py), in order."""
    return [m["custom"]["sahayatri_turn"] for m in dispatcher.messages if m.get("custom")]
