"""Small parts of the reporting: survey answers, the survey's texts, topic families, and the
vendored chart library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.sms_segments import count_segments
from bot.turn_report import TurnReport
from webhooks.conversations.texts import FORMS, text
from webhooks.reports.screens import Screens, recognise, screens
from webhooks.reports.survey import parse_answer
from webhooks.reports.topic_families import families

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("1", "yes"), (" 1. ", "yes"), ("1 yes", "yes"), ("१", "yes"), ("Ho", "yes"),
        ("हो।", "yes"), ("2", "a_little"), ("२", "a_little"), ("alikati", "a_little"),
        ("अलिअलि", "a_little"), ("3", "no"), ("३ होइन", "no"), ("hoina", "no"), ("No!", "no"),
        ("1, thank you", "yes"),
    ],
)  # fmt: skip
def test_answers_in_either_script(reply: str, answer: str) -> None:
    assert parse_answer(reply) == answer


@pytest.mark.parametrize(
    "reply",
    ["", "4", "12", "1 2", "0", "yes please tell me about the permit fees", "what?", "100"],
)
def test_anything_else_is_not_an_answer(reply: str) -> None:
    assert parse_answer(reply) is None


@pytest.mark.parametrize("key", ["survey_question", "survey_thanks"])
@pytest.mark.parametrize("form", FORMS)
def test_survey_texts_fit_one_sms_and_give_only_the_police_number(key: str, form: str) -> None:
    message = text(key, form)
    assert count_segments(message).segments == 1, (key, form, count_segments(message))
    numbers = {token.strip(".।,") for token in message.split() if token.strip(".।,").isdigit()}
    assert numbers <= {"1", "2", "3", "100"}


def test_survey_question_names_the_three_answers_in_each_form() -> None:
    assert "1 yes, 2 a little, 3 no" in text("survey_question", "en")
    assert "1 हो, 2 अलिअलि, 3 होइन" in text("survey_question", "ne")
    assert "1 ho, 2 alikati, 3 hoina" in text("survey_question", "ne-Latn")
    for form, words in (("ne", ("हो", "अलिअलि", "होइन")), ("ne-Latn", ("ho", "alikati", "hoina"))):
        assert [parse_answer(word) for word in words] == ["yes", "a_little", "no"], form


def test_families_come_from_the_menu_file_when_there_is_one(tmp_path: Path) -> None:
    menu = tmp_path / "topics.yml"
    menu.write_text(
        "families:\n"
        "  - id: fees\n    label: {en: Fees, ne: शुल्क}\n    topics: [worker_costs]\n"
        "  - id: going_abroad\n    label: {en: Going abroad}\n"
        "    groups:\n      - id: permits\n        topics: [labour_permit]\n",
        encoding="utf-8",
    )
    found = families(menu, tmp_path / "no-content")
    assert found.family_of("labour_permit") == "going_abroad"
    assert (
        found.family_of("worker_costs") == "fees" and found.label("going_abroad") == "Going abroad"
    )
    assert found.family_of("unknown_topic") == "" and found.family_of(None) == ""


def test_without_a_menu_file_a_topic_family_is_its_content_file(tmp_path: Path) -> None:
    found = families(tmp_path / "absent.yml", ROOT / "data" / "content")
    assert found.family_of("free_visa_free_ticket") == "fees"
    assert found.label("fees") == "Fees"


def test_the_vendored_chart_library_is_the_npm_file_unchanged() -> None:
    result = subprocess.run([sys.executable, "scripts/vendor_npm.py"], cwd=ROOT,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr


MENU_FILE = """
screens:
  root: {en: "Reply with a number:", ne: "नम्बर पठाउनुहोस्:", ne-Latn: "Number pathaunus:"}
  family:
    en: "{label} - reply with a number:"
    ne: "{label}: नम्बर पठाउनुहोस्"
    ne-Latn: "{label} - number pathaunus:"
  clarify:
    en: "Which do you mean? Reply with a number:"
    ne: "कुन चाहिएको? नम्बर पठाउनुहोस्:"
    ne-Latn: "Kun chahiyeko? Number pathaunus:"
  clarify_web: {en: "Which do you mean?", ne: "कुन चाहिएको?", ne-Latn: "Kun chahiyeko?"}
families:
  - id: fees
    label: {en: Fees, ne: शुल्क, ne-Latn: Shulka}
    topics: [free_visa_free_ticket, worker_costs]
topics:
  free_visa_free_ticket:
    label: {en: Legal agency fee, ne: म्यानपावर शुल्क, ne-Latn: Manpower shulka}
  worker_costs:
    label: {en: Other costs you pay, ne: आफैँ तिर्ने खर्च, ne-Latn: Aafai tirne kharcha}
  labour_permit:
    label: {en: Labour permit, ne: श्रम स्वीकृति, ne-Latn: Shram swikriti}
"""


@pytest.fixture
def menu(tmp_path: Path) -> Screens:
    path = tmp_path / "topics.yml"
    path.write_text(MENU_FILE, encoding="utf-8")
    return screens(path)


def test_a_clarification_no_action_reported_is_recognised_with_its_family(menu: Screens) -> None:
    sms = "Which do you mean? Reply with a number:\n1 Legal agency fee\n2 Other costs you pay"
    assert recognise([sms], menu) == TurnReport("clarify", family="fees")
    nepali = "कुन चाहिएको? नम्बर पठाउनुहोस्:\n1 म्यानपावर शुल्क\n2 श्रम स्वीकृति"
    assert recognise([nepali], menu) == TurnReport("clarify")  # two families: none named
    assert recognise(["Which do you mean?"], menu) == TurnReport("clarify")  # the widget's


def test_menu_screens_are_recognised_and_answers_are_not(menu: Screens) -> None:
    assert recognise(["Number pathaunus:\n1 Shulka\n2 Bidesh jane"], menu) == TurnReport("menu")
    assert recognise(["Fees - reply with a number:\n1 Legal agency fee"], menu) == TurnReport(
        "menu"
    )
    assert recognise(["The agency may charge at most NPR 10,000."], menu) is None
    assert recognise(["Which do you mean?"], Screens()) is None  # no menu file: nothing
