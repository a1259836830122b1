"""Tell the gateway what a turn did, for the statistics (bot/turn_report.py): the outcome
and, when known, the content topic. Sent as a custom payload that no person ever sees."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.turn_report import payload


def report_turn(
    dispatcher: CollectingDispatcher,
    outcome: str,
    topic: str | None = None,
    family: str | None = None,
) -> None:
    dispatcher.utter_message(json_message=payload(outcome, topic, family))
