"""The gateway's own replies (keywords, fallbacks), loaded from data/gateway_texts.yml.

They live in a data file so NGO staff can review them next to the bot's answers.
"""

from __future__ import annotations

import os
from functools import cache

import yaml

from bot.vocabulary import FORMS
from webhooks.config import REPO_ROOT

TEXTS_PATH = os.path.join(REPO_ROOT, "data", "gateway_texts.yml")


@cache
def _load() -> dict[str, dict[str, str]]:
    with open(TEXTS_PATH, encoding="utf-8") as handle:
        texts = yaml.safe_load(handle)["texts"]
    for key, variants in texts.items():
        missing = [form for form in FORMS if not variants.get(form)]
        if missing:
            raise ValueError(f"gateway text {key!r} lacks forms {missing}")
    return texts


def text(key: str, form: str | None, **values: str) -> str:
    """The text ``key`` in language form ``form`` (English when the form is unknown).

    ``values`` fill the text's ``{placeholders}`` (e.g. ``code`` in ``handoff_closed``).
    """
    variants = _load()[key]
    chosen = variants.get(form or "en") or variants["en"]
    return chosen.format(**values) if values else chosen
