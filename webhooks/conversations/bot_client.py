"""Talks to Rasa's REST channel. Rasa only ever sees the opaque conversation id."""

from __future__ import annotations

import logging
from typing import Any, Protocol

import requests

log = logging.getLogger(__name__)


class BotUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


class BotClient(Protocol):
    """What the router needs from a bot (Rasa in production, a fake in unit tests)."""

    def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> list[str]: ...

    def status(self) -> dict[str, Any]: ...

    def erase(self, conversation_id: str) -> None: ...

    def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None: ...


class RasaClient:
    def __init__(self, base_url: str, timeout_seconds: float, api_token: str = "") -> None:
        self._base_url = base_url
        self._timeout = timeout_seconds
        self._api_token = api_token
        self._session = requests.Session()

    def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> list[str]:
        """Send one user message; return the bot's text replies in order."""
        try:
            response = self._session.post(
                f"{self._base_url}/webhooks/rest/webhook",
                json={"sender": conversation_id, "message": text, "metadata": metadata},
                timeout=self._timeout,
            )
            response.raise_for_status()
            payload = response.json()
        except (requests.RequestException, ValueError) as error:
            log.warning(
                "bot unavailable for conversation %s: %s", conversation_id, type(error).__name__
            )
            raise BotUnavailable from error
        if not isinstance(payload, list):
            raise BotUnavailable("unexpected reply shape")
        return [item["text"] for item in payload if isinstance(item, dict) and item.get("text")]

    def status(self) -> dict[str, Any]:
        """Rasa's /status (which model is loaded); raises BotUnavailable."""
        try:
            response = self._session.get(
                f"{self._base_url}/status",
                params={"token": self._api_token} if self._api_token else None,
                timeout=self._timeout,
            )
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as error:
            raise BotUnavailable from error

    def erase(self, conversation_id: str) -> None:
        """Replace the conversation's events in Rasa's tracker store with none."""
        self._tracker_events("PUT", conversation_id, [])

    def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Add events to the conversation's tracker (Rasa HTTP API, needs --enable-api)."""
        self._tracker_events("POST", conversation_id, events)

    def _tracker_events(
        self, method: str, conversation_id: str, events: list[dict[str, Any]]
    ) -> None:
        try:
            response = self._session.request(
                method,
                f"{self._base_url}/conversations/{conversation_id}/tracker/events",
                params={"token": self._api_token} if self._api_token else None,
                json=events,
                timeout=self._timeout,
            )
            response.raise_for_status()
        except requests.RequestException as error:
            raise BotUnavailable from error
