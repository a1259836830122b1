"""Actions that fail without leaking what people wrote.

When an action raises, rasa_sdk's exception handler answers 500 with the whole request body
(the tracker, with every message of the conversation) and Rasa logs that body with the error:
message texts would end up in both processes' logs. Every action here derives from
``SafeAction`` instead of ``Action``: an exception is logged by its type and place only, and
the action sends nothing, so Rasa's REST channel answers ``[]`` and the gateway does what it
does for any turn without an answer (the safe reply now; its worker answers or hands the
message to counsellors later, checking it for danger first).
"""

from __future__ import annotations

import functools
import logging
import traceback
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

log = logging.getLogger(__name__)

Run = Callable[[Any, CollectingDispatcher, Tracker, dict[str, Any]], Awaitable[list[Any]]]


def _where(error: BaseException) -> str:
    """``file:line`` of the innermost frame: enough to find the bug, no values."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


def _guarded(run: Run) -> Run:
    @functools.wraps(run)
    async def guarded(
        self: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[Any]:
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception as error:
            log.error(
                "action %s failed: %s at %s", self.name(), type(error).__name__, _where(error)
            )
            dispatcher.messages.clear()  # half a turn's replies would mislead
            return []

    return guarded


class SafeAction(Action, ABC):
    """Base of every Sahayatri action (abstract: rasa_sdk registers only its subclasses)."""

    @abstractmethod
    def name(self) -> str: ...

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "run" in cls.__dict__:
            cls.run = _guarded(cls.__dict__["run"])  # type: ignore[method-assign]
