"""The bot's turn reports cross three processes: an action reports what the turn did (a
custom payload), the real Rasa passes it on in its REST answer, and the gateway counts it per
topic family, never showing it to the person."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.conftest import Service
from tests.e2e.test_sms_end_to_end import text_sms

pytestmark = pytest.mark.e2e


def bot_turns(service: Service) -> dict[tuple[str, str], int]:
    path = service.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as database:
        rows = database.execute(
            "SELECT dimension, value, SUM(count) FROM daily_counts "
            "WHERE metric = 'bot_turns' GROUP BY dimension, value"
        ).fetchall()
    return {(family, outcome): total for family, outcome, total in rows}


def test_answers_and_misses_are_counted_per_topic_family(service: Service) -> None:
    before = bot_turns(service)
    replies = text_sms(service, "what is human trafficking", "+9779800000121")
    assert replies and not any("sahayatri_turn" in reply for reply in replies)
    text_sms(service, "qwzx blorf vvv", "+9779800000122")
    after = bot_turns(service)
    assert after.get(("trafficking", "answer"), 0) == before.get(("trafficking", "answer"), 0) + 1
    misses = {key: n for key, n in after.items() if key[1] == "fallback"}
    assert sum(misses.values()) == sum(n for k, n in before.items() if k[1] == "fallback") + 1
