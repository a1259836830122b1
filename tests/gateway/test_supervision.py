"""Supervised processes (scripts/supervise.py + supervisord): a killed process comes back, a
crashing one is retried with backoff, and the others keep running throughout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.supervise import ROOT, read_procfile

SUPERVISORCTL = ROOT / ".venv-gateway" / "bin" / "supervisorctl"
SLEEPER = f"{sys.executable} -c 'import time; time.sleep(600)'"


def status(config: Path) -> dict[str, tuple[str, int]]:
    out = subprocess.run(
        [str(SUPERVISORCTL), "-c", str(config), "status"], capture_output=True, text=True
    ).stdout
    states = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            pid = int(parts[3].rstrip(",")) if len(parts) > 3 and parts[2] == "pid" else 0
            states[parts[0]] = (parts[1], pid)
    return states


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp_path = tmp_path_factory.mktemp("supervised")
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        # "two" uses the Procfile idiom `VAR=value program`
        f"one: {SLEEPER}\ntwo: SAHAYATRI_TEST=1 {SLEEPER}\ncrashing: exit 3\n# comment: x\n"
    )
    state = tmp_path / "state"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "supervise.py"), "--procfile", str(procfile),
         "--state", str(state)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    config = state / "supervisord.conf"
    try:
        wait_for(lambda: config.exists() and status(config).get("two", ("",))[0] == "RUNNING")
        yield config
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_a_killed_process_is_restarted_and_the_others_keep_running(supervised: Path) -> None:
    before = status(supervised)
    one_pid, two_pid = before["one"][1], before["two"][1]
    os.kill(one_pid, signal.SIGKILL)
    after = wait_for(
        lambda: (s := status(supervised))["one"][0] == "RUNNING" and s["one"][1] != one_pid and s
    )
    assert after["two"] == ("RUNNING", two_pid)  # untouched


def test_a_process_that_keeps_crashing_backs_off_without_stopping_the_others(
    supervised: Path,
) -> None:
    wait_for(lambda: status(supervised)["crashing"][0] in {"BACKOFF", "STARTING"})
    states = status(supervised)
    assert states["one"][0] == "RUNNING" and states["two"][0] == "RUNNING"


def test_the_procfile_puts_no_secret_on_a_command_line() -> None:
    processes = read_procfile(ROOT / "Procfile")
    assert set(processes) == {"gateway", "rasa", "actions", "worker"}
    assert all("TOKEN" not in command and "PASSWORD" not in command
               for command in processes.values())  # fmt: skip
    assert "%(h)s" not in processes["gateway"]  # no client addresses in the access log
