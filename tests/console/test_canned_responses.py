"""data/canned_responses.yml: complete, kind, short, and only the verified numbers."""

from __future__ import annotations

import re

from bot.sms_segments import count_segments
from webhooks.console.canned import CANNED_PATH, FORMS, load_canned

ALLOWED_NUMBERS = {"100", "1145"}


def test_every_response_has_three_forms() -> None:
    responses = load_canned()
    assert len(responses) >= 5
    for item in responses:
        assert set(item.texts) == set(FORMS)
        assert all(text.strip() for text in item.texts.values())


def test_only_verified_phone_numbers() -> None:
    for item in load_canned():
        for text in item.texts.values():
            assert set(re.findall(r"\d+", text)) <= ALLOWED_NUMBERS | {"24"}, (item.key, text)


def test_short_enough_for_sms() -> None:
    for item in load_canned():
        for form, text in item.texts.items():
            assert count_segments(text).segments <= 3, (item.key, form)


def test_header_says_staff_review_it() -> None:
    with open(CANNED_PATH, encoding="utf-8") as handle:
        header = handle.read(600)
    assert header.startswith("#") and "Reviewed by NGO staff" in header
