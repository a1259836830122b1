"""Talks to Rasa's REST channel. Rasa only ever sees the opaque conversation id.

Several Rasa instances (``RasaCluster``): every turn of a conversation goes to the same
instance, chosen by rendezvous hashing of the conversation id over the instances' URLs, so no
two instances work on one conversation at once (Rasa's Redis lock store is not atomic across
instances: RasaHQ/rasa#9213). When that instance cannot be reached at all, the turn goes to
the conversation's next instance in the same stable order; the tracker store is shared, so the
conversation continues there. A turn is never repeated on another instance after it may have
reached Rasa (a timeout or an error answer): that could run the turn twice.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from bot.turn_report import TurnReport, from_custom, strongest

log = logging.getLogger(__name__)

# After an instance could not be reached, its conversations go to their next instance for
# this long before it is tried again.
RETRY_DOWN_INSTANCE_AFTER_SECONDS = 5.0
STATUS_TIMEOUT_SECONDS = 2.0
CONNECTIONS_PER_INSTANCE = 32  # above gunicorn's threads per process: no connection churn
BULKHEAD_WAIT_SECONDS = 0.5


class BotUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


class BotUnreachable(BotUnavailable):
    """No connection could be made: the request certainly did not reach Rasa."""


@dataclass(frozen=True)
class BotReply:
    """One bot message: its text and, for the web widget, its buttons (title, payload)."""

    text: str
    buttons: tuple[dict[str, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class BotTurn:
    """The bot's answer to one message: its replies in order, and what it reported about the
    turn for the statistics (bot/turn_report.py; None when no action reported)."""

    replies: list[BotReply]
    report: TurnReport | None = None


class BotClient(Protocol):
    """What the router needs from a bot (Rasa in production, a fake in unit tests)."""

    def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> BotTurn: ...

    def parse(self, conversation_id: str, text: str) -> dict[str, Any]: ...

    def status(self) -> list[dict[str, Any]]:
        """One entry per instance: ``{"instance": n, "reachable": …, "model_loaded": …}``."""
        ...

    def erase(self, conversation_id: str) -> int: ...

    def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None: ...


def _never_reached(error: requests.RequestException) -> bool:
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(error, requests.ConnectionError) and isinstance(reason, NewConnectionError)


class RasaClient:
    """One Rasa instance."""

    def __init__(self, base_url: str, timeout_seconds: float, api_token: str = "") -> None:
        self.base_url = base_url
        self._timeout = timeout_seconds
        self._api_token = api_token
        self._session = requests.Session()
        adapter = HTTPAdapter(pool_maxsize=CONNECTIONS_PER_INSTANCE)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> BotTurn:
        """Send one user message; return the bot's replies (text and buttons) in order and
        its report."""
        try:
            response = self._session.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": conversation_id, "message": text, "metadata": metadata},
                timeout=self._timeout,
            )
            response.raise_for_status()
            payload = response.json()
        except (requests.RequestException, ValueError) as error:
            log.warning(
                "bot unavailable for conversation %s: %s", conversation_id, type(error).__name__
            )
            if isinstance(error, requests.RequestException) and _never_reached(error):
                raise BotUnreachable from error
            raise BotUnavailable from error
        if not isinstance(payload, list):
            raise BotUnavailable("unexpected reply shape")
        items = [item for item in payload if isinstance(item, dict)]
        reports = [report for item in items if (report := from_custom(item.get("custom")))]
        return BotTurn(
            [
                BotReply(item["text"], _buttons(item.get("buttons")))
                for item in items
                if isinstance(item.get("text"), str) and item["text"]
            ],
            strongest(reports),
        )

    def parse(self, text: str) -> dict[str, Any]:
        """Rasa's NLU parse of ``text`` (``POST /model/parse``): no bot turn, nothing stored
        in the tracker. Used to check messages for danger during a hand-off."""
        try:
            response = self._session.post(
                f"{self.base_url}/model/parse",
                params={"token": self._api_token} if self._api_token else None,
                json={"text": text},
                timeout=self._timeout,
            )
            response.raise_for_status()
            payload = response.json()
        except (requests.RequestException, ValueError) as error:
            if isinstance(error, requests.RequestException) and _never_reached(error):
                raise BotUnreachable from error
            raise BotUnavailable from error
        if not isinstance(payload, dict):
            raise BotUnavailable("unexpected parse shape")
        return payload

    def status(self) -> dict[str, Any]:
        """Rasa's /status (which model is loaded); raises BotUnavailable."""
        try:
            response = self._session.get(
                f"{self.base_url}/status",
                params={"token": self._api_token} if self._api_token else None,
                timeout=min(self._timeout, STATUS_TIMEOUT_SECONDS),
            )
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as error:
            raise BotUnavailable from error

    def erase(self, conversation_id: str) -> int:
        """Delete the conversation from Rasa's tracker store; return the events deleted.

        Through the erasure channel (bot/erasure_channel.py): Rasa 3.6's own API cannot
        delete a conversation (a PUT of no events deletes nothing with the SQL store).
        """
        try:
            response = self._session.delete(
                f"{self.base_url}/webhooks/erasure/conversations/{conversation_id}",
                headers={"Authorization": f"Bearer {self._api_token}"},
                timeout=self._timeout,
            )
            response.raise_for_status()
            return int(response.json()["deleted_events"])
        except (ValueError, KeyError, TypeError) as error:
            raise BotUnavailable from error
        except requests.RequestException as error:
            raise (BotUnreachable if _never_reached(error) else BotUnavailable) from error

    def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Add events to the conversation's tracker (Rasa HTTP API, needs --enable-api)."""
        self._tracker_events("POST", conversation_id, events)

    def _tracker_events(
        self, method: str, conversation_id: str, events: list[dict[str, Any]]
    ) -> None:
        try:
            response = self._session.request(
                method,
                f"{self.base_url}/conversations/{conversation_id}/tracker/events",
                params={"token": self._api_token} if self._api_token else None,
                json=events,
                timeout=self._timeout,
            )
            response.raise_for_status()
        except requests.RequestException as error:
            raise (BotUnreachable if _never_reached(error) else BotUnavailable) from error


