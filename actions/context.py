"""Small readers for what the actions need from the tracker."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.knowledge.forms import normalise_form

CHANNELS = ("sms", "whatsapp", "web", "android_sms")


def language_of(tracker: Tracker) -> str:
    """The form to answer in: the gateway's decision for this message (metadata
    ``language``), else the conversation's form (slot ``language``), else English."""
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    return normalise_form(metadata.get("language"), normalise_form(tracker.get_slot("language")))


def channel_of(tracker: Tracker) -> str:
    """The gateway's channel for the latest message; SMS (the shortest text) if unknown."""
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    channel = metadata.get("channel")
    return channel if channel in CHANNELS else "sms"


def turn_of(tracker: Tracker) -> int | None:
    """The gateway's id for the message this turn answers (metadata ``turn``), if it sent one."""
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    turn = metadata.get("turn")
    return turn if isinstance(turn, int) and not isinstance(turn, bool) else None


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    for item in tracker.latest_message.get("entities") or []:
        if item.get("entity") == entity and item.get("value"):
            return str(item["value"])
    return None


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")
