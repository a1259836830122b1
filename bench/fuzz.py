"""Fuzz every public endpoint of the gateway with Hypothesis and print the status counts.

    .venv-gateway/bin/python bench/fuzz.py                # 10,000 requests per endpoint
    .venv-gateway/bin/python bench/fuzz.py --requests 500 --only widget

Malformed encodings, huge and empty bodies, odd Unicode, wrong types; Twilio and Android
webhooks signed and unsigned (tests/fuzz/targets.py). Exits 1 if any response was >= 500.
The gateway runs in-process on a SQLite file in /dev/shm with a fake bot; ``make test`` runs
a bounded version of the same (tests/fuzz/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher
from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz.targets import build_app, fire, targets
from webhooks.console import auth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="per endpoint")
    parser.add_argument("--only", default="", help="endpoints whose name contains this")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # odd input is logged by design; counts are the output
    auth.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    auth._DUMMY_HASH = auth.hasher.hash("dummy")
    app, client, ctx = build_app()
    server_errors = 0
    print(f"{'endpoint':30} {'requests':>8} {'>=500':>6}  {'seconds':>7}  statuses")
    with app.app_context():
        for name, strategy in targets(ctx).items():
            if args.only not in name:
                continue
            counts: Counter[int] = Counter()

            @settings(max_examples=args.requests, deadline=None, database=None,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(strategy)
            def run(call):  # type: ignore[no-untyped-def]
                counts[fire(client, call)] += 1  # noqa: B023  (run before the loop moves on)

            started = time.monotonic()
            run()
            elapsed = time.monotonic() - started
            errors = sum(n for status, n in counts.items() if status >= 500)
            server_errors += errors
            statuses = " ".join(f"{s}:{n}" for s, n in sorted(counts.items()))
            print(f"{name:30} {sum(counts.values()):>8} {errors:>6}  {elapsed:>7.1f}  {statuses}",
                  flush=True)  # fmt: skip
    print(f"responses >= 500: {server_errors}")
    return 1 if server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
