"""The needs taxonomy: stable codes, labels in the three language forms, a few synonyms.

Defined once in data/vocabulary.yml (bot.vocabulary), which the bot's actions read too.
"""

from __future__ import annotations

from bot.vocabulary import vocabulary
from webhooks.referrals.geo import fold

_VOCABULARY = vocabulary()
NEEDS: dict[str, dict[str, str]] = {code: need.label for code, need in _VOCABULARY.needs.items()}

# Needs served from Nepal for people who are abroad (used when a country is asked without a need).
ABROAD_NEEDS = tuple(code for code, need in _VOCABULARY.needs.items() if need.abroad)

_SYNONYMS = {code: list(need.aliases) for code, need in _VOCABULARY.needs.items()}

_BY_KEY: dict[str, str] = {}
for _code, _labels in NEEDS.items():
    for _name in [_code, _code.replace("_", " "), *_labels.values(), *_SYNONYMS.get(_code, [])]:
        _BY_KEY.setdefault(fold(_name), _code)


def resolve_need(value: str | None) -> str | None:
    """A need code from a code, a label or a synonym (any script); None if unknown."""
    if not value or not value.strip():
        return None
    return _BY_KEY.get(fold(value.strip()))


def need_json(code: str) -> dict[str, object]:
    return {"code": code, "label": NEEDS[code]}
