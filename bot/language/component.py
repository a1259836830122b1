"""Rasa NLU component that tags each message with the form of language it is written in.

Add it at the end of the pipeline (after DIETClassifier / FallbackClassifier)::

    - name: bot.language.component.LanguageFormDetector
      min_confidence: 0.8   # optional, default DEFAULT_MIN_CONFIDENCE

One language decision per message: the gateway makes it (explicit choice > confident
detection > the conversation's form, see webhooks/conversations/router.py) and sends it as
``metadata["language"]``; this component then tags the message with that form, always, so
the ``language`` slot (``from_entity: language_form``) and every response and action follow
the gateway. Without that metadata (``rasa shell``, ``rasa test``, Rasa's ``/model/parse``)
it decides itself, the same way: an explicit request ("English please", "नेपालीमा", "RN",
see ``bot.language.detector``) or a confident detection; unknown or unsure messages ("ok",
"😀", "123") get no entity, so the slot keeps its value. Intents and the entities of other
extractors are left untouched.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language.detector import DEFAULT_MIN_CONFIDENCE, FORMS, detect, requested_form, warm_up

ENTITY_NAME = "language_form"
METADATA = "metadata"
METADATA_KEY = "language"  # the gateway's decision for this message
EXTRACTOR_NAME = "LanguageFormDetector"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageFormDetector(GraphComponent, EntityExtractorMixin):
    """Emits a ``language_form`` entity on explicit requests and confident detections."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # a detection below this confidence emits no entity (explicit requests always do)
            "min_confidence": DEFAULT_MIN_CONFIDENCE,
            # name of the entity (and so of the slot mapping's entity)
            "entity": ENTITY_NAME,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self.min_confidence = float(config.get("min_confidence", DEFAULT_MIN_CONFIDENCE))
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be within 0..1, got {self.min_confidence}")
        self.entity = str(config.get("entity", ENTITY_NAME))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageFormDetector:
        warm_up()  # load lexicons/model when the bot starts, not on the first message
        return cls(config)

    @property
    def name(self) -> str:
        return EXTRACTOR_NAME

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def language_entity(self, text: str) -> dict[str, Any] | None:
        """The entity for ``text``, or None when the form should not change."""
        requested = requested_form(text)
        if requested is not None:
            form, confidence = requested, 1.0
        else:
            detection = detect(text)
            if detection.form not in FORMS or detection.confidence < self.min_confidence:
                return None
            form, confidence = detection.form, detection.confidence
        return {
            "entity": self.entity,
            "value": form,
            "start": 0,
            "end": len(text),
            "confidence": confidence,
            "extractor": EXTRACTOR_NAME,
        }

    def decided_entity(self, text: str, metadata: Any) -> dict[str, Any] | None:
        """The gateway's decision from the message metadata, or None."""
        form = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
        if form not in FORMS:
            return None
        return {
            "entity": self.entity,
            "value": form,
            "start": 0,
            "end": len(text),
            "confidence": 1.0,
            "extractor": EXTRACTOR_NAME,
        }

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            entity = self.decided_entity(text, message.get(METADATA)) or self.language_entity(text)
            if entity is None:
                continue
            entities = list(message.get(ENTITIES, []))
            entities.append(entity)
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
