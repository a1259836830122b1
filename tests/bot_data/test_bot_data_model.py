"""With the trained model: gibberish and off-topic text must hit the fallback."""

from __future__ import annotations

import asyncio
from pathlib import Path

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


def test_gibberish_and_off_topic_never_get_a_confident_answer(trained_model: Path):
    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model))

    async def parse_all():
        return [await agent.parse_message(text) for text in PROBES]

    results = asyncio.run(parse_all())
    wrong = [
        (text, r["intent"]["name"], round(r["intent"]["confidence"], 2))
        for text, r in zip(PROBES, results, strict=True)
        if r["intent"]["name"] not in ("nlu_fallback", "out_of_scope")
    ]
    assert len(wrong) <= 1, wrong
