"""Every message the product itself suggests gets a confident, right answer from the real model.

The widget's suggestion chips, the README's example messages and the words our own replies tell
people to type ("type 'counsellor'") are the first things people send. Each is parsed by the
trained model (trained now if data or config changed) and must reach its intent above the
FallbackClassifier threshold, never `nlu_fallback`. Chips are read from the widget's source, so
a new chip without an expectation here fails the test instead of going unchecked.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

pytest.importorskip("rasa")

ROOT = Path(__file__).resolve().parents[2]
WIDGET_JS = ROOT / "webhooks" / "widget" / "static" / "sahayatri.js"
README = ROOT / "README.md"

# chip text (what the chip sends) -> intent
CHIPS = {
    "menu": "help",
    "I need a counsellor": "ask_human",
    "How much can an agency charge me?": "ask_free_visa_free_ticket",
    "How do I get a labour permit?": "ask_labour_permit",
    "What are the signs of trafficking?": "ask_trafficking_signs",
    "मेनु": "help",
    "परामर्शदाता चाहियो": "ask_human",
    "म्यानपावरलाई कति पैसा तिर्नुपर्छ?": "ask_free_visa_free_ticket",
    "श्रम स्वीकृति कसरी लिने?": "ask_labour_permit",
    "मानव बेचबिखनका संकेत के हुन्?": "ask_trafficking_signs",
    "menu dekhaunus": "help",
    "counsellor chahiyo": "ask_human",
    "manpower lai kati paisa tirnuparchha?": "ask_free_visa_free_ticket",
    "shram swikriti kasari line?": "ask_labour_permit",
    "manav bechbikhan ka sanket k hun?": "ask_trafficking_signs",
}

# messages the README shows people sending -> intent (each must still be in README.md)
README_EXAMPLES = {
    "malai help chahiyo": "help",
    "नमस्ते": "greet",
    "hello": "greet",
    "what about Malaysia?": "followup_country",
    "English please": "switch_language",
    "नेपालीमा": "switch_language",
    "roman nepali": "switch_language",
    "EN": "switch_language",
    "NP": "switch_language",
    "RN": "switch_language",
}

# words our replies tell people to type to reach a counsellor (domain.yml, data/content)
REPLY_INSTRUCTIONS = {
    "counsellor": "ask_human",
    "परामर्शदाता": "ask_human",
    "manchhe": "ask_human",
}

# other ways people ask for a person (earlier replies suggested these words)
HUMAN_REQUESTS = {
    "मान्छेसँग कुरा": "ask_human",
    "manchhe sanga kura": "ask_human",
}


def widget_chips() -> list[str]:
    """The text each suggestion chip sends, from the `quick: [[label, text], ...]` lists."""
    source = WIDGET_JS.read_text(encoding="utf-8")
    blocks = re.findall(r"quick:\s*\[(.*?)\n\s*\],", source, flags=re.S)
    assert len(blocks) == 3, "expected one chip list per language form"
    return [
        text for block in blocks for _, text in re.findall(r'\["([^"]*)",\s*"([^"]*)"\]', block)
    ]


def readme_sms_examples() -> list[str]:
    return re.findall(r'TEXT="([^"]+)"', README.read_text(encoding="utf-8"))


def test_every_chip_and_readme_example_has_an_expectation():
    chips = widget_chips()
    assert sorted(chips) == sorted(CHIPS), "update CHIPS to the widget's suggestion chips"
    readme = README.read_text(encoding="utf-8")
    for example in README_EXAMPLES:
        assert example in readme, f"README no longer shows {example!r}: update README_EXAMPLES"
    for example in readme_sms_examples():
        assert example in README_EXAMPLES, f"README example {example!r} has no expectation"
    replies = "\n".join(
        path.read_text(encoding="utf-8")
        for path in [ROOT / "domain.yml", *sorted((ROOT / "data" / "content").glob("*.yml"))]
    )
    for word in REPLY_INSTRUCTIONS:
        assert f"'{word}'" in replies, f"no reply tells people to type {word!r} any more"


@pytest.fixture(scope="module")
def parse(trained_model_path: Path):
    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model_path))

    def run(texts: list[str]) -> dict[str, dict]:
        async def parse_all():
            return [await agent.parse_message(text) for text in texts]

        return dict(zip(texts, asyncio.run(parse_all()), strict=True))

    return run


@pytest.fixture(scope="module")
def trained_model_path() -> Path:
    from scripts.train import ensure_model

    return ensure_model()


@pytest.mark.parametrize(
    "expected",
    [CHIPS, README_EXAMPLES, REPLY_INSTRUCTIONS, HUMAN_REQUESTS],
    ids=["widget chips", "README examples", "reply instructions", "human requests"],
)
def test_product_examples_get_a_confident_right_intent(parse, expected: dict[str, str]):
    results = parse(list(expected))
    wrong = {
        text: (r["intent"]["name"], round(r["intent"]["confidence"], 2))
        for text, r in results.items()
        if r["intent"]["name"] != expected[text]
    }
    assert not wrong, wrong
