"""Private PostgreSQL and Redis servers on free loopback ports, for tests, benches and
`make run-scaled`.

Each server lives in its own directory (data, unix socket, log), so parallel runs by other
people on the same machine never collide, and is stopped by the context manager. Debian's
packages are used as installed (`postgresql`, `redis-server`; `.ci/run` installs them). initdb
refuses to run as root, so under root (CI) PostgreSQL runs as the unprivileged ``postgres``
user that Debian's package creates. pytest-postgresql was considered: it cannot run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SERVERS_MISSING_HINT = "apt-get install postgresql redis-server (or run bash .ci/run)"
# Test and bench servers trade durability for speed; run-scaled keeps PostgreSQL's defaults.
FAST_UNSAFE_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class ServerUnavailable(RuntimeError):
    """The server's binaries are not installed, or it did not start."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin_dir() -> Path:
    """Debian keeps the server binaries outside PATH, in /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise ServerUnavailable(f"PostgreSQL server binaries not found: {SERVERS_MISSING_HINT}")
    return Path(candidates[-1]).parent


def _unprivileged_user() -> str | None:
    """None when we are not root; else the user PostgreSQL runs as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ServerUnavailable("running as root and no 'postgres' user exists to run PostgreSQL")


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    socket_dir: Path

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def admin_url(self) -> str:
        """A libpq connection string for the maintenance database (psycopg.connect)."""
        return (
            f"host={self.host} port={self.port} user={self.user} password={self.password} "
            "dbname=postgres"
        )


def _run_as(user: str | None, command: list[str], **kwargs) -> subprocess.CompletedProcess:
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


@contextmanager
def running_postgres(
    directory: Path | None = None, *, fast_unsafe: bool = True, keep: bool = False
) -> Iterator[PostgresServer]:
    """Start PostgreSQL (initdb on first use of ``directory``), yield it, stop it.

    Without ``directory`` the cluster lives in a fresh temporary directory removed afterwards.
    A kept directory (``keep``) is reused by the next start with the same password.
    """
    bin_dir = postgres_bin_dir()
    run_as = _unprivileged_user()
    owned_temp = directory is None
    base = Path(tempfile.mkdtemp(prefix="sahayatri-pg-")) if owned_temp else Path(directory)
    base.mkdir(parents=True, exist_ok=True)
    data, socket_dir, log = base / "data", base / "socket", base / "postgres.log"
    password_file = base / "password"
    socket_dir.mkdir(exist_ok=True)
    if not password_file.exists():
        password_file.write_text(secrets.token_hex(16))
    password_file.chmod(0o600)
    password = password_file.read_text().strip()
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        for path in (base, socket_dir, password_file, *base.rglob("*")):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        base.chmod(0o700)
    user = "sahayatri"
    if not (data / "PG_VERSION").exists():
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-E", "UTF8",
                  "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256",
                  f"--pwfile={password_file}", "--no-sync", "--no-instructions"]  # fmt: skip
        _run_as(run_as, initdb)
    settings = ["listen_addresses=127.0.0.1", f"unix_socket_directories={socket_dir}"]
    if fast_unsafe:
        settings += FAST_UNSAFE_SETTINGS
    port = None
    for _ in range(3):  # a free port can be taken between probing and binding
        port = free_port()
        options = " ".join([f"-p {port}", *(f"-c {setting}" for setting in settings)])
        started = subprocess.run(
            (["runuser", "-u", run_as, "--"] if run_as else [])
            + [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
               "-w", "-t", "60", "start"],
            capture_output=True, text=True,
        )  # fmt: skip
        if started.returncode == 0:
            break
    else:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise ServerUnavailable(f"PostgreSQL did not start:\n{tail}")
    try:
        yield PostgresServer("127.0.0.1", port, user, password, socket_dir)
    finally:
        mode = "fast" if keep else "immediate"
        subprocess.run(
            (["runuser", "-u", run_as, "--"] if run_as else [])
            + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"],
            capture_output=True,
        )  # fmt: skip
        if owned_temp and not keep:
            shutil.rmtree(base, ignore_errors=True)


@dataclass(frozen=True)
class RedisServer:
    host: str
    port: int


@contextmanager
def running_redis(directory: Path | None = None) -> Iterator[RedisServer]:
    """Start a memory-only redis-server on a free loopback port, yield it, stop it."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(binary):
        raise ServerUnavailable(f"redis-server not found: {SERVERS_MISSING_HINT}")
    owned_temp = directory is None
    base = Path(tempfile.mkdtemp(prefix="sahayatri-redis-")) if owned_temp else Path(directory)
    base.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        port = free_port()
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(base), "--logfile", str(base / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if _wait_for_port(port, process):
            break
        process.kill()
        process.wait()
    else:
        raise ServerUnavailable("redis-server did not start")
    try:
        yield RedisServer("127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if owned_temp:
            shutil.rmtree(base, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False
