"""Start the whole service as real processes on free loopback ports: for end-to-end tests and
benches. The same topology as `make run` / `make run-scaled`, sized by ``StackShape``.

One machine, several instances: N Rasa instances (one action server), M gateways (gunicorn),
K workers, and either SQLite (one instance of each) or private PostgreSQL + Redis servers
(scripts/local_servers.py): the gateways share one PostgreSQL database, the Rasa instances a
PostgreSQL tracker store and a Redis lock store (endpoints.scaled.yml).
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from scripts.local_servers import free_port, running_postgres, running_redis

ROOT = Path(__file__).resolve().parents[1]
RASA_BIN = ROOT / ".venv-rasa" / "bin"
GATEWAY_BIN = ROOT / ".venv-gateway" / "bin"
STARTUP_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class StackShape:
    rasa_instances: int = 1
    gateways: int = 1
    workers: int = 0
    postgresql: bool = False  # gateway database, Rasa tracker (+ Redis lock store)
    gateway_processes: int = 1  # gunicorn --workers
    gateway_threads: int = 4  # gunicorn --threads
    worker_interval: float = 0.5
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class Stack:
    gateway_urls: list[str]
    rasa_urls: list[str]
    env: dict[str, str]
    logs: dict[str, Path]
    processes: dict[str, subprocess.Popen]
    database_url: str

    def log_text(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs.values())

    def tracker(self, conversation_id: str) -> dict:
        """Rasa's tracker for a conversation (the store is shared: any instance answers)."""
        response = requests.get(
            f"{self.rasa_urls[0]}/conversations/{conversation_id}/tracker",
            params={"token": self.env["RASA_API_TOKEN"]},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


def _wait_ready(stack: Stack, instances: int) -> None:
    """Every gateway ready, and every Rasa instance with its model loaded."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    pending = list(stack.gateway_urls)
    while pending and time.monotonic() < deadline:
        for name, process in stack.processes.items():
            if process.poll() is not None:
                tail = stack.logs[name].read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited early:\n{tail}")
        try:
            body = requests.get(f"{pending[0]}/readyz", timeout=5).json()
            loaded = [i["model_loaded"] for i in body.get("rasa_instances", [])]
            if body.get("ready") and len(loaded) == instances and all(loaded):
                pending.pop(0)
                continue
        except (requests.RequestException, ValueError):
            pass
        time.sleep(1)
    if pending:
        tails = "\n".join(
            f"--- {n}\n{p.read_text(errors='replace')[-2000:]}" for n, p in stack.logs.items()
        )
        raise RuntimeError(f"service not ready after {STARTUP_TIMEOUT_SECONDS}s\n{tails}")


@contextmanager
def running_stack(workdir: Path, shape: StackShape, model: Path) -> Iterator[Stack]:
    """Start everything ``shape`` asks for in ``workdir``; stop it all afterwards."""
    with ExitStack() as servers:
        gateway_ports = [free_port() for _ in range(shape.gateways)]
        rasa_ports = [free_port() for _ in range(shape.rasa_instances)]
        actions_port = free_port()
        gateway_urls = [f"http://127.0.0.1:{port}" for port in gateway_ports]
        rasa_urls = [f"http://127.0.0.1:{port}" for port in rasa_ports]
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PUBLIC_BASE_URL": "http://sahayatri.test",  # the one public URL Twilio signs
            "SECRET_KEY": secrets.token_urlsafe(32),
            "INTERNAL_API_TOKEN": secrets.token_urlsafe(32),
            "DATA_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
            "RASA_API_TOKEN": secrets.token_urlsafe(16),
            "RASA_URL": ",".join(rasa_urls),
            "RASA_TIMEOUT_SECONDS": "20",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}/webhook",
            "GATEWAY_URL": gateway_urls[0],
            "SANIC_HOST": "127.0.0.1",
            **shape.extra_env,
        }
        if shape.postgresql:
            postgres = servers.enter_context(running_postgres())
            redis = servers.enter_context(running_redis())
            import psycopg

            with psycopg.connect(postgres.admin_url(), autocommit=True) as connection:
                connection.execute("CREATE DATABASE gateway")
                connection.execute("CREATE DATABASE tracker")
            env["DATABASE_URL"] = postgres.url("gateway")
            env["RASA_TRACKER_URL"] = postgres.url("tracker", driver="postgresql")
            env["REDIS_HOST"], env["REDIS_PORT"] = redis.host, str(redis.port)
            endpoints = "endpoints.scaled.yml"
        else:
            env["DATABASE_URL"] = f"sqlite:///{workdir / 'gateway.db'}"
            env["RASA_TRACKER_DB"] = str(workdir / "tracker.db")
            endpoints = "endpoints.yml"
        subprocess.run(
            [str(GATEWAY_BIN / "flask"), "--app", "webhooks:create_app()", "db", "upgrade"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        commands: dict[str, list[str]] = {
            "actions": [str(RASA_BIN / "rasa"), "run", "actions", "--actions", "actions",
                        "--port", str(actions_port)],
        }  # fmt: skip
        for number, port in enumerate(rasa_ports, start=1):
            commands[f"rasa-{number}"] = [  # the API token from the environment, as in the Procfile
                str(RASA_BIN / "python"), "scripts/run_rasa.py", "--enable-api",
                "--interface", "127.0.0.1", "--port", str(port),
                "--model", str(model), "--endpoints", endpoints, "--credentials",
                "credentials.yml",
            ]  # fmt: skip
        for number, port in enumerate(gateway_ports, start=1):
            commands[f"gateway-{number}"] = [
                str(GATEWAY_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                "--workers", str(shape.gateway_processes),
                "--threads", str(shape.gateway_threads),
                "--control-socket", str(workdir / f"gateway-{number}.ctl"),
                "webhooks:create_app()",
            ]  # fmt: skip
        for number in range(1, shape.workers + 1):
            commands[f"worker-{number}"] = [
                str(GATEWAY_BIN / "flask"), "--app", "webhooks:create_app()", "worker",
                "--interval", str(shape.worker_interval),
            ]  # fmt: skip
        logs = {name: workdir / f"{name}.log" for name in commands}
        processes: dict[str, subprocess.Popen] = {}
        stack = Stack(gateway_urls, rasa_urls, env, logs, processes, env["DATABASE_URL"])
        try:
            for name, command in commands.items():
                processes[name] = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=logs[name].open("w"),
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            _wait_ready(stack, shape.rasa_instances)
            yield stack
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
