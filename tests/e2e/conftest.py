"""Starts the real service (trained model, rasa, action server, gateway under gunicorn).

Everything runs as separate processes on free loopback ports, with its own databases in a
temporary folder, exactly as the Procfile runs them. The model is trained once and cached in
models/ (Rasa's fingerprint retrains only when data or config change).

Rasa reaches the real action server through ``ActionServerSwitch``, a pass-through that a test
can tell to make one action fail the way a raising action does (rasa_sdk answers 500), after
letting it run or not. That is how a test makes Rasa's REST channel answer ``[]``.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from scripts.train import ROOT, ensure_model
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

        return Handler


@dataclass
class Service:
    base_url: str
    env: dict[str, str]
    logs: dict[str, Path]
    actions: ActionServerSwitch

    def log_text(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs.values())


def _wait_ready(url: str, processes: dict[str, subprocess.Popen], logs: dict[str, Path]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{logs[name].read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    tails = "\n".join(f"--- {n}\n{p.read_text()[-2000:]}" for n, p in logs.items())
    raise RuntimeError(f"service not ready after {STARTUP_TIMEOUT_SECONDS}s\n{tails}")


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
    model = ensure_model()
    switch, switch_url, actions_port = action_switch
    workdir = tmp_path_factory.mktemp("service")
    rasa_port, gateway_port = free_port(), free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(gateway_port),
        "PUBLIC_BASE_URL": gateway_url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "INTERNAL_API_TOKEN": secrets.token_urlsafe(32),
        "DATA_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "RASA_API_TOKEN": secrets.token_urlsafe(16),
        "DATABASE_URL": f"sqlite:///{workdir / 'gateway.db'}",
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "RASA_TIMEOUT_SECONDS": "10",
        "ACTION_SERVER_URL": switch_url,
        "RASA_TRACKER_DB": str(workdir / "tracker.db"),
        "GATEWAY_URL": gateway_url,
        "SANIC_HOST": "127.0.0.1",
    }
    venv_rasa, venv_gateway = ROOT / ".venv-rasa" / "bin", ROOT / ".venv-gateway" / "bin"
    commands = {
        "actions": [str(venv_rasa / "rasa"), "run", "actions", "--actions", "actions",
                    "--port", str(actions_port)],
        "rasa": [str(venv_rasa / "rasa"), "run", "--enable-api", "--auth-token",
                 env["RASA_API_TOKEN"], "--interface", "127.0.0.1", "--port", str(rasa_port),
                 "--model", str(model), "--endpoints", "endpoints.yml",
                 "--credentials", "credentials.yml"],
        "gateway": [str(venv_gateway / "gunicorn"), "--bind", f"127.0.0.1:{gateway_port}",
                    "--workers", "1", "--threads", "4", "--no-control-socket",
                    "webhooks:create_app()"],
    }  # fmt: skip
    subprocess.run(
        [str(venv_gateway / "flask"), "--app", "webhooks:create_app()", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    logs = {name: workdir / f"{name}.log" for name in commands}
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=logs[name].open("w"), stderr=subprocess.STDOUT
            )
        _wait_ready(f"{gateway_url}/readyz", processes, logs)
        yield Service(gateway_url, env, logs, switch)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
