"""With a trained model in models/: gibberish and off-topic text must hit the fallback.

Skipped when no model has been trained (train with `rasa train ... --out models`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PROBES = [
    "asdfghjkl",
    "qwe rty uiop",
    "zzz zzz",
    "xcvb nmmm",
    "ट्ट्ट ङङङ",
    "kkkkk lllll",
    "what colour is a banana",
    "मलाई क्रिकेट खेल्न मन पर्छ",
    "momo khana jaam",
    "which phone has the best camera",
]


def _latest_model() -> Path | None:
    models = sorted((REPO_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


@pytest.mark.skipif(_latest_model() is None, reason="no trained model in models/")
def test_gibberish_and_off_topic_never_get_a_confident_answer():
    from rasa.core.agent import Agent

    agent = Agent.load(str(_latest_model()))

    async def parse_all():
        return [await agent.parse_message(text) for text in PROBES]

    results = asyncio.run(parse_all())
    wrong = [
        (text, r["intent"]["name"], round(r["intent"]["confidence"], 2))
        for text, r in zip(PROBES, results, strict=True)
        if r["intent"]["name"] not in ("nlu_fallback", "out_of_scope")
    ]
    assert len(wrong) <= 1, wrong
