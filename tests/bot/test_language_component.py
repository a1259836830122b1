"""LanguageFormDetector as a Rasa graph component (skipped without Rasa)."""

import pytest

pytest.importorskip("rasa")

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language.component import ENTITY_NAME, LanguageFormDetector
from bot.language.detector import DEFAULT_MIN_CONFIDENCE


def make_component(tmp_path, **config):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("language_form_detector")
    context = ExecutionContext(GraphSchema({}), node_name="language_form_detector")
    return LanguageFormDetector.create(
        {**LanguageFormDetector.get_default_config(), **config}, storage, resource, context
    )


@pytest.fixture
def component(tmp_path):
    return make_component(tmp_path)


def language_entities(message):
    return [e for e in message.get(ENTITIES, []) if e["entity"] == ENTITY_NAME]


CASES = [
    # (text, expected value or None for "no entity")
    ("malai kaam chahiyo", "ne-Latn"),
    ("मलाई काम चाहियो", "ne"),
    ("I need a job in Qatar", "en"),
    ("मलाई job चाहियो", "ne"),
    ("English please", "en"),
    ("नेपालीमा", "ne"),
    ("nepali ma", "ne"),
    ("RN", "ne-Latn"),
    ("NP", "ne"),
    ("EN", "en"),
    ("ok", None),
    ("😀", None),
    ("?", None),
    ("123", None),
    ("१२३", None),
    ("https://example.com", None),
    ("thank you", None),
    ("hello", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_process_adds_entity_only_when_sure(component, text, expected):
    message = Message(data={TEXT: text})
    component.process([message])
    found = language_entities(message)
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1
        entity = found[0]
        assert entity["value"] == expected
        assert entity["start"] == 0
        assert entity["end"] == len(text)
        assert entity["extractor"] == "LanguageFormDetector"
        assert DEFAULT_MIN_CONFIDENCE <= entity["confidence"] <= 1.0


def test_explicit_request_has_full_confidence(component):
    message = Message(data={TEXT: "English please"})
    component.process([message])
    assert language_entities(message)[0]["confidence"] == 1.0


def test_keeps_intent_and_other_entities(component):
    other = {"entity": "country", "value": "Qatar", "start": 0, "end": 5, "extractor": "DIET"}
    intent = {"name": "ask_job", "confidence": 0.93}
    message = Message(data={TEXT: "Qatar ma kaam chahiyo", INTENT: intent, ENTITIES: [other]})
    component.process([message])
    assert message.get(INTENT) == intent
    entities = message.get(ENTITIES)
    assert entities[0] == other
    assert [e["value"] for e in entities[1:]] == ["ne-Latn"]


def test_entities_in_output(component):
    message = Message(data={TEXT: "malai kaam chahiyo"})
    component.process([message])
    assert ENTITIES in message.as_dict(only_output_properties=True)


def test_messages_without_text_untouched(component):
    empty = Message(data={TEXT: ""})
    no_text = Message(data={INTENT: {"name": "greet"}})
    component.process([empty, no_text])
    assert empty.get(ENTITIES) is None
    assert no_text.get(ENTITIES) is None


def test_several_messages(component):
    messages = [Message(data={TEXT: t}) for t in ("ok", "malai help", "I need help now")]
    component.process(messages)
    assert [[e["value"] for e in language_entities(m)] for m in messages] == [
        [],
        ["ne-Latn"],
        ["en"],
    ]


def test_min_confidence_is_configurable(tmp_path):
    strict = make_component(tmp_path, min_confidence=1.0)
    message = Message(data={TEXT: "malai kaam chahiyo"})
    strict.process([message])
    assert language_entities(message) == []
    request = Message(data={TEXT: "nepali ma"})
    strict.process([request])
    assert [e["value"] for e in language_entities(request)] == ["ne"]


def test_invalid_min_confidence(tmp_path):
    with pytest.raises(ValueError):
        make_component(tmp_path, min_confidence=1.5)


def test_process_training_data_unchanged(component):
    data = TrainingData([Message(data={TEXT: "malai kaam chahiyo", INTENT: "ask_job"})])
    assert component.process_training_data(data) is data
    assert data.training_examples[0].get(ENTITIES) is None


def test_registered_as_entity_extractor():
    registered = DefaultV1Recipe._registered_components[LanguageFormDetector.__name__]
    assert registered.clazz is LanguageFormDetector
    assert DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR in registered.types
    assert registered.is_trainable is False


@pytest.mark.parametrize("form", ["en", "ne", "ne-Latn"])
def test_the_gateways_decision_wins_over_the_text(component, form):
    # One decision per message: the gateway's (metadata "language"), whatever the text says.
    message = Message(
        data={TEXT: "How much can an agency charge me?", "metadata": {"language": form}}
    )
    component.process([message])
    [entity] = language_entities(message)
    assert (entity["value"], entity["confidence"]) == (form, 1.0)


def test_the_gateways_decision_also_tags_short_messages(component):
    message = Message(data={TEXT: "2", "metadata": {"language": "ne"}})
    component.process([message])
    assert [e["value"] for e in language_entities(message)] == ["ne"]


@pytest.mark.parametrize("metadata", [None, {}, {"language": "fr"}, {"channel": "sms"}, "x"])
def test_without_a_decision_it_detects_itself(component, metadata):
    message = Message(data={TEXT: "malai kaam chahiyo", "metadata": metadata})
    component.process([message])
    assert [e["value"] for e in language_entities(message)] == ["ne-Latn"]
