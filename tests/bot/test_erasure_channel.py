"""The erasure channel deletes a conversation's rows from Rasa's real SQL tracker store."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.erasure_channel import TrackerErasureInput, delete_conversation


def _tracker(sender: str, text: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, [])
    for event in (UserUttered(text), ActionExecuted("utter_greet"), BotUttered("hello")):
        tracker.update(event)
    return tracker


def test_sql_rows_are_deleted_and_the_text_is_gone_from_the_file(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    asyncio.run(store.save(_tracker("erase-me", "my secret zebra story")))
    asyncio.run(store.save(_tracker("keep-me", "another person")))
    assert b"zebra" in path.read_bytes()
    assert delete_conversation(store, "erase-me") == 3
    assert asyncio.run(store.retrieve("erase-me")) is None
    assert asyncio.run(store.retrieve("keep-me")) is not None
    store.engine.dispose()
    assert b"zebra" not in path.read_bytes()  # secure_delete: not left in free pages
    assert delete_conversation(store, "erase-me") == 0  # idempotent


def test_in_memory_store_too():
    store = InMemoryTrackerStore(Domain.empty())
    asyncio.run(store.save(_tracker("erase-me", "text")))
    assert delete_conversation(store, "erase-me") == 1
    assert asyncio.run(store.retrieve("erase-me")) is None


@pytest.mark.parametrize("credentials", [None, {}, {"token": "short"}])
def test_the_channel_needs_a_real_token(credentials):
    with pytest.raises(ValueError):
        TrackerErasureInput.from_credentials(credentials)
