"""The content check passes and the catalogue builds; checker unit tests."""

from __future__ import annotations

import pytest

from bot.knowledge.content import load_content
from bot.knowledge.forms import FORMS
from scripts import catalogue, content_check
from scripts.content_check import Report, check_text, phone_numbers


def test_content_check_passes(capsys):
    code = content_check.main([])
    output = capsys.readouterr().out
    assert code == 0, output


def test_catalogue_builds_one_page_per_form(tmp_path, repo_root):
    written = catalogue.build(repo_root, tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{form}.md" for form in FORMS)
    content = load_content(repo_root / "data" / "content")
    for path in written:
        page = path.read_text(encoding="utf-8")
        for topic in content.topics:
            assert f"`{topic.id}`" in page
            assert topic.sources[0] in page
        medium = [t for t in content.topics if t.confidence == "medium"]
        assert page.count("medium confidence: review") == len(medium)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Call 100 or 1145 (free).", ["100", "1145"]),
        ("Fee at most NPR 10,000; Rs 1,500 or रु 2,500; 36,000+ cases.", []),
        ("Since 2017-12-10, in 2015 and Act 2064; writ 2822/2062.", []),
        ("Call 9841234567 now", ["9841234567"]),
        ("NHRC 01-5010015; abroad +977 1177", ["015010015", "1177"]),
        ("बाल हेल्पलाइन १०९८", ["1098"]),
    ],
)
def test_phone_number_detection(text, numbers):
    assert phone_numbers(text) == numbers


def test_check_text_flags_bad_numbers_long_sms_and_non_gsm():
    report = Report()
    check_text(report, "t", "en", "Call 9841234567 – now " + "x" * 500, sms=True)
    messages = " ".join(report.errors)
    assert "9841234567" in messages
    assert "segments" in messages
    assert "GSM-7" in messages
