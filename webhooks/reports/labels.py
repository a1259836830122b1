"""Words for the codes in the report tables (English: the console's language).

Codes stay the data (exports carry both); words come from where each code is defined: the
console's vocabularies, the wrap-up form definition, the countries of data/geo, the
referral needs taxonomy, the bot's topic families.
"""

from __future__ import annotations

from functools import cache

from webhooks.console.common import CHANNELS, LANGUAGES, REASONS
from webhooks.console.wrapup import country_choices, form_definition
from webhooks.referrals.taxonomy import NEEDS
from webhooks.reports.tables import Table
from webhooks.reports.topic_families import families
from webhooks.reports.wrapups import NOT_ANSWERED

OUTCOMES = {
    "answer": "answered",
    "clarify": "asked which topic",
    "fallback": "did not understand",
    "danger": "danger: emergency numbers",
    "handoff": "asked for a counsellor",
    "referral": "gave services",
    "menu": "menu",
    "other": "other (greeting, thanks…)",
    "unanswered": "no answer (bot unavailable)",
}
COMMON = {
    "new": "new",
    "returning": "returning",
    "urgent": "urgent",
    "normal": "normal",
    "taken": "taken by a counsellor",
    "not_taken": "not taken (left, or still waiting)",
    "breached": "waited longer than the target",
    "within": "within the target",
    "yes": "Yes",
    "a_little": "A little",
    "no": "No",
    "no_answer": "No answer",
    "given": "referrals given",
    "none": "none",
    "set": "follow-up set",
    NOT_ANSWERED: "not answered",
    "unknown": "not known",
}


@cache
def _countries() -> dict[str, str]:
    return dict(country_choices())


def family_label(family: str) -> str:
    return families().label(family) if family and family != "-" else "No topic"


def outcome_label(outcome: str) -> str:
    return OUTCOMES.get(outcome, outcome.replace("_", " "))


def label(table: Table, code: str) -> str:
    """The words for ``code`` in ``table`` (the code itself when nothing better is known)."""
    name = table.name
    if name == "contacts_by_channel":
        return CHANNELS.get(code, code)
    if name == "contacts_by_language":
        return LANGUAGES.get(code, COMMON.get(code, code))
    if name == "handoffs_by_reason":
        return REASONS.get(code, code)
    if name == "bot_outcomes":
        family, _, outcome = code.partition("/")
        return f"{family_label(family)}: {outcome_label(outcome)}"
    if name == "referrals_by_need":
        return NEEDS.get(code, {}).get("en", code)
    if name.startswith("wrapup_"):
        item = form_definition().get(name[len("wrapup_") :])
        if item is not None and item.type == "country" and code != NOT_ANSWERED:
            return _countries().get(code, code)
        if item is not None and item.options and code in {o.key for o in item.options}:
            return item.label_of(code)
    return COMMON.get(code, code.replace("_", " "))
