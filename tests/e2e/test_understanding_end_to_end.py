"""Menus, one-word questions, danger during a hand-off and the widget's language button,
through the real gateway, Rasa, action server (and Chromium for the widget).

Every test is a new person (a new number or a new widget session), so the state of one never
leaks into another; all share the one started service (tests/e2e/conftest.py).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.knowledge.content import load_content
from bot.understanding.topics import ROOT, load_topics, render
from scripts.eval_dialogue import ReplyIndex
from scripts.train import ROOT as REPO
from tests.e2e.conftest import Service
from tests.e2e.test_sms_end_to_end import text_sms

pytestmark = pytest.mark.e2e

TOPICS = load_topics()
CONTENT = load_content(REPO / "data" / "content")
AVAILABLE = frozenset(topic.id for topic in CONTENT.topics)
CHROMIUM = Path("/usr/bin/chromium")
MENU_WORDS = {"en": "MENU", "ne": "मेनु", "ne-Latn": "menu dekhaunus"}
BACK_WORDS = {"en": "back", "ne": "पछाडि", "ne-Latn": "pachadi"}


def screen_text(node: str, form: str) -> str:
    return render(TOPICS.menu_screen(node, form, AVAILABLE), "sms", form).text


def database(service: Service) -> sqlite3.Connection:
    return sqlite3.connect(service.env["DATABASE_URL"].removeprefix("sqlite:///"))


@pytest.fixture(scope="module")
def index() -> ReplyIndex:
    return ReplyIndex()


@pytest.mark.parametrize(("form", "number"), [("en", 1), ("ne", 2), ("ne-Latn", 3)])
def test_menu_then_1_then_2_reaches_an_answer_and_back_returns(
    service: Service, form: str, number: int
):
    sender = f"+97798120000{number:02d}"
    first = TOPICS.children(ROOT, AVAILABLE)[0]
    second = TOPICS.children(first, AVAILABLE)[1]
    assert text_sms(service, MENU_WORDS[form], sender) == [screen_text(ROOT, form)]
    assert text_sms(service, "1" if form != "ne" else "१", sender) == [screen_text(first, form)]
    answer = CONTENT.by_id(second).text(form).sms
    assert text_sms(service, "2" if form != "ne" else "२", sender) == [answer]
    assert text_sms(service, "0", sender) == [screen_text(first, form)]  # the screen it came from
    assert text_sms(service, BACK_WORDS[form], sender) == [screen_text(ROOT, form)]


def short_messages() -> list[dict[str, Any]]:
    path = REPO / "data" / "eval" / "short_messages.yml"
    if not path.exists():
        return []
    return list((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("messages") or [])


def test_one_word_questions_never_fall_back_plainly_nor_open_a_handoff(
    service: Service, index: ReplyIndex
):
    messages = [m for m in short_messages() if not m.get("danger") and not m.get("handoff")]
    if not messages:
        pytest.skip("data/eval/short_messages.yml (written by the evalset engineer) is missing")
    assert len(messages) >= 40
    bad = []
    for number, item in enumerate(messages):
        replies = [
            index.recognise(r) for r in text_sms(service, item["text"], f"+977981300{number:04d}")
        ]
        kinds = {r.kind for r in replies}
        placed = kinds & {"answer", "clarify", "menu", "greet", "thanks", "goodbye", "referral",
                          "switch_language", "emergency"}  # fmt: skip
        if "handoff" in kinds or not placed:
            bad.append((item["text"], sorted(kinds)))
    assert bad == [], f"{len(bad)} of {len(messages)}"


def test_widget_chips_and_readme_examples_are_answered_not_fallen_back(
    service: Service, index: ReplyIndex
):
    widget = (REPO / "webhooks" / "widget" / "static" / "sahayatri.js").read_text("utf-8")
    chips = re.findall(r'\["[^"]+", "([^"]+)"\]', widget)
    readme = re.findall(r'make sms TEXT="([^"]+)"', (REPO / "README.md").read_text("utf-8"))
    assert len(chips) == 15 and readme
    bad = []
    for number, text in enumerate(chips + readme):
        replies = [index.recognise(r) for r in text_sms(service, text, f"+977981400{number:04d}")]
        if any(r.kind == "fallback" for r in replies) or not replies:
            bad.append((text, [r.kind for r in replies]))
    assert bad == []


def test_danger_while_waiting_gets_the_emergency_reply_and_raises_the_priority(
    service: Service,
):
    sender = "+9779815000001"
    asked = " ".join(text_sms(service, "I want to talk to a counsellor", sender))
    assert "counsellor" in asked.lower()
    with database(service) as db:
        conversation, priority = db.execute(
            "SELECT c.id, h.priority FROM handoffs h JOIN conversations c ON c.id = "
            "h.conversation_id ORDER BY h.id DESC LIMIT 1"
        ).fetchone()
    assert priority == "normal"
    replies = text_sms(service, "i want to kill myself tonight", sender)
    assert any("1166" in reply and "102" in reply for reply in replies), replies
    with database(service) as db:
        priority = db.execute(
            "SELECT priority FROM handoffs WHERE conversation_id = ? ORDER BY id DESC",
            (conversation,),
        ).fetchone()[0]
        rows = db.execute(
            "SELECT action FROM audit_events WHERE conversation_id = ?", (conversation,)
        )
        actions = {row[0] for row in rows}
    assert priority == "urgent"
    assert "handoff_danger_detected" in actions
    # nobody is on duty in this service: the on-call alert was attempted (and audited)
    assert actions & {"on_call_notified", "on_call_not_notified"}


def in_own_thread(work: Callable[[], Any]) -> Any:
    """Run Playwright's sync API in a thread of its own: the browser tests may already have
    one Playwright running in this process, and two cannot share a thread."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=180)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_the_widgets_language_button_and_menu_buttons_with_the_real_bot(service: Service):
    from playwright.sync_api import sync_playwright

    def session() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(service.base_url + "/")
            page.locator("[data-sy=launcher]").click()
            chat = page.frame_locator("[data-sy=frame]")  # the panel lives in the widget's frame

            def say(text: str) -> None:
                before = chat.locator("[data-kind=bot]").count()
                chat.locator("[data-sy=input]").fill(text)
                chat.locator("[data-sy=input]").press("Enter")
                chat.locator("[data-kind=bot]").nth(before).wait_for()

            def last() -> str:
                return chat.locator("[data-kind=bot] .sy-text").last.text_content()

            say("How much can an agency charge me?")
            seen["before"] = chat.locator("[data-kind=bot] .sy-text").all_text_contents()
            chat.locator("[data-lang=ne]").click()  # the language button
            say("How much can an agency charge me?")
            seen["after_button"] = last()
            chat.locator("[data-lang=en]").click()
            say("menu")
            seen["menu"] = last()
            seen["menu_buttons"] = chat.locator("[data-sy=choice]").all_text_contents()
            before = chat.locator("[data-kind=bot]").count()
            chat.locator("[data-sy=choice]").first.click()  # "Fees": sends "1", shows "Fees"
            chat.locator("[data-kind=bot]").nth(before).wait_for()
            seen["you_said"] = chat.locator("[data-kind=user] .sy-text").last.text_content()
            seen["fees"] = last()
            seen["fees_buttons"] = chat.locator("[data-sy=choice]").all_text_contents()
            before = chat.locator("[data-kind=bot]").count()
            chat.locator("[data-sy=choice]", has_text="Charged too much").click()
            chat.locator("[data-kind=bot]").nth(before).wait_for()
            # Rasa's REST channel sends the answer and its source line as two messages
            seen["answer"] = chat.locator("[data-kind=bot] .sy-text").all_text_contents()[before:]
            browser.close()
        return seen

    seen = in_own_thread(session)
    devanagari = re.compile(r"[\u0900-\u097f]")
    assert not any(devanagari.search(text) for text in seen["before"])
    assert devanagari.search(seen["after_button"]), seen["after_button"]
    assert seen["menu"] == TOPICS.text("choose_web", "en")
    assert seen["menu_buttons"][0] == TOPICS.label("fees", "en")
    assert seen["you_said"] == TOPICS.label("fees", "en")
    assert seen["fees"] == TOPICS.label("fees", "en")
    assert seen["fees_buttons"][-1] == "Back"
    assert CONTENT.by_id("overcharged").text("en").for_channel("web") in seen["answer"]
