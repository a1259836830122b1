"""A failing action sends nothing and logs no message text (actions/guard.py)."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.utils import all_subclasses

import actions
from actions.guard import SafeAction

SECRET = "my sister Sita is locked in a house in Riyadh"


class Exploding(SafeAction):
    def name(self) -> str:
        return "action_exploding_for_test"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="half an answer")
        raise ValueError(tracker.latest_message["text"])  # an error that quotes the person


def test_every_action_of_the_bot_is_a_safe_action():
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    ours = [
        cls
        for cls in all_subclasses(Action)
        if cls.__module__.startswith("actions.") and not inspect.isabstract(cls)
    ]
    assert len(ours) >= 6
    assert all(issubclass(cls, SafeAction) for cls in ours), ours


@pytest.mark.asyncio
async def test_a_failing_action_sends_nothing_and_logs_no_text(tracker_factory, caplog):
    dispatcher = CollectingDispatcher()
    with caplog.at_level(logging.ERROR, logger="actions.guard"):
        events = await Exploding().run(dispatcher, tracker_factory("greet", SECRET), {})
    assert (events, dispatcher.messages) == ([], [])
    assert "action_exploding_for_test failed: ValueError at" in caplog.text
    assert "Sita" not in caplog.text and "Riyadh" not in caplog.text
