"""`make run-scaled`: two Rasa instances, two gateways and two workers on one machine, over a
local PostgreSQL (gateway database and Rasa tracker store) and Redis (Rasa lock store).

PostgreSQL and Redis are private servers started here (data kept in var/scaled/, free
loopback ports), so nothing needs installing beyond Debian's postgresql and redis-server
packages and nothing collides with a system PostgreSQL. The processes run under supervisord
(scripts/supervise.py) with Procfile.scaled; Ctrl-C stops them, then the servers. Gateway 1
listens on PORT, gateway 2 on PORT + 1 (a load balancer spreads requests over both in a
deployment); Rasa on RASA_PORT and RASA_PORT + 1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dotenv import dotenv_values

from scripts.local_servers import running_postgres, running_redis

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / "var" / "scaled"
FLASK = [str(ROOT / ".venv-gateway" / "bin" / "flask"), "--app", "webhooks:create_app()"]


def scaled_env(postgres_url: str, tracker_url: str, redis_host: str, redis_port: int) -> dict:
    # .env as `make run` uses it; variables set in the environment win (as with load_dotenv)
    env = {**{k: v for k, v in dotenv_values(ROOT / ".env").items() if v}, **os.environ}
    port, rasa_port = int(env.get("PORT", "8000")), int(env.get("RASA_PORT", "5005"))
    rasa_host = env.get("RASA_HOST", "127.0.0.1")
    env.update(
        GATEWAY_1_PORT=str(port), GATEWAY_2_PORT=str(port + 1),
        RASA_1_PORT=str(rasa_port), RASA_2_PORT=str(rasa_port + 1),
        RASA_URL=f"http://{rasa_host}:{rasa_port},http://{rasa_host}:{rasa_port + 1}",
        DATABASE_URL=postgres_url, RASA_TRACKER_URL=tracker_url,
        REDIS_HOST=redis_host, REDIS_PORT=str(redis_port),
    )  # fmt: skip
    return env


def main() -> int:
    import psycopg

    with running_postgres(STATE / "postgres", fast_unsafe=False, keep=True) as postgres, \
            running_redis(STATE / "redis") as redis:  # fmt: skip
        with psycopg.connect(postgres.admin_url(), autocommit=True) as connection:
            existing = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
            for name in ("gateway", "tracker"):
                if name not in existing:
                    connection.execute(f"CREATE DATABASE {name}")
        env = scaled_env(
            postgres.url("gateway"), postgres.url("tracker", driver="postgresql"),
            redis.host, redis.port,
        )  # fmt: skip
        for command in (["db", "upgrade"], ["referrals", "seed"], ["users", "bootstrap"]):
            subprocess.run(FLASK + command, cwd=ROOT, env=env, check=True)
        print(
            f"\nSahayatri (scaled) is starting: gateways on :{env['GATEWAY_1_PORT']} and "
            f":{env['GATEWAY_2_PORT']}, Rasa on :{env['RASA_1_PORT']} and :{env['RASA_2_PORT']},"
            f" PostgreSQL on :{postgres.port}, Redis on :{redis.port} (data in {STATE}).\n"
            f"  health: http://{env.get('HOST', '127.0.0.1')}:{env['GATEWAY_1_PORT']}/readyz\n",
            flush=True,
        )
        # supervisord, as for `make run`: a crashed process is restarted, the others go on.
        supervisor = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "supervise.py"), "--procfile",
             "Procfile.scaled", "--state", str(STATE / "supervisor")],
            cwd=ROOT, env=env,
        )  # fmt: skip
        while True:  # Ctrl-C reaches supervisord too: wait while it stops its processes
            try:
                return supervisor.wait()
            except KeyboardInterrupt:
                continue


if __name__ == "__main__":
    sys.exit(main())
