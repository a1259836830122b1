"""The shared vocabulary (data/vocabulary.yml) and the one country id scheme."""

from __future__ import annotations

import pytest
import yaml

from bot.knowledge.content import parse_topic
from bot.knowledge.countries import canonical_country, countries, country_name, find_country
from bot.knowledge.project import REPO_ROOT
from bot.vocabulary import FORMS, HANDOFF_PRIORITIES, HANDOFF_REASONS, parse_vocabulary, vocabulary


def test_forms_reasons_and_priorities():
    assert FORMS == ("en", "ne", "ne-Latn")
    assert HANDOFF_REASONS == ("asked", "danger", "bot_failed", "returning")
    assert HANDOFF_PRIORITIES == ("urgent", "normal")


def test_the_domain_slot_lists_the_same_forms():
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert tuple(domain["slots"]["language"]["values"]) == FORMS


def test_every_need_has_a_label_in_every_form_and_words():
    needs = vocabulary().needs
    assert "shelter" in needs and needs["rescue_repatriation"].abroad
    for need in needs.values():
        assert set(need.label) == set(FORMS) and all(need.label.values())
        assert need.words


def test_a_broken_vocabulary_is_refused():
    raw = yaml.safe_load((REPO_ROOT / "data" / "vocabulary.yml").read_text(encoding="utf-8"))
    raw["forms"]["ne"] = {"en": "Nepali"}
    with pytest.raises(ValueError, match="form 'ne'"):
        parse_vocabulary(raw)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("how much to pay the agency for Qatar?", "QA"), ("malaysiama jane", "MY"),
        ("कतारमा कति पैसा", "QA"), ("मलेसियाको भिसा", "MY"), ("dubai", "AE"),
        ("saudi arab ma kaam", "SA"), ("I want to work in Malaysia", "MY"),
        ("korea jana", "KR"), ("chinta lagyo", None), ("a woman asked", None),
        ("my friend in doha", "QA"),
    ],
)  # fmt: skip
def test_finding_a_country_in_a_message(text, code):
    assert find_country(text) == code


@pytest.mark.parametrize(
    ("key", "code"),
    [("MY", "MY"), ("malaysia", "MY"), ("saudi_arabia", "SA"), ("uae", "AE"),
     ("south_korea", "KR"), ("Qatar", "QA"), ("nowhere", None)],
)  # fmt: skip
def test_content_keys_resolve_to_iso_codes(key, code):
    assert canonical_country(key) == code


def test_names_for_display():
    assert country_name("QA", "ne") == "कतार"
    assert country_name("QA", "ne-Latn") == "Qatar"
    assert len(countries()) >= 20


def test_content_variants_are_keyed_by_code_and_unknown_countries_are_problems():
    forms = {form: {"sms": "x"} for form in FORMS}
    raw = {"id": "t", "intent": "ask_t", "confidence": "high", "sources": ["s"],
           "last_reviewed": "2026-11-28", "answer": forms,
           "countries": {"malaysia": forms, "atlantis": forms}}  # fmt: skip
    problems: list[str] = []
    topic = parse_topic(raw, "f.yml", problems)
    assert topic is not None and list(topic.countries) == ["MY"]
    assert any("unknown country 'atlantis'" in p for p in problems)
