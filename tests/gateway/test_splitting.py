from __future__ import annotations

import pytest

from bot.sms_segments import count_segments
from webhooks.outbound.splitting import split_for_sms

ENGLISH = (
    "Your labour permit is the final approval from the Department of Foreign Employment. "
    "Never travel for work without it. "
) * 8
NEPALI = "श्रम स्वीकृति बिना विदेश नजानुहोस्। एजेन्सीको इजाजत नम्बर माग्नुहोस्। " * 6


@pytest.mark.parametrize("text", [ENGLISH, NEPALI, "word " * 400, "x" * 1000, "ख" * 500])
@pytest.mark.parametrize("max_segments", [1, 3])
def test_every_part_fits_and_nothing_is_lost(text, max_segments):
    parts = split_for_sms(text, max_segments)
    assert len(parts) > 1
    assert all(count_segments(part).segments <= max_segments for part in parts)
    assert "".join(parts).replace(" ", "") == text.strip().replace(" ", "")


def test_short_text_is_one_part():
    assert split_for_sms("  hello  ", 3) == ["hello"]


def test_sentences_stay_whole_when_they_can():
    parts = split_for_sms(NEPALI, 1)
    assert all(part.endswith("।") for part in parts)