class RasaCluster:
    """One or more Rasa instances sharing a tracker store; conversations stick to one."""

    def __init__(
        self,
        base_urls: list[str],
        timeout_seconds: float,
        api_token: str = "",
        max_concurrent: int = 6,
    ) -> None:
        if not base_urls:
            raise ValueError("at least one Rasa URL is needed")
        self.instances = [RasaClient(url, timeout_seconds, api_token) for url in base_urls]
        self._down_until = [0.0] * len(self.instances)
        # A bulkhead: when Rasa is slow, the requests waiting for it are bounded, and the
        # gateway's other threads stay free for webhooks, the console and health checks.
        self._turns = threading.BoundedSemaphore(max_concurrent)

    def order_for(self, conversation_id: str) -> list[int]:
        """The instances (indexes) in this conversation's stable order of preference.

        Rendezvous hashing: the same order in every gateway process (a keyed digest, not
        Python's per-process ``hash``), and removing an instance moves only its conversations.
        """

        def weight(index: int) -> bytes:
            key = f"{self.instances[index].base_url}\n{conversation_id}".encode()
            return hashlib.blake2b(key, digest_size=8).digest()

        return sorted(range(len(self.instances)), key=weight, reverse=True)

    def _candidates(self, conversation_id: str) -> list[int]:
        """Preferred order, instances recently found down last (still tried if all are)."""
        now = time.monotonic()
        order = self.order_for(conversation_id)
        return [i for i in order if self._down_until[i] <= now] + [
            i for i in order if self._down_until[i] > now
        ]

    def _on_instance(self, conversation_id: str, call: Any) -> Any:
        last_error: BotUnavailable | None = None
        for index in self._candidates(conversation_id):
            try:
                result = call(self.instances[index])
            except BotUnreachable as error:
                self._down_until[index] = time.monotonic() + RETRY_DOWN_INSTANCE_AFTER_SECONDS
                if len(self.instances) > 1:
                    log.warning("rasa instance %d unreachable: trying the next one", index + 1)
                last_error = error
                continue
            self._down_until[index] = 0.0
            return result
        raise last_error or BotUnavailable("no Rasa instance reachable")

    def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> BotTurn:
        if not self._turns.acquire(timeout=BULKHEAD_WAIT_SECONDS):
            log.warning("bot busy for conversation %s: too many turns waiting", conversation_id)
            raise BotUnavailable("too many turns in progress")
        try:
            return self._on_instance(conversation_id, lambda rasa: rasa.send(
                conversation_id, text, metadata))  # fmt: skip
        finally:
            self._turns.release()

    def parse(self, conversation_id: str, text: str) -> dict[str, Any]:
        """The NLU parse on the conversation's own instance (any instance could: no state)."""
        return self._on_instance(conversation_id, lambda rasa: rasa.parse(text))

    def erase(self, conversation_id: str) -> int:
        return self._on_instance(conversation_id, lambda rasa: rasa.erase(conversation_id))

    def available(self) -> bool:
        """Can some instance answer a turn now (reachable, model loaded)?"""
        return any(s["reachable"] and s["model_loaded"] for s in self.status())

    def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        self._on_instance(conversation_id, lambda rasa: rasa.append_events(conversation_id,
                                                                           events))  # fmt: skip

    def status(self) -> list[dict[str, Any]]:
        statuses = []
        for number, instance in enumerate(self.instances, start=1):
            try:
                status = instance.status()
            except BotUnavailable:
                statuses.append({"instance": number, "reachable": False, "model_loaded": False})
                continue
            loaded = bool(status.get("model_file") or status.get("model_id"))
            statuses.append({"instance": number, "reachable": True, "model_loaded": loaded})
        return statuses


def _buttons(raw: Any) -> tuple[dict[str, str], ...]:
    """Well-formed buttons only: a title and a payload, both text."""
    if not isinstance(raw, list):
        return ()
    return tuple(
        {"title": b["title"], "payload": b["payload"]}
        for b in raw
        if isinstance(b, dict)
        and isinstance(b.get("title"), str)
        and isinstance(b.get("payload"), str)
    )
