"""The counsellor console in real Chromium: live queue, claim, reply, live transcript, close."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from bot.sms_segments import count_segments
from tests.browser.conftest import BOT_PREFIX, ROOT, SERVICE_NUMBER, Gateway, wait_for

LIVE = 2000  # ms: new hand-offs and messages must appear within 2 s without reloading
ARTIFACTS = ROOT / "test-artifacts"


def login(page: Any, gateway: Gateway, username: str) -> None:
    page.goto("/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", gateway.passwords[username])
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/(queue|password)$"))
    if page.url.endswith("/console/password"):  # first log-in: the one-time password must go
        expect(page.locator(".flash.info")).to_contain_text("choose your own password")
        new = f"{username} chooses a long passphrase"
        page.fill("input[name=current_password]", gateway.passwords[username])
        page.fill("input[name=new_password]", new)
        page.fill("input[name=confirm_password]", new)
        page.click("main button[type=submit]")
        gateway.passwords[username] = new
    expect(page).to_have_url(gateway.url + "/console/queue")


def test_counsellor_flow_end_to_end(page: Any, gateway: Gateway) -> None:
    person = "+9779841000111"
    first = "I need help, my agent has my passport"
    reply = gateway.person_says(first, person)
    assert BOT_PREFIX + first in reply.text  # before the hand-off, the bot answers
    public_id = gateway.conversation_of(first)

    login(page, gateway, "asha")
    expect(page.locator("#waiting-empty")).to_be_visible()

    gateway.open_handoff(public_id, priority="urgent", topic="passport held by agent")
    row = page.locator(f'#waiting [data-public-id="{public_id}"]')
    expect(row).to_be_visible(timeout=LIVE)  # appears without a reload
    expect(row).to_contain_text("urgent")
    expect(row).to_contain_text("English")
    expect(row).to_contain_text("SMS")
    expect(page.locator('[data-count="urgent"]')).to_have_text("1")

    row.get_by_role("link", name="Open").click()
    expect(page.locator("#contact-number")).to_have_text("•••••••111")
    expect(page.locator("#transcript")).to_contain_text(first)
    expect(page.locator("#transcript li.bot")).to_contain_text(BOT_PREFIX + first)
    page.click("#claim")
    expect(page.locator("#reply-body")).to_be_visible()

    text = "Namaste, I am Asha, a counsellor. Are you safe right now?"
    page.fill("#reply-body", text)
    expect(page.locator("#segments")).to_contain_text("GSM-7")
    expect(page.locator("#segments")).to_have_attribute("data-segments", "1")
    page.click("#reply-send")
    expect(page.locator("#reply-body")).to_have_value("")
    sent = wait_for(
        lambda: [m for m in gateway.upstreams.sms if m.get("Body") == text],
        what="the reply to reach Twilio",
    )
    assert sent[0]["To"] == person and sent[0]["From"] == SERVICE_NUMBER
    mine = page.locator("#transcript li.counsellor").filter(has_text=text)
    expect(mine).to_contain_text("asha (counsellor)")
    expect(mine.locator(".status")).to_have_text("sent")

    started = time.monotonic()
    answer = gateway.person_says("yes I am safe, but they keep my papers", person)
    assert "<Message>" not in answer.text  # during the hand-off the bot stays silent
    expect(page.locator("#transcript li.person .body").last).to_have_text(
        "yes I am safe, but they keep my papers", timeout=LIVE
    )
    assert time.monotonic() - started < LIVE / 1000 + 1

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)

    page.select_option("#close-form select[name=outcome]", "information_given")
    page.select_option("#close-form select[name=self_description]", "not_asked")
    page.click("#close")
    expect(page).to_have_url(gateway.url + "/console/queue")
    expect(page.locator(".flash.success")).to_contain_text("Conversation closed")
    assert ("confirm", "Really close this conversation?") in page.dialogs

    after = gateway.person_says("what documents do I need?", person)
    assert BOT_PREFIX + "what documents do I need?" in after.text  # back with the bot


def test_close_refused_when_a_message_arrives_unseen(page: Any, gateway: Gateway) -> None:
    person = "+9779841000222"
    gateway.person_says("please call me", person)
    public_id = gateway.conversation_of("please call me")
    gateway.open_handoff(public_id)
    login(page, gateway, "asha")
    page.goto(f"/console/conversations/{public_id}")
    page.click("#claim")
    expect(page.locator("#close")).to_be_visible()
    page.wait_for_load_state()
    # Hold back the page's polling, so the next message is not shown before closing. Polls
    # never overlap: once one is blocked, no earlier poll can still bring the message in.
    blocked: list[str] = []

    def block(route: Any) -> None:
        blocked.append(route.request.url)
        route.abort()

    page.route("**/console/api/conversations/*/messages*", block)
    deadline = time.monotonic() + 5
    while not blocked:  # Playwright runs the route handler while the page is waited on
        assert time.monotonic() < deadline, "no poll was held back"
        page.wait_for_timeout(50)
    gateway.person_says("wait, one more thing", person)
    page.select_option("#close-form select[name=outcome]", "referred")
    page.select_option("#close-form select[name=self_description]", "unsure")
    page.click("#close")
    expect(page.locator("#page-error")).to_contain_text("a new message has arrived")
    expect(page.locator("#transcript li.person .body").last).to_have_text("wait, one more thing")
    page.select_option("#close-form select[name=outcome]", "referred")
    page.select_option("#close-form select[name=self_description]", "unsure")
    page.click("#close")
    expect(page).to_have_url(gateway.url + "/console/queue")


def test_person_text_is_shown_as_text(page: Any, gateway: Gateway) -> None:
    person = "+9779841000333"
    attack = "<img src=x onerror=alert(1)>"
    gateway.person_says(attack, person)
    public_id = gateway.conversation_of(attack)
    gateway.open_handoff(public_id, topic="<script>alert(2)</script>")
    login(page, gateway, "asha")
    page.goto(f"/console/conversations/{public_id}")
    expect(page.locator("#transcript li.person .body").first).to_have_text(attack)
    expect(page.locator("#handoff-card")).to_contain_text("<script>alert(2)</script>")
    # Also through the live path (textContent in the script).
    live = "<script>alert(3)</script><img src=y onerror=alert(4)>"
    gateway.person_says(live, person)
    expect(page.locator("#transcript li.person .body").last).to_have_text(live, timeout=LIVE)
    assert page.locator("#transcript img").count() == 0
    assert page.locator("#transcript script").count() == 0
    assert [d for d in page.dialogs if d[0] == "alert"] == []


def test_segment_counter_matches_python(page: Any, gateway: Gateway) -> None:
    person = "+9779841000444"
    gateway.person_says("namaste", person)
    public_id = gateway.conversation_of("namaste")
    gateway.open_handoff(public_id)
    login(page, gateway, "asha")
    page.goto(f"/console/conversations/{public_id}")
    page.click("#claim")
    expect(page.locator("#reply-body")).to_be_visible()
    page.wait_for_function("() => window.SahayatriSms !== undefined")
    samples = [
        "",
        "hello",
        "a" * 160,
        "a" * 161,
        "a" * 306,
        "a" * 307,
        "€" * 80,
        "€" * 81,
        "a" * 152 + "€" + "a" * 10,
        "{}[]~|^\\",
        "नमस्ते",
        "न" * 70,
        "न" * 71,
        "😀" * 35,
        "😀" * 36,
        "a" * 66 + "😀" + "b" * 10,
        "line one\nline two",
        "café ñ ü Ç",
        "ç",
        "Namaste 🙏 sathi",
        "€" * 76 + "a",
    ]
    for sample in samples:
        js = page.evaluate("text => window.SahayatriSms.countSegments(text)", sample)
        py = count_segments(sample)
        assert (js["encoding"], js["units"], js["segments"]) == (
            py.encoding,
            py.units,
            py.segments,
        ), sample
    # Live, as the counsellor types.
    box = page.locator("#reply-body")
    box.fill("a" * 160)
    expect(page.locator("#segments")).to_have_attribute("data-segments", "1")
    box.type("b")
    expect(page.locator("#segments")).to_have_attribute("data-segments", "2")
    box.fill("नमस्ते")
    expect(page.locator("#segments")).to_have_attribute("data-encoding", "UCS-2")
    expect(page.locator("#segments")).to_contain_text("UCS-2 · 6 characters · 1 SMS")
    # A canned response goes into the box, in the chosen language form.
    box.fill("")
    page.locator("li").filter(has_text="Danger now").get_by_role("button", name="नेपाली").click()
    expect(box).to_have_value(
        "अहिले खतरामा हुनुहुन्छ भने प्रहरी 100 मा फोन गर्नुहोस्। यो निःशुल्क छ। म यहीँ हुनेछु।"
    )
    # An empty reply is refused with a message, not sent.
    box.fill("   ")
    page.click("#reply-send")
    expect(page.locator("#reply-error")).to_contain_text("empty")


def test_screenshot_was_saved(page: Any) -> None:
    shot = Path(ARTIFACTS / "console.png")
    assert shot.exists() and shot.stat().st_size > 10_000


def test_supervisor_reveals_manages_and_audits(page: Any, gateway: Gateway) -> None:
    person = "+9779841000555"
    gateway.person_says("is this job offer real?", person)
    public_id = gateway.conversation_of("is this job offer real?")
    gateway.open_handoff(public_id, priority="urgent")
    login(page, gateway, "supervisor")
    expect(page.locator(f'#waiting [data-public-id="{public_id}"]')).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)

    page.goto(f"/console/conversations/{public_id}")
    expect(page.locator("#contact-number")).to_have_text("•••••••555")
    page.click("#reveal")
    expect(page.locator("#contact-number")).to_have_text(person)

    page.goto("/console/supervise")
    expect(page.locator("main")).to_contain_text("waiting")

    page.goto("/console/users")
    page.fill("main input[name=username]", "ram")
    page.click("main form.row button[type=submit]")
    one_time = page.locator("#one-time-password").text_content()
    assert one_time and len(one_time) >= 12
    page.locator("button[data-user=ram][data-action=on_duty]").click()
    expect(page.locator("tr", has_text="ram")).to_contain_text("on duty")
    page.screenshot(path=str(ARTIFACTS / "console-users.png"), full_page=True)

    page.goto("/console/audit?action=contact_revealed")
    expect(page.locator("table.audit tbody tr")).to_have_count(1)
    expect(page.locator("table.audit")).to_contain_text("supervisor")
    assert person not in page.content()
