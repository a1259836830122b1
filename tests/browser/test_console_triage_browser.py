"""The console's triage journey in real Chromium, on a desktop and at 360 px:

an urgent case alerts a counsellor busy in another conversation (banner, title, chime,
notification); Ctrl+Enter sends; closing takes a wrap-up and tells the person, in her form, with
her case code; she quotes the code on WhatsApp and the new conversation joins her case, with
the earlier wrap-up in its history; search finds both; a transfer to an off-duty colleague is
warned. At 360 px no page is wider than the screen.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Gateway, wait_for
from tests.browser.test_console_browser import ARTIFACTS, LIVE, login

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}
CONSOLE_PAGES = ["/console/queue", "/console/search?q=help", "/console/closed"]
SUPERVISOR_PAGES = [
    "/console/users",
    "/console/audit",
    "/console/stats",
    "/console/supervise",
    "/console/referrals",
]


def fits_the_screen(page: Any, width: int) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= width, f"{page.url} is {overflow} px wide at {width} px"


def new_page(browser: Any, gateway: Gateway, viewport: dict[str, int]) -> Any:
    context = browser.new_context(base_url=gateway.url, viewport=viewport)
    context.grant_permissions(["notifications"], origin=gateway.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_triage_alert_wrapup_case_code_history_search_transfer(
    browser: Any, gateway: Gateway, device: str
) -> None:
    viewport = VIEWPORTS[device]
    tail = "1" if device == "desktop" else "2"
    person, urgent_person = f"+97798410061{tail}0", f"+97798410062{tail}0"
    whatsapp = f"whatsapp:+97798410063{tail}0"
    page = new_page(browser, gateway, viewport)
    ARTIFACTS.mkdir(exist_ok=True)

    # A person asks for a counsellor; Asha takes the conversation.
    first = f"my agent took all my money ({device})"
    gateway.person_says(first, person)
    public_id = gateway.conversation_of(first)
    gateway.open_handoff(public_id, topic="agent fraud")
    page.goto("/console/login")
    fits_the_screen(page, viewport["width"])
    login(page, gateway, "asha")
    if page.locator("#duty").text_content().strip() == "Off duty":
        page.click("#duty")  # she sets herself on duty
    expect(page.locator("#duty")).to_have_text("On duty")
    page.locator(f'#waiting [data-public-id="{public_id}"]').get_by_role(
        "link", name="Open"
    ).click()
    page.click("#claim")
    expect(page.locator("#reply-body")).to_be_visible()
    # What this page has rung so far (other tests may have left urgent cases waiting).
    page.wait_for_function("() => Number(document.body.dataset.alertChecks) >= 1")
    rung, notified = page.evaluate(
        "() => [Number(document.body.dataset.alertCount || 0),"
        " Number(document.body.dataset.alertNotified || 0)]"
    )

    # An urgent case arrives while she is in this conversation: banner, title, chime, notice.
    gateway.person_says(f"they locked me in ({device})", urgent_person)
    urgent_id = gateway.conversation_of(f"they locked me in ({device})")
    gateway.open_handoff(urgent_id, priority="urgent", intent="danger_confinement")
    banner = page.locator("#urgent-alert")
    expect(banner).to_have_attribute("data-ids", re.compile(urgent_id), timeout=LIVE + 1000)
    expect(banner).to_be_visible()
    expect(page.locator("#urgent-alert-text")).to_contain_text("urgent case")
    expect(page).to_have_title(re.compile(r"^\(!\) \d+ URGENT"))
    page.wait_for_function(f"() => Number(document.body.dataset.alertCount) === {rung + 1}")
    page.wait_for_function("() => ['played', 'playing'].includes(document.body.dataset.alertSound)")
    page.wait_for_function(f"() => Number(document.body.dataset.alertNotified) === {notified + 1}")
    page.screenshot(path=str(ARTIFACTS / f"console-alert-{device}.png"), full_page=True)

    # Ctrl+Enter sends the reply.
    text = "I am here. You can get your money back with a complaint."
    page.fill("#reply-body", text)
    page.press("#reply-body", "Control+Enter")
    expect(page.locator("#reply-body")).to_have_value("")
    wait_for(lambda: [m for m in gateway.upstreams.sms if m.get("Body") == text], what="reply")

    # Close with a wrap-up; the person is told in her form, with her case code.
    page.check("#close-form input[name=what_happened][value=agent_fraud]")
    page.select_option("#close-form select[name=country]", "MY")
    page.select_option("#close-form select[name=self_description]", "as_worker_grievance")
    page.fill("#close-form input[name=follow_up_task]", "check the complaint was filed")
    page.fill(
        "#close-form input[name=follow_up_due]", (date.today() + timedelta(days=2)).isoformat()
    )
    page.select_option("#close-form select[name=outcome]", "referred")
    page.click("#close")
    expect(page.locator(".flash.success")).to_contain_text("the person told")
    code = re.search(r"SY-[A-Z0-9]{6}", page.locator(".flash.success").text_content()).group(0)
    told = wait_for(
        lambda: [m for m in gateway.upstreams.sms if m.get("To") == person and code in m["Body"]],
        what="the closing message",
    )
    assert told[0]["Body"].startswith("The counsellor has closed this chat")

    # She writes again on WhatsApp, quoting her code: the new conversation joins her case.
    reply = gateway.person_says(f"hello, my code is {code.lower()}", whatsapp)
    # Told her case was found (and, depending on opening hours, when a counsellor answers).
    assert code in reply.text and "We found your case" in reply.text
    row = page.locator("#waiting li.row").filter(has_text=code)
    expect(row).to_be_visible(timeout=LIVE + 1000)
    expect(row).to_contain_text("Came back with her case code")
    expect(row).to_contain_text("WhatsApp")
    row.get_by_role("link", name="Open").click()
    expect(page.locator("#case-code")).to_have_text(code)
    history = page.locator("#history")
    expect(history).to_contain_text("SMS (another conversation)")
    expect(history).to_contain_text("Fraud by an agent or agency")
    expect(history).to_contain_text("As a worker with a grievance")
    expect(history).to_contain_text("Malaysia")
    page.screenshot(path=str(ARTIFACTS / f"console-history-{device}.png"), full_page=True)

    # Search by her code finds both conversations; by words, the first.
    page.goto("/console/search")
    page.fill("#search-q", code)
    page.click("#search-form button[type=submit]")
    expect(page.locator("#search-results li.row")).to_have_count(2)
    page.fill("#search-q", f"took all my money ({device}")
    page.click("#search-form button[type=submit]")
    expect(page.locator(f'#search-results [data-public-id="{public_id}"]')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"console-search-{device}.png"), full_page=True)

    # Transfer the urgent case to Bina, who is off duty: warned first.
    page.goto(f"/console/conversations/{urgent_id}")
    page.click("#claim")
    expect(page.locator("#urgent-alert")).not_to_have_attribute(
        "data-ids", re.compile(urgent_id), timeout=LIVE + 1000
    )
    page.select_option("#transfer-to", label="bina (off duty)")
    page.click("#transfer button[type=submit] >> nth=-1")
    expect(page.locator("#transfer-warning")).to_contain_text("bina is off duty")
    page.screenshot(path=str(ARTIFACTS / f"console-transfer-warning-{device}.png"), full_page=True)
    page.click("#transfer-anyway")
    expect(page.locator(".flash.success")).to_contain_text("Transferred to bina")

    if device == "phone":
        for path in CONSOLE_PAGES:
            page.goto(path)
            fits_the_screen(page, viewport["width"])
        page.goto(f"/console/conversations/{public_id}")
        fits_the_screen(page, viewport["width"])
        page.screenshot(path=str(ARTIFACTS / "console-queue-phone.png"), full_page=True)
        boss = new_page(browser, gateway, viewport)
        login(boss, gateway, "supervisor")
        for path in SUPERVISOR_PAGES:
            boss.goto(path)
            fits_the_screen(boss, viewport["width"])
        boss.goto("/console/stats")
        boss.screenshot(path=str(ARTIFACTS / "console-stats-phone.png"), full_page=True)
        boss.context.close()
    page.context.close()
