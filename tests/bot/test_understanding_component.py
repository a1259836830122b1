"""ShortMessageRecognizer as a Rasa component: choices, topic words, danger first."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa")

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.components import UNDERSTANDING, ShortMessageRecognizer


@pytest.fixture(scope="module")
def recognizer(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    context = ExecutionContext(GraphSchema({}), node_name="short")
    return ShortMessageRecognizer.create({}, storage, Resource("short"), context)


def process(recognizer, text: str, intent: str, *ranking: tuple[str, float]) -> Message:
    ranking_list = [{"name": n, "confidence": c} for n, c in ranking]
    confidence = ranking_list[0]["confidence"] if ranking_list else 0.5
    message = Message(
        data={
            TEXT: text,
            INTENT: {"name": intent, "confidence": confidence},
            INTENT_RANKING_KEY: ranking_list,
        }
    )
    recognizer.process([message])
    return message


def test_a_bare_number_is_a_choice_whatever_the_classifier_said(recognizer):
    message = process(recognizer, "२", "greet", ("greet", 0.6))
    assert message.get(INTENT)["name"] == "choose"
    assert message.get(UNDERSTANDING) == {"kind": "choice", "choice": 2, "topics": [], "node": None}
    assert UNDERSTANDING in message.as_dict(only_output_properties=True)


def test_topic_words_are_placed_even_when_the_classifier_fell_back(recognizer):
    message = process(recognizer, "visa", "nlu_fallback", ("ask_visit_visa", 0.3))
    assert message.get(INTENT)["name"] == "choose"
    assert message.get(UNDERSTANDING)["kind"] == "topics"


def test_a_sure_classifier_keeps_a_topic_the_words_also_name(recognizer):
    message = process(recognizer, "what is human trafficking", "ask_trafficking_definition",
                      ("ask_trafficking_definition", 0.9))  # fmt: skip
    assert message.get(INTENT)["name"] == "ask_trafficking_definition"
    message = process(recognizer, "passport", "ask_passport_kept", ("ask_passport_kept", 0.7))
    assert message.get(INTENT)["name"] == "ask_passport_kept"
    # sure of something the words do not name: the words decide
    message = process(recognizer, "qatar visa", "followup_country", ("followup_country", 0.8))
    assert message.get(INTENT)["name"] == "choose"


@pytest.mark.parametrize("text", ["nepali", "English please", "EN", "नेपालीमा", "roman nepali"])
def test_a_bare_request_for_a_form_is_a_language_switch(recognizer, text):
    message = process(recognizer, text, "nlu_fallback", ("greet", 0.3))
    assert message.get(INTENT)["name"] == "switch_language"


def test_a_question_that_names_a_language_is_not_a_switch(recognizer):
    message = process(recognizer, "nepali embassy number", "ask_embassy", ("ask_embassy", 0.9))
    assert message.get(INTENT)["name"] == "ask_embassy"


def test_menu_and_counsellor_words(recognizer):
    assert process(recognizer, "मेनु", "nlu_fallback").get(INTENT)["name"] == "help"
    assert process(recognizer, "counsellor", "greet").get(INTENT)["name"] == "ask_human"


def test_a_danger_intent_is_never_replaced(recognizer):
    message = process(recognizer, "passport", "danger_passport_threat",
                      ("danger_passport_threat", 0.8))  # fmt: skip
    assert message.get(INTENT)["name"] == "danger_passport_threat"
    assert message.get(UNDERSTANDING) is None


def test_one_topic_word_wins_over_an_unsure_danger_guess(recognizer):
    message = process(recognizer, "passport", "nlu_fallback", ("danger_passport_threat", 0.4))
    assert message.get(INTENT)["name"] == "choose"


def test_a_longer_message_that_reads_like_danger_is_left_to_the_safety_net(recognizer):
    message = process(recognizer, "missing person passport", "nlu_fallback",
                      ("danger_trafficking", 0.4), ("ask_missing_person", 0.2))  # fmt: skip
    assert message.get(INTENT)["name"] == "nlu_fallback"


def test_the_classifiers_choose_without_a_choice_falls_back(recognizer):
    message = process(recognizer, "I paid 2 lakh", "choose", ("choose", 0.7))
    assert message.get(INTENT)["name"] == "nlu_fallback"


def test_a_plain_intent_with_danger_close_behind_becomes_that_danger(recognizer):
    message = process(recognizer, "hello please help me he hits me", "greet",
                      ("greet", 0.55), ("danger_violence", 0.3))  # fmt: skip
    assert message.get(INTENT) == {"name": "danger_violence", "confidence": 0.3}


@pytest.mark.parametrize("intent", ["ask_insurance", "find_service", "nlu_fallback"])
def test_intents_whose_actions_check_danger_themselves_are_kept(recognizer, intent):
    message = process(recognizer, "my sister is locked in need help in dubai", intent,
                      (intent, 0.55), ("danger_confinement", 0.3))  # fmt: skip
    assert message.get(INTENT)["name"] == intent


def test_registered_as_an_untrained_intent_classifier():
    registered = DefaultV1Recipe._registered_components[ShortMessageRecognizer.__name__]
    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in registered.types
    assert registered.is_trainable is False
