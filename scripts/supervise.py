"""Run the Procfile's processes under supervisord: a crashed process is restarted, the others
keep running. ``make run`` calls this; Ctrl-C stops everything.

The Procfile stays the one list of processes (``name: command``). This script turns it into a
supervisord configuration in a state folder (default ``var/supervisor``) and runs supervisord
in the foreground. Each process's output goes to ``<state>/log/<name>.log`` (rotated);
supervisord's own lines (started, exited, restarting) go to the terminal.

A process that exits is started again at once; one that keeps failing within STARTSECS of its
start is retried after 1, 2, 3… seconds (supervisord's backoff), STARTRETRIES times, then left
FATAL for a person to look at (``make status``) while the others keep running.

    python scripts/supervise.py [--procfile Procfile] [--state var/supervisor] [--check]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPERVISORD = ROOT / ".venv-gateway" / "bin" / "supervisord"
PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
STARTSECS = 5
STARTRETRIES = 10
STOPWAITSECS = 20


def read_procfile(path: Path) -> dict[str, str]:
    processes = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PROCFILE_LINE.match(line.strip())
        if match and not line.lstrip().startswith("#"):
            processes[match.group(1)] = match.group(2)
    if not processes:
        raise SystemExit(f"{path}: no processes")
    return processes


def _escape(value: str) -> str:
    """supervisord expands %(name)s in its values: a literal % is written %%."""
    return value.replace("%", "%%")


def config(processes: dict[str, str], state: Path) -> str:
    logs = state / "log"
    sections = [
        "[supervisord]",
        "nodaemon=true",
        "logfile=/dev/stdout",
        "logfile_maxbytes=0",
        "loglevel=info",
        f"pidfile={state / 'supervisord.pid'}",
        f"childlogdir={logs}",
        "",
        "[unix_http_server]",
        f"file={state / 'supervisor.sock'}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{state / 'supervisor.sock'}",
    ]
    for name, command in processes.items():
        # bash expands the Procfile's $VARIABLES from the environment, then exec hands the
        # process id to the real program, so supervisord's signals reach it.
        # (`VAR=value program` is a Procfile idiom; exec needs `env` in front of it.)
        launcher = "exec env" if ASSIGNMENT.match(command) else "exec"
        wrapped = "/bin/bash -c " + shlex.quote(f"{launcher} {command}")
        sections += [
            "",
            f"[program:{name}]",
            f"command={_escape(wrapped)}",
            f"directory={ROOT}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={STARTSECS}",
            f"startretries={STARTRETRIES}",
            f"stopwaitsecs={STOPWAITSECS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={logs / (name + '.log')}",
            "stdout_logfile_maxbytes=10MB",
            "stdout_logfile_backups=3",
        ]
    return "\n".join(sections) + "\n"


def write_config(procfile: Path, state: Path) -> Path:
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    (state / "log").mkdir(exist_ok=True)
    path = state / "supervisord.conf"
    path.write_text(config(read_procfile(procfile), state), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procfile", type=Path, default=ROOT / "Procfile")
    parser.add_argument("--state", type=Path, default=ROOT / "var" / "supervisor")
    parser.add_argument("--check", action="store_true", help="write the config and print it")
    args = parser.parse_args(argv)
    path = write_config(args.procfile, args.state.resolve())
    if args.check:
        sys.stdout.write(path.read_text())
        return
    os.execv(str(SUPERVISORD), [str(SUPERVISORD), "--nodaemon", "-c", str(path)])  # noqa: S606


if __name__ == "__main__":
    main()
