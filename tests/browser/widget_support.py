"""Helpers for the widget's browser tests: a fake Rasa, two small web sites, the real gateway.

The gateway runs for real (gunicorn, its own SQLite file, migrations applied) and talks to a
fake Rasa REST channel that answers in the language form the gateway tells it, and opens a
hand-off through the gateway's internal API when asked for a counsellor, as the action server
does. The "NGO site" (another origin, embedding the widget) and the "neutral site" (where quick
exit goes) are tiny static servers.

``python -m tests.browser.widget_support counsellor-reply <text>`` (run with the gateway's
environment) has a counsellor claim the waiting hand-off and reply through the outbox, the same
code path the console uses.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import requests

from tests.support.http_stub import QuietJsonHandler, running_server

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv-gateway" / "bin"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
NE_LATN_WORDS = re.compile(
    r"\b(namaste|chha|chhu|ho|k|kasari|sanga|chahiyo|line|garnu|malai|tapai|kati|paisa)\b", re.I
)
COUNSELLOR_WORDS = re.compile(r"counsellor|परामर्शदाता", re.I)

REPLIES = {
    "greet": {
        "en": "Hello! I can answer questions about working abroad safely.",
        "ne": "नमस्ते! म विदेशमा सुरक्षित काम गर्नेबारे प्रश्नको जवाफ दिन सक्छु।",
        "ne-Latn": "Namaste! Ma bidesh ma surakshit kaam barema prashna ko jawaf dina sakchhu.",
    },
    "handoff": {
        "en": "A counsellor will answer you here soon.",
        "ne": "परामर्शदाताले चाँडै यहीँ जवाफ दिनुहुनेछ।",
        "ne-Latn": "Counsellor le chadai yahi jawaf dinuhunechha.",
    },
    "answer": {
        "en": "You asked: {text}",
        "ne": "तपाईंले सोध्नुभयो: {text}",
        "ne-Latn": "Tapai le sodhnubhayo: {text}",
    },
}
GREETINGS = {"hello", "hi", "namaste", "नमस्ते"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def chromium_missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped"
    return None


def form_of(text: str, hint: str | None) -> str:
    if hint in REPLIES["greet"]:
        return hint
    if DEVANAGARI.search(text):
        return "ne"
    return "ne-Latn" if NE_LATN_WORDS.search(text) else "en"


@dataclass
class FakeRasa:
    """Rasa's REST channel and /status, enough for the gateway."""

    gateway_url: str = ""
    internal_token: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def reply(self, payload: dict[str, Any]) -> list[dict[str, str]]:
        self.received.append(payload)
        sender, text = payload.get("sender", ""), str(payload.get("message", ""))
        metadata = payload.get("metadata") or {}
        form = metadata.get("language") or form_of(text, None)  # the gateway's decision
        if COUNSELLOR_WORDS.search(text):
            requests.post(
                f"{self.gateway_url}/internal/handoffs",
                json={"conversation_id": sender, "reason": "asked", "language": form},
                headers={"Authorization": f"Bearer {self.internal_token}"},
                timeout=10,
            ).raise_for_status()
            kind = "handoff"
        elif text.strip().strip("!.?").casefold() in GREETINGS:
            kind = "greet"
        else:
            kind = "answer"
        return [{"recipient_id": sender, "text": REPLIES[kind][form].format(text=text)}]


def _handler(rasa: FakeRasa) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietJsonHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/status":
                self.reply_json(200, {"model_file": "models/fake.tar.gz"})
            else:
                self.reply_json(404, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
            if self.path.split("?")[0] == "/webhooks/rest/webhook":
                self.reply_json(200, rasa.reply(payload))
            else:
                self.reply_json(404, {})

    return Handler


class _StaticHandler(QuietJsonHandler):
    pages: dict[str, str] = {}

    def do_GET(self) -> None:
        page = self.pages.get(self.path.split("?")[0])
        body = (page or "not found").encode()
        self.send_response(200 if page is not None else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def fake_rasa() -> Iterator[FakeRasa]:
    rasa = FakeRasa()
    with running_server(_handler(rasa)) as url:
        rasa.url = url
        yield rasa


@contextmanager
def static_site(pages: dict[str, str]) -> Iterator[str]:
    handler = type("Site", (_StaticHandler,), {"pages": pages})
    with running_server(handler) as url:
        yield url


@dataclass
class Gateway:
    url: str
    env: dict[str, str]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def running_gateway(workdir: Path, rasa: FakeRasa, **settings: str) -> Iterator[Gateway]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PUBLIC_BASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "INTERNAL_API_TOKEN": secrets.token_urlsafe(32),
        "DATA_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "DATABASE_URL": f"sqlite:///{workdir / 'gateway.db'}",
        "RASA_URL": rasa.url,
        "RASA_TIMEOUT_SECONDS": "10",
        "SESSION_COOKIE_SECURE": "false",
        **settings,
    }
    rasa.gateway_url, rasa.internal_token = url, env["INTERNAL_API_TOKEN"]
    flask = [str(VENV_BIN / "flask"), "--app", "webhooks:create_app()"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = workdir / "gateway.log"
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", "8", "--no-control-socket", "webhooks:create_app()"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gateway exited early:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gateway not ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Gateway(url, env, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def counsellor_reply(gateway: Gateway, text: str) -> None:
    """Have a counsellor claim the newest web hand-off and reply (in another process)."""
    subprocess.run(
        [str(VENV_BIN / "python"), "-m", "tests.browser.widget_support", "counsellor-reply", text],
        cwd=ROOT, env=gateway.env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def _counsellor_reply_main(text: str) -> None:
    from sqlalchemy import select

    from webhooks import create_app
    from webhooks.extensions import db
    from webhooks.handoffs import service as handoffs
    from webhooks.models import Conversation, User
    from webhooks.services import services

    app = create_app()
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="widget-test-counsellor"))
        if user is None:
            user = User(username="widget-test-counsellor", password_hash="!", on_duty=True)
            db.session.add(user)
            db.session.commit()
        conversation = db.session.scalar(
            select(Conversation).filter_by(channel="web").order_by(Conversation.id.desc())
        )
        if conversation is None:
            raise SystemExit("no web conversation yet")
        handoff = handoffs.active_handoff(conversation)
        if handoff is not None and handoff.counsellor_id is None:
            handoffs.claim(handoff, user)
        services().outbox.queue(conversation, text, author=user)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "counsellor-reply":
        _counsellor_reply_main(sys.argv[2])
    else:
        raise SystemExit("usage: python -m tests.browser.widget_support counsellor-reply TEXT")
