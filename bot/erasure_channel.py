"""Deletes a conversation from Rasa's tracker store, for the gateway's erasure and retention.

Rasa 3.6 has no way to delete a conversation over HTTP: ``PUT /conversations/{id}/tracker/events``
with ``[]`` appends nothing and deletes nothing with the SQL tracker store, and the
``TrackerStore`` classes have no delete method. This input channel (listed in
credentials.yml, so ``rasa run`` mounts it under ``/webhooks/erasure/``) adds one small
authenticated endpoint that deletes the rows itself, under the conversation's lock so no turn
in progress writes them back:

    DELETE /webhooks/erasure/conversations/<conversation id>
    Authorization: Bearer <RASA_API_TOKEN>        ->  200 {"deleted_events": n}

With SQLite, ``PRAGMA secure_delete`` overwrites the deleted rows in the file as well.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import text

log = logging.getLogger(__name__)


def underlying_store(store: Any) -> Any:
    """The real store behind Rasa's wrappers (e.g. FailSafeTrackerStore)."""
    seen = 0
    while hasattr(store, "_tracker_store") and seen < 5:
        store = store._tracker_store
        seen += 1
    return store


def delete_conversation(store: TrackerStore, conversation_id: str) -> int:
    """Delete every stored event of ``conversation_id``; return how many were deleted."""
    store = underlying_store(store)
    if isinstance(store, SQLTrackerStore):
        with store.session_scope() as session:
            if store.engine.dialect.name == "sqlite":
                session.execute(text("PRAGMA secure_delete = ON"))
            deleted = (
                session.query(store.SQLEvent)
                .filter(store.SQLEvent.sender_id == conversation_id)
                .delete(synchronize_session=False)
            )
            session.commit()
            return int(deleted)
    if isinstance(store, InMemoryTrackerStore):
        removed = store.store.pop(conversation_id, None)
        return 0 if removed is None else 1
    raise NotImplementedError(f"erasure is not implemented for {type(store).__name__}")


class TrackerErasureInput(InputChannel):
    """Not a chat channel: it only deletes conversations (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "erasure"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TrackerErasureInput:
        token = str((credentials or {}).get("token") or "")
        if len(token) < 16:
            raise ValueError("the erasure channel needs a token of at least 16 characters")
        return cls(token)

    def __init__(self, token: str) -> None:
        self._token = token

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        given = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
        return bool(given) and hmac.compare_digest(given.encode(), self._token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        erasure = Blueprint("erasure_webhook", __name__)

        @erasure.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @erasure.route("/conversations/<conversation_id>", methods=["DELETE"])
        async def erase(request: Request, conversation_id: str) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            agent = request.app.ctx.agent
            if agent is None or agent.tracker_store is None:
                return response.json({"error": "no tracker store"}, status=503)
            async with agent.lock_store.lock(conversation_id):
                try:
                    deleted = delete_conversation(agent.tracker_store, conversation_id)
                except NotImplementedError as error:
                    return response.json({"error": str(error)}, status=501)
            log.info("erased conversation %s: %d events", conversation_id, deleted)
            return response.json({"deleted_events": deleted})

        return erasure
