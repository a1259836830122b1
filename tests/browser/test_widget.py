"""The web chat widget in real Chromium against the real gateway (gunicorn) and a fake Rasa.

Run: .venv-gateway/bin/python -m pytest tests/browser -q -k widget
Needs Debian's /usr/bin/chromium (never `playwright install`); skipped with a reason without it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bench.widget_size import UP_FRONT_BUDGET_BYTES, up_front_gzipped
from tests.browser.widget_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    FakeRasa,
    Gateway,
    chromium_missing_reason,
    counsellor_reply,
    fake_rasa,
    running_gateway,
    static_site,
)

ARTIFACTS = ROOT / "test-artifacts"
RATE_LIMIT = 5  # messages per 10 s per conversation, for this gateway
PHONE = {"width": 360, "height": 740}
NEUTRAL_PAGE = "<!doctype html><title>Weather</title><h1 id=neutral>Weather today</h1>"


# ------------------------------------------------------------------------------ fixtures


class WidgetSites:
    """The neutral site (quick exit target) and an NGO site on another origin."""

    def __init__(self) -> None:
        self.neutral_pages = {"/weather": NEUTRAL_PAGE, "/previous": NEUTRAL_PAGE}
        self.ngo_pages: dict[str, str] = {}
        self.neutral = ""
        self.ngo = ""

    @property
    def exit_url(self) -> str:
        return f"{self.neutral}/weather"


@pytest.fixture(scope="module")
def widget_sites() -> Iterator[WidgetSites]:
    sites = WidgetSites()
    with static_site(sites.neutral_pages) as neutral, static_site(sites.ngo_pages) as ngo:
        sites.neutral, sites.ngo = neutral, ngo
        yield sites


@pytest.fixture(scope="module")
def widget_rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as rasa:
        yield rasa


@pytest.fixture(scope="module")
def widget_gateway(
    tmp_path_factory: pytest.TempPathFactory, widget_rasa: FakeRasa, widget_sites: WidgetSites
) -> Iterator[Gateway]:
    workdir = tmp_path_factory.mktemp("widget-gateway")
    settings = {
        "WIDGET_ALLOWED_ORIGINS": widget_sites.ngo,
        "WEB_CHAT_MAX_MESSAGES_PER_10S": str(RATE_LIMIT),
        # Every test's browser comes from 127.0.0.1: the per-IP limits are tested elsewhere.
        "WEB_CHAT_SESSION_LIMIT": "1000 per minute",
        "WEB_CHAT_MESSAGE_LIMIT": "1000 per minute",
    }
    with running_gateway(workdir, widget_rasa, **settings) as gateway:
        widget_sites.ngo_pages["/ngo"] = (
            "<!doctype html><html lang=en><title>Partner</title>"
            "<style>html{font-size:62.5%} button{background:lime!important}</style>"
            "<h1>Partner organisation</h1>"
            f'<script src="{gateway.url}/widget/sahayatri.js" defer data-title="Info"'
            f' data-icon="neutral" data-language="ne-Latn"'
            f' data-exit-url="{widget_sites.exit_url}"></script>'
        )
        yield gateway


@pytest.fixture(scope="module")
def widget_browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    # One Playwright (sync API) per process: share the console tests' browser when their
    # conftest provides one, rather than starting a second Playwright beside it.
    try:
        yield request.getfixturevalue("browser")
        return
    except pytest.FixtureLookupError:
        pass
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.expected_statuses: set[int] = set()

    def add_console_error(self, text: str) -> None:
        status = re.search(r"status of (\d{3})", text)
        if status and int(status.group(1)) in self.expected_statuses:
            return  # the browser logs every 4xx response; this test provokes this one
        self.errors.append(text)


@pytest.fixture
def widget_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def widget_page(widget_browser: Any, widget_problems: PageProblems) -> Iterator[Any]:
    context = widget_browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)

    def on_dialog(dialog: Any) -> None:
        widget_problems.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: Any) -> None:
        if message.type == "error" and "favicon" not in (message.location or {}).get("url", ""):
            widget_problems.add_console_error(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: widget_problems.errors.append(str(error)))
    yield page
    context.close()
    assert widget_problems.dialogs == [], "a dialog fired: markup was executed"
    assert widget_problems.errors == [], f"errors in the page: {widget_problems.errors}"


def demo_url(gateway: Gateway, sites: WidgetSites, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"exit": sites.exit_url, **params}.items())
    return f"{gateway.url}/?{query}"


def panel(page: Any) -> Any:
    """The chat panel: inside the widget's frame, on the gateway's origin."""
    return page.frame_locator("[data-sy=frame]")


def panel_frame(page: Any) -> Any:
    """The frame itself, to run a script in its document (the partner's page cannot)."""
    return next(f for f in page.frames if "/widget/frame" in f.url)


def open_chat(page: Any) -> None:
    page.locator("[data-sy=launcher]").click()
    panel(page).locator("[data-sy=input]").wait_for()


def send(page: Any, text: str) -> None:
    replies = panel(page).locator("[data-kind=bot], [data-kind=counsellor], [data-sy=error]")
    before = replies.count()
    panel(page).locator("[data-sy=input]").fill(text)
    panel(page).locator("[data-sy=input]").press("Enter")
    replies.nth(before).wait_for()


def last_reply(page: Any) -> str:
    return panel(page).locator("[data-kind=bot] .sy-text").last.text_content()


def session_keys(page: Any) -> list[str]:
    return page.evaluate("Object.keys(sessionStorage)")


def frame_keys(page: Any) -> list[str]:
    return panel_frame(page).evaluate("Object.keys(sessionStorage)")


# ------------------------------------------------------------------------------ tests


def test_widget_greets_in_each_language_form(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites, widget_rasa: FakeRasa
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(page)
    expected = {
        "en": ("hello", "Send", "Hello!"),
        "ne": ("नमस्ते", "पठाउनुहोस्", "नमस्ते!"),
        "ne-Latn": ("namaste", "Pathaunus", "Namaste!"),
    }
    for form, (greeting, send_label, reply_start) in expected.items():
        panel(page).locator(f"[data-lang='{form}']").click()
        # The widget's own strings switch at once.
        assert panel(page).locator("[data-sy=send]").text_content() == send_label
        assert panel(page).locator(f"[data-lang='{form}']").get_attribute("aria-pressed") == "true"
        send(page, greeting)
        assert last_reply(page).startswith(reply_start)
        metadata = widget_rasa.received[-1]["metadata"]
        assert (metadata["language"], metadata["language_source"]) == (form, "explicit")
    assert panel(page).locator("[data-kind=user]").count() == 3


def test_widget_answers_questions_typed_and_from_quick_replies(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites, widget_rasa: FakeRasa
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(page)
    send(page, "Can my agency keep my passport?")
    assert last_reply(page) == "You asked: Can my agency keep my passport?"
    # No toggle used: the gateway decides the form itself.
    assert widget_rasa.received[-1]["metadata"]["language_source"] != "explicit"

    panel(page).locator("[data-sy=quick]", has_text="Labour permit").click()
    panel(page).locator("[data-kind=bot]").nth(1).wait_for()
    assert last_reply(page) == "You asked: How do I get a labour permit?"

    panel(page).locator("[data-lang=ne]").click()
    labels = panel(page).locator("[data-sy=quick]").all_text_contents()
    assert labels == ["मेनु", "परामर्शदातासँग कुरा", "शुल्क", "श्रम स्वीकृति", "बेचबिखनका संकेत"]
    panel(page).locator("[data-sy=quick]", has_text="श्रम स्वीकृति").click()
    panel(page).locator("[data-kind=bot]").nth(2).wait_for()
    assert last_reply(page) == "तपाईंले सोध्नुभयो: श्रम स्वीकृति कसरी लिने?"


def test_widget_shows_markup_as_text(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(page)
    attack = '<img src=x onerror="alert(1)"><script>alert(2)</script><b>bold</b>'
    send(page, attack)
    assert panel(page).locator("[data-kind=user] .sy-text").last.text_content() == attack
    assert last_reply(page) == f"You asked: {attack}"  # the bot's echo is text too
    page.wait_for_timeout(300)  # give any onerror handler the chance to fire
    inside = panel_frame(page).evaluate(
        "() => document.getElementById('sahayatri-widget').shadowRoot"
        ".querySelectorAll('img, script, b').length"
    )
    assert inside == 0
    # emoji-only is an ordinary message
    send(page, "🙏😢")
    assert last_reply(page) == "You asked: 🙏😢"


def test_widget_quick_exit_leaves_nothing_behind(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    page = widget_page
    page.goto(f"{widget_sites.neutral}/previous")
    page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(page)
    send(page, "hello")
    assert "sahayatri.token" in frame_keys(page)
    token = panel_frame(page).evaluate("sessionStorage.getItem('sahayatri.token')")
    # The exit button is on screen while chatting, at the top of the panel.
    exit_button = panel(page).locator("#sy-panel [data-sy=exit]")
    assert exit_button.is_visible()
    exit_button.click()
    page.wait_for_url(widget_sites.exit_url)
    assert page.locator("#neutral").is_visible()
    # The token was revoked on the server: a copy of it is worth nothing.
    revoked = requests.get(f"{widget_gateway.url}/api/chat/messages",
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip
    assert revoked.status_code == 401

    page.go_back()  # the chat page was replaced in history: Back skips it
    assert page.url == f"{widget_sites.neutral}/previous"

    # The same tab on the chat site again: nothing was kept.
    page.goto(demo_url(widget_gateway, widget_sites))
    page.locator("[data-sy=launcher]").wait_for()
    assert session_keys(page) == []
    assert page.locator("[data-sy=frame]").count() == 0


def test_widget_escape_twice_is_a_quick_exit(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(page)
    send(page, "hello")
    page.keyboard.press("Escape")
    page.wait_for_timeout(100)
    assert panel(page).locator("[data-kind=user]").count() == 1  # one Esc does nothing
    page.keyboard.press("Escape")
    page.wait_for_url(widget_sites.exit_url)
    assert session_keys(page) == []


def test_widget_quick_exit_is_on_screen_while_closed(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    exit_button = page.locator(".sy-dock [data-sy=exit]")
    assert exit_button.is_visible()
    box = exit_button.bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"]
    exit_button.click()
    page.wait_for_url(widget_sites.exit_url)


def test_widget_counsellor_reply_arrives_live(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(page)
    panel(page).locator("[data-sy=quick]", has_text="Talk to a counsellor").click()
    panel(page).locator("[data-kind=bot]").first.wait_for()
    assert last_reply(page) == "A counsellor will answer you here soon."
    status = panel(page).locator(".sy-status")
    assert status.text_content() == "Waiting for a counsellor. You can keep writing."

    reply = "Hello, I am Sita, a counsellor. <b>Are you safe</b> to talk now?"
    counsellor_reply(widget_gateway, reply)
    message = panel(page).locator("[data-kind=counsellor]")
    message.wait_for(timeout=10_000)  # arrives by polling, without any action here
    assert message.locator(".sy-text").text_content() == reply
    assert message.locator(".sy-who").text_content() == "Counsellor"
    panel_frame(page).wait_for_function(
        "() => document.getElementById('sahayatri-widget').shadowRoot"
        ".querySelector('.sy-status').textContent.includes('talking with a counsellor')"
    )

    # The person's next message goes to the counsellor, not the bot: no bot reply.
    replies_before = panel(page).locator("[data-kind=bot]").count()
    panel(page).locator("[data-sy=input]").fill("Yes, I can talk")
    panel(page).locator("[data-sy=input]").press("Enter")
    panel_frame(page).wait_for_function(
        "() => !document.getElementById('sahayatri-widget').shadowRoot"
        ".querySelector('.sy').hasAttribute('data-sending')"
    )
    assert panel(page).locator("[data-kind=bot]").count() == replies_before

    # A reply while the panel is closed shows a badge on the launcher.
    panel(page).locator("[data-sy=close]").click()
    assert page.locator("[data-sy=frame]").is_hidden()
    assert page.locator("[data-sy=launcher]").is_visible()
    counsellor_reply(widget_gateway, "Take your time.")
    page.locator(".sy-badge").wait_for(timeout=10_000)
    assert page.locator(".sy-badge").text_content() == "1 new"


def test_widget_rate_limit_is_polite(
    widget_page: Any,
    widget_gateway: Gateway,
    widget_sites: WidgetSites,
    widget_problems: PageProblems,
) -> None:
    widget_problems.expected_statuses.add(429)
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(page)
    for number in range(RATE_LIMIT):
        send(page, f"question {number}")
    send(page, "one more")
    error = panel(page).locator("[data-sy=error]")
    assert error.count() == 1
    assert len(error.text_content()) > 10 and "429" not in error.text_content()
    # The words are not lost: back in the box, and no bubble for a message never accepted.
    assert panel(page).locator("[data-sy=input]").input_value() == "one more"
    assert panel(page).locator("[data-kind=user]").count() == RATE_LIMIT


def test_widget_limits_long_messages_with_a_counter(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(page)
    box = panel(page).locator("[data-sy=input]")
    box.fill("a" * 1600)
    assert panel(page).locator("[data-sy=counter]").text_content() == "1600 / 1600"
    assert panel(page).locator("[data-sy=send]").is_enabled()
    box.fill("a" * 1700)
    counter = panel(page).locator("[data-sy=counter]").text_content()
    assert "1600" in counter and "100" in counter
    assert panel(page).locator("[data-sy=send]").is_disabled()
    assert box.get_attribute("aria-invalid") == "true"
    box.press("Enter")
    page.wait_for_timeout(200)
    assert panel(page).locator("[data-kind=user]").count() == 0
    assert box.input_value() == "a" * 1700  # nothing thrown away


def test_widget_keyboard_only(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    page.locator("[data-sy=launcher]").wait_for()
    focused = (
        "() => { const r = document.getElementById('sahayatri-widget').shadowRoot;"
        " const a = r.activeElement;"
        " return a ? a.getAttribute('data-sy') || 'lang:' + a.getAttribute('data-lang') : null; }"
    )
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(focused) == "launcher":
            break
    assert page.evaluate(focused) == "launcher", "Tab never reached the launcher"
    ring = page.locator("[data-sy=launcher]").evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).boxShadow"
    )
    assert ring.startswith("solid") and ring.split(" ", 1)[1] != "none"  # visible focus
    page.keyboard.press("Enter")
    panel(page).locator("[data-sy=input]").wait_for()
    panel_frame(page).wait_for_function(
        "() => document.getElementById('sahayatri-widget').shadowRoot.activeElement"
        " && document.getElementById('sahayatri-widget').shadowRoot.activeElement"
        ".getAttribute('data-sy') === 'input'"
    )
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    panel(page).locator("[data-kind=bot]").wait_for()
    assert last_reply(page).startswith("Hello!")
    # Shift+Tab walks back through the panel's controls to the language buttons.
    seen = []
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        seen.append(panel_frame(page).evaluate(focused))
    assert seen == [*["quick"] * 5, "lang:ne-Latn", "lang:ne", "lang:en", "close", "exit"]


def test_widget_accessibility_basics(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    launcher = page.locator("[data-sy=launcher]")
    assert launcher.get_attribute("aria-expanded") == "false"
    open_chat(page)
    assert launcher.get_attribute("aria-expanded") == "true"
    log = panel(page).locator("[role=log]")
    assert log.get_attribute("aria-live") == "polite"
    assert panel(page).get_by_label("Your message").count() == 1
    assert panel(page).get_by_role("button", name=re.compile("Quick exit")).count() == 1
    assert page.locator("[data-sy=frame]").get_attribute("title") == "Chat"  # a named frame
    # Text follows the browser's text size, not the host page's root font size.
    size = panel(page).locator("[data-sy=input]").evaluate("el => getComputedStyle(el).fontSize")
    assert size == "16px"


def test_widget_embedded_on_another_origin(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites, widget_rasa: FakeRasa
) -> None:
    page = widget_page
    page.goto(f"{widget_sites.ngo}/ngo")
    launcher = page.locator("[data-sy=launcher]")
    assert launcher.text_content() == "Info"  # data-title: neutral
    # The host page's `button{background:lime!important}` and 62.5% root font don't leak in.
    style = launcher.evaluate("el => [getComputedStyle(el).backgroundColor, "
                              "getComputedStyle(el).fontSize]")  # fmt: skip
    assert style == ["rgb(29, 79, 94)", "16px"]
    open_chat(page)
    assert panel(page).locator("[data-sy=send]").text_content() == "Pathaunus"  # data-language
    send(page, "namaste")
    assert last_reply(page).startswith("Namaste!")
    # The partner's page cannot read the conversation: the panel is a frame of the gateway's
    # origin, whose document and storage the browser keeps from it; it holds no token either.
    reach = page.evaluate(
        "() => { const f = document.getElementById('sahayatri-widget').shadowRoot"
        ".querySelector('iframe'); let doc = 'readable';"
        " try { doc = f.contentDocument === null ? 'blocked' : 'readable'; }"
        " catch (e) { doc = 'blocked'; }"
        " return [doc, new URL(f.src).origin, document.body.innerText]; }"
    )
    assert reach[0] == "blocked" and reach[1] == widget_gateway.url
    assert "namaste" not in reach[2].lower()
    host_keys = session_keys(page)
    assert all(key.startswith("sahayatri.host.") for key in host_keys), host_keys
    assert not any("token" in key or "log" in key for key in host_keys)
    # The fallback font is reachable from the partner's page (a CORS font fetch).
    loaded = page.evaluate(
        "async () => (await document.fonts.load(\"16px 'Sahayatri Devanagari'\", 'नमस्ते'))"
        ".map(face => face.status)"
    )
    assert loaded == ["loaded"]
    panel(page).locator("#sy-panel [data-sy=exit]").click()
    page.wait_for_url(widget_sites.exit_url)  # quick exit leaves the partner's page too


def test_widget_recovers_from_an_expired_session(
    widget_page: Any,
    widget_gateway: Gateway,
    widget_sites: WidgetSites,
    widget_problems: PageProblems,
) -> None:
    widget_problems.expected_statuses.add(401)
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(page)
    send(page, "hello")
    panel_frame(page).evaluate("sessionStorage.setItem('sahayatri.token', 'not-a-real-token')")
    send(page, "hello again")
    assert last_reply(page) == "You asked: hello again"
    token = panel_frame(page).evaluate("sessionStorage.getItem('sahayatri.token')")
    assert token != "not-a-real-token"


def test_widget_keeps_the_chat_across_pages_of_the_same_tab(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(page)
    send(page, "hello")
    page.reload()
    panel(page).locator("[data-kind=bot]").wait_for()
    assert page.locator("[data-sy=frame]").is_visible()
    assert last_reply(page).startswith("Hello!")
    assert all(key.startswith("sahayatri.") for key in session_keys(page))
    assert page.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []


def test_widget_devanagari_screenshot(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    page = widget_page
    page.goto(demo_url(widget_gateway, widget_sites, language="ne"))
    open_chat(page)
    assert panel(page).locator("[data-sy=send]").text_content() == "पठाउनुहोस्"
    send(page, "नमस्ते")
    send(page, "म्यानपावरलाई कति पैसा तिर्नुपर्छ?")
    panel_frame(page).evaluate("document.fonts.ready")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "widget-devanagari.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    family = panel(page).locator(".sy-text").first.evaluate("el => getComputedStyle(el).fontFamily")
    assert "Noto Sans Devanagari" in family and "Sahayatri Devanagari" in family


def test_widget_bundle_within_budget() -> None:
    assert up_front_gzipped() <= UP_FRONT_BUDGET_BYTES


def test_widget_serving_headers(widget_gateway: Gateway) -> None:
    url = widget_gateway.url
    loader = requests.get(f"{url}/widget/sahayatri.js", timeout=10)
    assert loader.status_code == 200
    assert loader.headers["Content-Type"].startswith("text/javascript")
    assert loader.headers["Cache-Control"] == "public, max-age=300"
    assert "/*@sahayatri-css*/" not in loader.text and ".sy-launcher" in loader.text
    font_path = re.search(r'"(fonts/[^"]+\.woff2\?v=\w+)"', loader.text)
    assert font_path
    again = requests.get(
        f"{url}/widget/sahayatri.js", headers={"If-None-Match": loader.headers["ETag"]}, timeout=10
    )
    assert again.status_code == 304
    font = requests.get(f"{url}/widget/{font_path.group(1)}", timeout=10)
    assert font.status_code == 200 and font.content[:4] == b"wOF2"
    assert "max-age=31536000" in font.headers["Cache-Control"]
    assert font.headers["Access-Control-Allow-Origin"] == "*"
    assert requests.get(f"{url}/widget/sahayatri.css", timeout=10).status_code == 404
    assert requests.get(f"{url}/widget/../__init__.py", timeout=10).status_code == 404
    crafted = requests.get(f"{url}/?exit=https://example.com/", timeout=10)
    assert 'data-exit-url="https://www.google.com/search?q=weather"' in crafted.text
    demo = requests.get(f"{url}/", timeout=10)
    assert "default-src 'self'" in demo.headers["Content-Security-Policy"]
    assert "<script>" not in demo.text  # no inline script: CSP-friendly
    frame = requests.get(f"{url}/widget/frame?lang=ne&title=Call+9800000000", timeout=10)
    policy = frame.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' http://127.0.0.1:" in policy  # the partner site may frame it
    assert "X-Frame-Options" not in frame.headers and "<script>" not in frame.text
    assert "9800000000" not in frame.text  # a crafted title is dropped
    assert requests.get(f"{url}/", timeout=10).headers["X-Frame-Options"] == "DENY"


def test_widget_loads_no_third_party_resources(
    widget_page: Any, widget_gateway: Gateway, widget_sites: WidgetSites
) -> None:
    requested: list[str] = []
    widget_page.on("request", lambda request: requested.append(request.url))
    widget_page.goto(demo_url(widget_gateway, widget_sites))
    open_chat(widget_page)
    send(widget_page, "hello")
    started = time.monotonic()
    while time.monotonic() - started < 0.5:
        widget_page.wait_for_timeout(100)
    foreign = [u for u in requested if not u.startswith(widget_gateway.url)]
    assert foreign == []
    # Nothing but the page, its stylesheet and the one script before the first message.
    assert not any("/api/chat/" in u for u in requested[:3])
