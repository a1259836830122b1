"""The shared danger decision (bot.safety) and the emergency replies it points to."""

from __future__ import annotations

import pytest

from bot.safety import (
    DANGER_MASS_MIN,
    RUNNER_UP_MIN,
    danger_signal,
    emergency_text,
)

DANGER = ("danger_child", "danger_confinement", "danger_passport_threat", "danger_self_harm",
          "danger_trafficking", "danger_violence")  # fmt: skip


def parse(intent: str, *ranking: tuple[str, float]) -> dict:
    return {
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }


@pytest.mark.parametrize("form", ["en", "ne", "ne-Latn"])
def test_emergency_replies_name_their_numbers_in_every_form(form):
    assert "100" in emergency_text("danger_violence", form)
    assert "1098" in emergency_text("danger_child", form)
    self_harm = emergency_text("danger_self_harm", form)
    assert "1166" in self_harm and "102" in self_harm and "100" in self_harm
    assert "24" not in self_harm  # 1166's hours are not claimed


def test_each_form_has_its_own_text():
    assert emergency_text("danger_self_harm", "ne") != emergency_text("danger_self_harm", "en")
    assert emergency_text("danger_trafficking", "ne-Latn").startswith("Tapai eklo")


def test_the_broad_check_of_a_handoff_reads_every_intent():
    ranking = (("ask_human", 0.5), ("danger_violence", 0.3))
    assert danger_signal(parse("ask_human", *ranking)) == "danger_violence"  # runner-up
    below = RUNNER_UP_MIN * 0.9
    quiet = (("greet", 0.8), ("danger_violence", below), ("danger_confinement", below / 2))
    assert danger_signal(parse("greet", *quiet)) is None
    # several danger intents, each below the runner-up threshold, together hold the mass
    share = DANGER_MASS_MIN / len(DANGER) + 0.001
    assert share < RUNNER_UP_MIN
    mass = (("greet", 0.4), *((intent, share) for intent in DANGER))
    assert danger_signal(parse("greet", *mass)) is None
    assert danger_signal(parse("greet", *mass), broad=True) in DANGER


def test_a_danger_intent_is_always_danger():
    assert danger_signal(parse("danger_child")) == "danger_child"
