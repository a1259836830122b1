"""Starts the real service (trained model, Rasa, action server, gateway, worker) as `make run`
does: the Procfile under supervisord (scripts/supervise.py).

Everything runs as separate processes on free loopback ports, with its own databases in a
temporary folder; Twilio's REST API is a local fake (counsellor and late replies go there).
The model is trained once and cached in models/ (Rasa's fingerprint retrains only when data
or config change).

Rasa reaches the real action server through ``ActionServerSwitch``, a pass-through that a test
can tell to make one action fail the way a raising action does (rasa_sdk answers 500), after
letting it run or not. That is how a test makes Rasa's REST channel answer ``[]``.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from scripts.train import ROOT, ensure_model
from tests.gateway.fake_twilio import FakeTwilioApi, running_fake_twilio
from tests.support.http_stub import QuietJsonHandler, running_server

STARTUP_TIMEOUT_SECONDS = 240


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ActionServerSwitch:
    """Between Rasa and the real action server; fails chosen actions like a raising action.

    ``fail[name] = runs`` answers the next call of action ``name`` with rasa_sdk's answer to an
    exception (HTTP 500) after forwarding it ``runs`` times to the real action server (0: the
    action never ran; 1: its side effects happened, then it raised; 2: it also ran twice).
    GET requests (the gateway's readiness check of ``/health``) pass through unchanged.
    """

    target: str
    fail: dict[str, int] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def handler(self) -> type[QuietJsonHandler]:
        switch = self

        class Handler(QuietJsonHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw)
                action = str(body.get("next_action"))
                switch.calls.append(action)
                runs = switch.fail.pop(action, None)
                headers = {"Content-Type": "application/json"}
                for _ in range(1 if runs is None else runs):
                    forwarded = requests.post(switch.target, data=raw, headers=headers, timeout=30)
                if runs is None:
                    self.reply_json(forwarded.status_code, forwarded.json())
                else:
                    self.reply_json(500, {"error": "raised on purpose", "request_body": body})

            def do_GET(self) -> None:
                base = switch.target.rsplit("/webhook", 1)[0]
                try:
                    forwarded = requests.get(base + self.path, timeout=5)
                    self.reply_json(forwarded.status_code, forwarded.json())
                except (requests.RequestException, ValueError):
                    self.reply_json(502, {"error": "action server unreachable"})

        return Handler


@dataclass
class Service:
    base_url: str
    env: dict[str, str]
    logs: Path  # the folder of the processes' logs
    supervisor_config: Path
    twilio: FakeTwilioApi
    workdir: Path
    actions: ActionServerSwitch

    def log_text(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.logs.glob("*.log"))
        )

    def pid(self, name: str) -> int:
        """The process id supervisord gives for ``name`` (0 when it is not running)."""
        out = subprocess.run(
            [str(SUPERVISORCTL), "-c", str(self.supervisor_config), "pid", name],
            capture_output=True, text=True, timeout=30,
        ).stdout.strip()  # fmt: skip
        return int(out) if out.isascii() and out.isdigit() else 0

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        _wait_ready(f"{self.base_url}/readyz", timeout, self.logs)


SUPERVISORCTL = ROOT / ".venv-gateway" / "bin" / "supervisorctl"


def _wait_ready(
    url: str, timeout: float, logs: Path, supervisor: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if supervisor is not None and supervisor.poll() is not None:
            raise RuntimeError("supervisord exited early")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in logs.glob("*.log"))
    raise RuntimeError(f"service not ready after {timeout}s\n{tails}")


@pytest.fixture(scope="session")
def action_switch() -> Iterator[tuple[ActionServerSwitch, str, int]]:
    actions_port = free_port()
    switch = ActionServerSwitch(f"http://127.0.0.1:{actions_port}/webhook")
    with running_server(switch.handler()) as url:
        yield switch, f"{url}/webhook", actions_port


@pytest.fixture(scope="session")
def service(
    tmp_path_factory: pytest.TempPathFactory, action_switch: tuple[ActionServerSwitch, str, int]
) -> Iterator[Service]:
    """The whole service as `make run` starts it: the Procfile under supervisord."""
    ensure_model()
    switch, switch_url, actions_port = action_switch
    workdir = tmp_path_factory.mktemp("service")
    rasa_port, gateway_port = free_port(), free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    with running_fake_twilio() as twilio:
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(gateway_port),
            "GATEWAY_WORKERS": "1",
            "GATEWAY_THREADS": "8",
            "PUBLIC_BASE_URL": gateway_url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "INTERNAL_API_TOKEN": secrets.token_urlsafe(32),
            "DATA_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
            "TWILIO_ACCOUNT_SID": "AC" + "e" * 32,
            "TWILIO_SMS_FROM": "+15005550006",
            "TWILIO_API_BASE_URL": twilio.url,
            "RASA_API_TOKEN": secrets.token_urlsafe(24),
            "DATABASE_URL": f"sqlite:///{workdir / 'gateway.db'}",
            "RASA_HOST": "127.0.0.1",
            "RASA_PORT": str(rasa_port),
            "RASA_URL": f"http://127.0.0.1:{rasa_port}",
            "RASA_TIMEOUT_SECONDS": "10",
            "ACTIONS_HOST": "127.0.0.1",
            "ACTIONS_PORT": str(actions_port),
            "ACTION_SERVER_URL": switch_url,  # Rasa -> the switch -> the real action server
            "RASA_TRACKER_DB": str(workdir / "tracker.db"),
            "GATEWAY_URL": gateway_url,
            "SESSION_COOKIE_SECURE": "false",
            # The chaos test's steady load comes from one address and few sessions.
            "WEB_CHAT_MESSAGE_LIMIT": "1000 per minute",
            "WEB_CHAT_MAX_MESSAGES_PER_10S": "30",
        }
        subprocess.run(
            [str(ROOT / ".venv-gateway" / "bin" / "flask"), "--app", "webhooks:create_app()",
             "db", "upgrade"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        state = workdir / "supervisor"
        supervisor = subprocess.Popen(
            [str(ROOT / ".venv-gateway" / "bin" / "python"), "scripts/supervise.py",
             "--procfile", "Procfile", "--state", str(state)],
            cwd=ROOT, env=env, stdout=(workdir / "supervisord.log").open("w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        service = Service(
            gateway_url, env, state / "log", state / "supervisord.conf", twilio, workdir, switch
        )
        try:
            _wait_ready(f"{gateway_url}/readyz", STARTUP_TIMEOUT_SECONDS, state / "log", supervisor)
            yield service
        finally:
            os.killpg(supervisor.pid, signal.SIGTERM)
            try:
                supervisor.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(supervisor.pid, signal.SIGKILL)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The chaos test kills processes of the shared service: it runs after the others."""
    items.sort(key=lambda item: item.get_closest_marker("chaos") is not None)
