"""Contracts of domain.yml, rules and the NLU file convention."""

from __future__ import annotations

import yaml

from bot.knowledge.forms import FORMS
from bot.knowledge.nlu_files import form_of_path, read_nlu_file
from bot.knowledge.project import (
    KNOWLEDGE_MARKER,
    is_knowledge_intent,
    load_domain,
    rule_steps,
)


def test_every_response_has_three_variations(repo_root):
    domain = load_domain(repo_root / "domain.yml")
    assert domain.responses
    for name, variations in domain.responses.items():
        unconditional = [v for v in variations if not v.get("condition")]
        conditioned = {
            c["value"]
            for v in variations
            for c in v.get("condition") or []
            if c.get("type") == "slot" and c.get("name") == "language"
        }
        assert len(unconditional) == 1, name
        assert conditioned == {"ne", "ne-Latn"}, name


def test_language_slot_contract(repo_root):
    domain = load_domain(repo_root / "domain.yml")
    slot = domain.raw["slots"]["language"]
    assert slot["type"] == "categorical"
    assert slot["values"] == list(FORMS)
    assert slot["initial_value"] == "en"
    assert slot["influence_conversation"] is False
    assert slot["mappings"] == [{"type": "from_entity", "entity": "language_form"}]
    assert "language_form" in domain.raw["entities"]


def test_knowledge_marker_or_generated_list(repo_root):
    text = (repo_root / "domain.yml").read_text(encoding="utf-8")
    intents = load_domain(repo_root / "domain.yml").intents
    assert f"  {KNOWLEDGE_MARKER}\n" in text or any(is_knowledge_intent(i) for i in intents)


def test_every_intent_has_a_rule_and_danger_rules_give_numbers_first(repo_root):
    domain = load_domain(repo_root / "domain.yml")
    rules = rule_steps(repo_root / "data" / "rules")
    for intent in domain.intents:
        assert intent in rules, f"no rule for {intent}"
    for intent in domain.intents:
        if intent.startswith("danger_"):
            first, second = rules[intent][:2]
            assert first.startswith("utter_emergency"), intent
            assert second == "action_handoff", intent
    assert rules["ask_human"] == ["action_handoff"]
    assert rules["nlu_fallback"] == ["action_fallback"]


def test_emergency_responses_use_only_high_confidence_numbers(repo_root):
    data = yaml.safe_load((repo_root / "domain.yml").read_text(encoding="utf-8"))
    for name in ("utter_emergency", "utter_emergency_child", "utter_emergency_self_harm"):
        for variation in data["responses"][name]:
            assert "100" in variation["text"], name
    for variation in data["responses"]["utter_emergency_child"]:
        assert "1098" in variation["text"]
    for variation in data["responses"]["utter_emergency"]:
        assert "1145" in variation["text"]


def test_nlu_files_name_their_form(repo_root):
    for path in sorted((repo_root / "data" / "nlu").glob("**/*.yml")):
        examples, problems = read_nlu_file(path)
        assert not problems
        if examples:
            assert form_of_path(path) in FORMS, path
