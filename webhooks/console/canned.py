"""Canned responses for counsellors, from data/canned_responses.yml (reviewed by staff)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

import yaml

from bot.vocabulary import FORMS
from webhooks.config import REPO_ROOT

CANNED_PATH = os.path.join(REPO_ROOT, "data", "canned_responses.yml")


@dataclass(frozen=True)
class Canned:
    key: str
    title: str
    texts: dict[str, str]  # language form -> text


@cache
def load_canned(path: str = CANNED_PATH) -> tuple[Canned, ...]:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)["responses"]
    responses = []
    for key, entry in raw.items():
        missing = [form for form in FORMS if not str(entry.get(form) or "").strip()]
        if missing or not entry.get("title"):
            raise ValueError(f"canned response {key!r} lacks title or forms {missing}")
        responses.append(Canned(key, entry["title"], {form: entry[form] for form in FORMS}))
    return tuple(responses)


def canned_responses() -> tuple[Canned, ...]:
    return load_canned()
