"""Real Chromium against the real gateway (gunicorn), with local fakes of Twilio's API and Rasa.

The person's side is the signed Twilio webhook; hand-offs are opened through
``POST /internal/handoffs`` exactly as the action server does. Needs Debian's Chromium at
/usr/bin/chromium (never ``playwright install``); the tests skip cleanly without it.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from tests.support.http_stub import QuietJsonHandler, running_server
from webhooks.cli import signed_twilio_request

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",  # the console's alert chime
]
ACCOUNT_SID = "AC" + "b" * 32
SERVICE_NUMBER = "+15005550006"
BOT_PREFIX = "bot says: "
# Messages starting with this are "answered" with a topic, as the real actions report it.
ANSWERED_PREFIX = "fees: "
FEES_REPORT = {"sahayatri_turn": {"outcome": "answer", "topic": "free_visa_free_ticket"}}
STARTUP_TIMEOUT_SECONDS = 60
ONE_TIME = re.compile(r"one-time password: (\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@dataclass
class FakeUpstreams:
    """Twilio's Messages API (and recordings) and Rasa's REST channel, on one local port."""

    url: str = ""
    sms: list[dict[str, str]] = field(default_factory=list)
    bot: list[dict[str, Any]] = field(default_factory=list)
    recordings: dict[str, bytes] = field(default_factory=dict)  # path -> WAV, until deleted

    def handler(self) -> type[QuietJsonHandler]:
        fake = self

        class Handler(QuietJsonHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if re.fullmatch(r"/2010-04-01/Accounts/AC\w+/Messages\.json", self.path):
                    form = {key: values[0] for key, values in parse_qs(raw).items()}
                    sid = "SM" + uuid.uuid4().hex
                    fake.sms.append({**form, "sid": sid})
                    self.reply_json(
                        201,
                        {
                            "sid": sid,
                            "account_sid": ACCOUNT_SID,
                            "status": "queued",
                            "to": form.get("To"),
                            "from": form.get("From"),
                            "body": form.get("Body"),
                        },
                    )
                elif self.path == "/webhooks/rest/webhook":
                    payload = json.loads(raw)
                    fake.bot.append(payload)
                    answer = [{"recipient_id": payload["sender"],
                               "text": BOT_PREFIX + payload["message"]}]  # fmt: skip
                    if payload["message"].startswith(ANSWERED_PREFIX):  # as action_answer does
                        answer.append({"recipient_id": payload["sender"], "custom": FEES_REPORT})
                    self.reply_json(200, answer)
                else:
                    self.reply_json(404, {"message": "not found"})

            def do_DELETE(self) -> None:
                fake.recordings.pop(self.path.removesuffix(".json"), None)
                self.send_response(204)
                self.end_headers()

            def do_GET(self) -> None:
                if self.path in fake.recordings:
                    audio = fake.recordings[self.path]
                    self.send_response(200)
                    self.send_header("Content-Type", "audio/x-wav")
                    self.send_header("Content-Length", str(len(audio)))
                    self.end_headers()
                    self.wfile.write(audio)
                elif self.path.startswith("/status"):
                    self.reply_json(200, {"model_file": "models/fake.tar.gz"})
                else:
                    self.reply_json(404, {"message": "not found"})

        return Handler


@dataclass
class Gateway:
    url: str
    env: dict[str, str]
    log: Path
    upstreams: FakeUpstreams
    passwords: dict[str, str]

    def person_says(self, text: str, sender: str) -> requests.Response:
        params, signature = signed_twilio_request(
            self.env["TWILIO_AUTH_TOKEN"], self.url, sender, text, SERVICE_NUMBER
        )
        response = requests.post(
            self.url + "/webhooks/twilio/messages",
            data=params,
            headers={"X-Twilio-Signature": signature},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response

    def conversation_of(self, text: str) -> str:
        """The public id the gateway gave Rasa for the message ``text``."""
        return wait_for(
            lambda: next((m["sender"] for m in self.upstreams.bot if m["message"] == text), None),
            what=f"the bot to receive {text!r}",
        )

    def open_handoff(self, public_id: str, priority: str = "normal", **summary: Any) -> None:
        response = requests.post(
            self.url + "/internal/handoffs",
            json={
                "conversation_id": public_id,
                "reason": "asked",
                "priority": priority,
                "language": "en",
                "summary": summary or {"topic": "job abroad"},
            },
            headers={"Authorization": "Bearer " + self.env["INTERNAL_API_TOKEN"]},
            timeout=10,
        )
        assert response.status_code in (200, 201), response.text

    def flask(self, *args: str) -> str:
        result = subprocess.run(
            [
                str(ROOT / ".venv-gateway" / "bin" / "flask"),
                "--app",
                "webhooks:create_app()",
                *args,
            ],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout


@pytest.fixture(scope="session")
def upstreams() -> Iterator[FakeUpstreams]:
    fake = FakeUpstreams()
    with running_server(fake.handler()) as url:
        fake.url = url
        yield fake


@pytest.fixture(scope="session")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, upstreams: FakeUpstreams
) -> Iterator[Gateway]:
    workdir = tmp_path_factory.mktemp("console-gateway")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PUBLIC_BASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "INTERNAL_API_TOKEN": secrets.token_urlsafe(32),
        "DATA_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_SMS_FROM": SERVICE_NUMBER,
        "TWILIO_WHATSAPP_FROM": "whatsapp:" + SERVICE_NUMBER,
        "TWILIO_API_BASE_URL": upstreams.url,
        "RASA_URL": upstreams.url,
        "RASA_TIMEOUT_SECONDS": "5",
        "DATABASE_URL": f"sqlite:///{workdir / 'gateway.db'}",
        "SESSION_COOKIE_SECURE": "false",  # plain http on loopback
    }
    gateway = Gateway(url, env, workdir / "gateway.log", upstreams, {})
    gateway.flask("db", "upgrade")
    gateway.passwords["supervisor"] = ONE_TIME.search(gateway.flask("users", "bootstrap")).group(1)
    for name in ("asha", "bina"):
        created = gateway.flask("users", "create", name, "--role", "counsellor")
        gateway.passwords[name] = ONE_TIME.search(created).group(1)
    command = [
        str(ROOT / ".venv-gateway" / "bin" / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "8",
        "--no-control-socket",  # the default path is per user: parallel runs would share it
        "webhooks:create_app()",
    ]
    with gateway.log.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError("gateway exited early:\n" + gateway.log.read_text()[-3000:])
            try:
                return requests.get(url + "/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_for(ready, STARTUP_TIMEOUT_SECONDS, "the gateway to start")
        yield gateway
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing (apt-get install chromium): browser tests need it"
        if os.environ.get("CI"):  # .ci/run installs it: a missing browser there is a failure
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, gateway: Gateway) -> Iterator[Any]:  # browser first: skips early
    context = browser.new_context(base_url=gateway.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.dialogs = []  # type: ignore[attr-defined]

    def on_dialog(dialog: Any) -> None:
        page.dialogs.append((dialog.type, dialog.message))  # type: ignore[attr-defined]
        dialog.accept()

    page.on("dialog", on_dialog)
    yield page
    context.close()
