"""Rasa NLU components: a spelling-folding tokenizer and the short-message recogniser.

``FoldingTokenizer`` (in place of WhitespaceTokenizer) sets each Latin token's lemma to its
folded spelling (bot.understanding.normalise): CountVectorsFeaturizer reads lemmas, so "xa",
"cha" and "chha" share features while the text and entities stay as written.

``ShortMessageRecognizer`` (after FallbackClassifier) decides the messages a sentence
classifier cannot be trusted with (bot.understanding.choices):

- a bare choice, "back", or a menu word -> intent ``choose`` (or ``help`` for "menu"), with
  what was recognised in the parse's ``understanding`` field; action_menu resolves a number
  against the choices the conversation was last shown;
- a few topic words -> ``choose`` with the topic ids or the menu screen; asking for a
  counsellor ("counsellor", "मान्छे") -> ``ask_human``. When the classifier is already sure
  of a topic the words name ("what is human trafficking"), its answer stands.
Danger comes first: a danger intent is never replaced, and a longer message (more than two
content words) whose ranking the safety net reads as danger is left to the net. For intents
answered by a plain response (greetings, help, language switches, asking for a person) a
danger runner-up (bot.safety) promotes the message to that danger intent, so the danger
rules answer it; knowledge and referral actions check the runner-up themselves.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.project import is_knowledge_intent
from bot.language.detector import requested_form
from bot.safety import FALLBACK_INTENTS, danger_runner_up, is_danger, suspected_danger
from bot.understanding.choices import Recognition, recognise
from bot.understanding.normalise import fold_token, rules_fingerprint
from bot.understanding.topics import load_topics

CHOOSE = "choose"
SWITCH_LANGUAGE = "switch_language"
UNDERSTANDING = "understanding"  # the parse field with what the recogniser found
# Intents whose actions check the danger runner-up themselves (actions/referrals.py).
SELF_CHECKING_INTENTS = frozenset({"find_service", "followup_place"})
MAX_CONTENT_WORDS_OVER_NET = 2


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer whose Latin tokens carry their folded spelling as lemma."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **WhitespaceTokenizer.get_default_config(),
            "fold_spelling": True,
            "fold_rules": rules_fingerprint(),  # a rule change retrains the model
        }

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        if attribute == TEXT and self._config.get("fold_spelling", True):
            for token in tokens:
                token.lemma = fold_token(token.text)
        return tokens


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ShortMessageRecognizer(GraphComponent, IntentClassifier):
    """Bare choices, menu words and topic words; danger runner-ups of plain intents."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ShortMessageRecognizer:
        recognise("warm up")  # build the lexicon when the bot starts
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and text.strip():
                self._decide(message, text)
        return messages

    def _decide(self, message: Message, text: str) -> None:
        intent = str((message.get(INTENT) or {}).get("name") or "")
        if is_danger(intent):
            return
        if requested_form(text) is not None:  # "nepali", "English please", "EN": nothing else
            if intent != SWITCH_LANGUAGE:
                _set_intent(message, SWITCH_LANGUAGE, 1.0)
            return
        parse = {INTENT: message.get(INTENT), INTENT_RANKING_KEY: message.get(INTENT_RANKING_KEY)}
        found = recognise(text)
        if found is not None and not (
            found.kind in ("topics", "node")
            and suspected_danger(parse)
            and content_words(text) > MAX_CONTENT_WORDS_OVER_NET
        ):
            if not _agrees(intent, found):
                self._set(message, found)
            return
        if intent == CHOOSE:  # the classifier's guess, but not a choice we recognise
            _set_intent(message, "nlu_fallback", 1.0)
            return
        if intent in FALLBACK_INTENTS or is_knowledge_intent(intent):
            return
        if intent in SELF_CHECKING_INTENTS:
            return
        danger = danger_runner_up(parse)
        if danger:
            confidence = next(
                float(r.get("confidence") or 0.0)
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get("name") == danger
            )
            _set_intent(message, danger, confidence)

    @staticmethod
    def _set(message: Message, found: Recognition) -> None:
        intent = {"menu": "help", "human": "ask_human"}.get(found.kind, CHOOSE)
        _set_intent(message, intent, 1.0)
        message.set(UNDERSTANDING, found.as_dict(), add_to_output=True)


def _agrees(intent: str, found: Recognition) -> bool:
    """The classifier is sure of a topic the words also name ("what is human trafficking":
    ask_trafficking_definition, within the trafficking family): keep its answer."""
    if not is_knowledge_intent(intent) or found.kind not in ("topics", "node"):
        return False
    topic = intent.removeprefix("ask_")  # data/content: a topic's intent is ask_<topic id>
    topics = load_topics()
    named = set(found.topics) | set(topics.topics_under(found.node) if found.node else ())
    return topic in named


def _set_intent(message: Message, name: str, confidence: float) -> None:
    message.set(INTENT, {"name": name, "confidence": confidence}, add_to_output=True)


def content_words(text: str) -> int:
    """Rough number of words that carry meaning (longer than two letters)."""
    return sum(1 for word in text.split() if len(word.strip("?!.,।")) > 2)
