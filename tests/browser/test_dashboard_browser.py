"""The reporting dashboard in real Chromium against the real gateway (gunicorn), on a desktop
and at 360 px, after a survey round trip over SMS (signed Twilio requests, the console's
close form): every chart drawn with the vendored Chart.js, Devanagari font loaded, nothing
wider than the screen, the export downloaded. Screenshots in test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import ANSWERED_PREFIX, Gateway, wait_for
from tests.browser.test_console_browser import ARTIFACTS, login
from tests.browser.test_console_triage_browser import VIEWPORTS, fits_the_screen, new_page

PERSON = "+9779841007100"
OTHERS = ("+9779841007101", "+9779841007102")


def painted_pixels(page: Any, chart_id: str) -> int:
    return page.evaluate(
        """(id) => {
          const canvas = document.querySelector(`#chart-${id} canvas`);
          const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted += 1;
          return painted;
        }""",
        chart_id,
    )


def survey_yes(page: Any) -> int:
    row = page.locator("#chart-survey details table tbody tr").filter(has_text="Yes")
    return int(row.locator("td").first.text_content())


def test_survey_round_trip_then_the_dashboard_on_desktop_and_phone(
    browser: Any, gateway: Gateway
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    gateway.person_says(ANSWERED_PREFIX + "how much may an agency charge?", OTHERS[0])
    gateway.person_says("मलाई विदेशमा काम चाहियो", OTHERS[1])  # a Nepali contact
    first = "please, I need to talk to someone (dashboard)"
    gateway.person_says(first, PERSON)
    public_id = gateway.conversation_of(first)
    gateway.open_handoff(public_id, topic="wages not paid")

    # A counsellor closes with the survey (ticked by default on SMS).
    page = new_page(browser, gateway, VIEWPORTS["desktop"])
    login(page, gateway, "bina")
    page.goto(f"/console/conversations/{public_id}")
    page.click("#claim")
    expect(page.locator("#close-form input[name=ask_survey]")).to_be_checked()
    page.check("#close-form input[name=what_happened][value=wage_theft]")
    page.select_option("#close-form select[name=country]", "QA")
    page.select_option("#close-form select[name=self_description]", "as_worker_grievance")
    page.select_option("#close-form select[name=outcome]", "information_given")
    page.click("#close")
    expect(page.locator(".flash.success")).to_contain_text("asked the survey")
    page.context.close()
    question = "Did this chat help you? Reply 1 yes, 2 a little, 3 no."
    wait_for(
        lambda: [
            m for m in gateway.upstreams.sms if m.get("To") == PERSON and m["Body"] == question
        ],
        what="the survey question by SMS",
    )
    # She answers "1": the gateway thanks her; the bot never sees it.
    reply = gateway.person_says("1", PERSON)
    assert "Thank you for your answer" in reply.text
    assert not [
        m for m in gateway.upstreams.bot if m["sender"] == public_id and m["message"] == "1"
    ]

    for device, viewport in VIEWPORTS.items():
        boss = new_page(browser, gateway, viewport)
        login(boss, gateway, "supervisor")
        boss.goto("/console/stats")
        charts = boss.locator("#charts .canvas-box").count()
        assert charts >= 8  # contacts, hand-offs, waits, the bot, wrap-ups, survey…
        boss.wait_for_function(
            f"() => document.querySelector('#charts').dataset.charts === '{charts}'"
        )
        for chart_id in ("contacts_by_channel", "contacts_by_language", "bot_outcomes", "survey"):
            assert painted_pixels(boss, chart_id) > 500, chart_id
        assert boss.evaluate(
            """() => document.fonts.check('12px "Sahayatri Devanagari"', 'नेपाली')"""
        )
        assert survey_yes(boss) >= 1
        bot = boss.locator("#chart-bot_outcomes details table")
        expect(bot.locator("tbody tr").filter(has_text="Fees")).to_have_count(1)
        fits_the_screen(boss, viewport["width"])
        boss.screenshot(path=str(ARTIFACTS / f"dashboard-{device}.png"), full_page=True)
        for chart_id in ("contacts_by_language", "bot_outcomes", "survey"):  # close-ups
            shot = ARTIFACTS / f"dashboard-{device}-{chart_id}.png"
            boss.locator(f"#chart-{chart_id}").screenshot(path=str(shot))
        if device == "desktop":
            with boss.expect_download() as download:
                boss.click("#export")
            text = Path(download.value.path()).read_text(encoding="utf-8")
            assert text.startswith(
                "table,unit,period_start,period_end,category,category_label,value"
            )
            assert "survey" in text and "<5" in text
            for number in (PERSON, *OTHERS):
                assert number[1:] not in text and number[-9:] not in text
            assert not re.search(r"SY-[A-Z0-9]{6}", text)
        boss.context.close()
