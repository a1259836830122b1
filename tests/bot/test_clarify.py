"""Which topics a clarification question offers (bot.understanding.clarify)."""

from __future__ import annotations

from bot.understanding import clarify
from bot.understanding.clarify import clarification_topics
from bot.understanding.topics import load_topics

TOPICS = load_topics()


def topic_of(intent: str) -> str | None:
    return intent[4:] if intent.startswith("ask_") else None


def offer(*ranking: tuple[str, float], available=None) -> list[str]:
    items = [{"name": name, "confidence": conf} for name, conf in ranking]
    return clarification_topics(items, topic_of, TOPICS, available)


def test_close_candidates_are_offered_best_first():
    got = offer(("ask_worker_costs", 0.38), ("ask_overcharged", 0.30), ("greet", 0.1))
    assert got == ["worker_costs", "overcharged"]


def test_one_family_candidates_are_offered_even_when_not_close():
    got = offer(("ask_worker_costs", 0.38), ("ask_free_visa_free_ticket", 0.08),
                ("ask_helplines", 0.07))  # fmt: skip
    assert got == ["worker_costs", "free_visa_free_ticket"]


def test_a_lonely_best_guess_gets_its_family_members_next_to_it():
    got = offer(("ask_compensation", 0.38), ("ask_helplines", 0.05), ("ask_insurance", 0.02))
    assert got == ["compensation", "insurance"]


def test_at_most_three_choices():
    got = offer(*((f"ask_{t}", 0.2) for t in ("insurance", "welfare_fund", "compensation",
                                               "helplines")))  # fmt: skip
    assert len(got) == clarify.MAX_OPTIONS


def test_nothing_to_offer_when_too_unsure_or_out_of_scope():
    assert offer(("ask_insurance", clarify.MIN_TOP - 0.01)) == []
    assert offer(("out_of_scope", 0.4), ("ask_insurance", 0.3)) == []
    assert offer(("greet", 0.6), ("thanks", 0.3)) == []
    assert offer() == []


def test_only_topics_the_content_answers():
    got = offer(("ask_agency_refund", 0.4), ("ask_overcharged", 0.35),
                available=frozenset({"overcharged"}))  # fmt: skip
    assert got == ["overcharged"]


def test_asking_for_help_in_general_offers_a_counsellor_and_the_menu():
    got = offer(("find_service", 0.27), ("help", 0.17), ("danger_violence", 0.04))
    assert got == ["human", "menu"]
    assert offer(("ask_insurance", 0.3), ("help", 0.2)) == ["insurance"]


def test_a_topic_close_behind_help_comes_first():
    got = offer(("help", 0.47), ("ask_about_service", 0.44), ("ask_worker_costs", 0.02))
    assert got == ["about_service", "human", "menu"]
