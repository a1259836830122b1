"""The content check passes and the catalogue builds; checker unit tests."""

from __future__ import annotations

import shutil

import pytest

from bot.knowledge.content import load_content
from bot.knowledge.forms import FORMS
from scripts import catalogue, content_check
from scripts.content_check import Report, check_text, phone_numbers


def test_content_check_passes(capsys):
    code = content_check.main([])
    output = capsys.readouterr().out
    assert code == 0, output


def test_catalogue_shows_every_answer_in_three_forms_side_by_side(tmp_path, repo_root):
    written = catalogue.build(repo_root, tmp_path)
    assert [p.name for p in written] == ["README.md"]
    page = written[0].read_text(encoding="utf-8")
    assert "| English (`en`) | नेपाली (`ne`) | Nepali in Latin letters (`ne-Latn`) |" in page
    content = load_content(repo_root / "data" / "content")
    for topic in content.topics:
        assert f"`{topic.id}`" in page
        assert topic.sources[0] in page
        assert str(topic.last_reviewed) in page
        for form in FORMS:  # each form's SMS text, as a table cell
            assert topic.answer[form].sms.replace("|", "\\|") in page
    medium = [t for t in content.topics if t.confidence == "medium"]
    assert page.count(catalogue.MEDIUM_FLAG) == len(medium) + 1  # + the legend
    assert "स्रोत: " in page  # the reader-facing source line


def test_catalogue_marks_an_answer_whose_facts_differ(tmp_path, repo_root):
    root = tmp_path / "repo"
    shutil.copytree(repo_root / "data" / "content", root / "data" / "content")
    shutil.copytree(repo_root / "data" / "nlu", root / "data" / "nlu")
    fees = root / "data" / "content" / "fees.yml"
    fees.write_text(fees.read_text("utf-8").replace("बढीमा रु १०,०००", "बढीमा", 1), "utf-8")
    page = catalogue.build(root, tmp_path / "out")[0].read_text(encoding="utf-8")
    assert "### `free_visa_free_ticket` — ⚠ medium confidence: review · ⚠ facts differ" in page
    assert "'10000' is in en, ne-Latn but not in ne" in page
    assert page.count(catalogue.DIFFER_FLAG) == 2  # the legend and this one answer


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
