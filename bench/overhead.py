"""What the gateway adds to Rasa: the same messages straight to Rasa's REST channel and as
signed Twilio SMS through the gateway, in one run, at 1 and 8 clients.

    .venv-gateway/bin/python bench/overhead.py [--per-client 24] [--rounds 3] [--postgresql]

Starts its own Rasa, action server and gateway (gunicorn, 2 processes x 8 threads, as
`make run`; SQLite unless --postgresql) on free ports. On a shared, noisy machine the two paths
must see the same noise: at 1 client each message goes both ways back to back (in alternating
order); at 8 clients the paths alternate in rounds. Prints p50/p95 latency and msg/s per path
and the ratios gateway/direct (targets: <= 1.15x latency at 1 client, >= 0.9x throughput at 8
clients).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import MESSAGES, TURNS_PER_CONVERSATION, Result, machine, merge, run_clients
from scripts.stack import Stack, StackShape, running_stack
from scripts.train import ensure_model
from webhooks.cli import TWILIO_MESSAGES_PATH, replies_from_twiml, signed_twilio_request

_sessions = threading.local()


def session() -> requests.Session:
    """One keep-alive connection per client thread, on both paths alike."""
    if not hasattr(_sessions, "session"):
        _sessions.session = requests.Session()
    return _sessions.session


def direct(stack: Stack, tag: str):
    def send(client: int, n: int, text: str) -> bool:
        conversation = f"bench-{tag}-{client}-{n // TURNS_PER_CONVERSATION}"
        response = session().post(
            f"{stack.rasa_urls[0]}/webhooks/rest/webhook",
            json={"sender": conversation, "message": text,
                  "metadata": {"channel": "sms", "language_hint": None,
                               "language_override": None}},
            timeout=60,
        )  # fmt: skip
        return response.status_code == 200 and bool(response.json())

    return send


def through_gateway(stack: Stack, tag: int):
    def send(client: int, n: int, text: str) -> bool:
        number = f"+97798{tag:03d}{client:02d}{n // TURNS_PER_CONVERSATION:03d}"
        params, signature = signed_twilio_request(
            stack.env["TWILIO_AUTH_TOKEN"], stack.env["PUBLIC_BASE_URL"], number, text, "+1500"
        )
        response = session().post(
            stack.gateway_urls[0] + TWILIO_MESSAGES_PATH,
            data=params, headers={"X-Twilio-Signature": signature}, timeout=60,
        )  # fmt: skip
        return response.status_code == 200 and bool(replies_from_twiml(response.text))

    return send


def paired(stack: Stack, count: int) -> tuple[Result, Result]:
    """One client: each message straight to Rasa and through the gateway, back to back."""
    to_rasa, to_gateway = direct(stack, "paired"), through_gateway(stack, 500)
    timings: dict[str, list[float]] = {"rasa": [], "gateway": []}
    errors = {"rasa": 0, "gateway": 0}
    for n in range(count):
        text = MESSAGES[n % len(MESSAGES)]
        order = [("rasa", to_rasa), ("gateway", to_gateway)]
        for name, send in order if n % 2 else reversed(order):
            started = time.perf_counter()
            errors[name] += 0 if send(0, n, text) else 1
            timings[name].append((time.perf_counter() - started) * 1e3)
    return tuple(  # type: ignore[return-value]
        Result(timings[name], sum(timings[name]) / 1e3, errors[name])
        for name in ("rasa", "gateway")
    )


def row(name: str, result: Result) -> str:
    return (
        f"  {name:<10}{result.p50:>9.1f}{result.p95:>9.1f}{result.per_second:>9.1f}"
        f"{len(result.latencies_ms):>7}{result.errors:>7}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-client", type=int, default=24, help="messages per client a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true", help="gateway database on PostgreSQL")
    args = parser.parse_args()

    model = ensure_model()
    print(f"machine: {machine()}")
    shape = StackShape(postgresql=args.postgresql, gateway_processes=2, gateway_threads=8)
    with (
        tempfile.TemporaryDirectory() as workdir,
        running_stack(Path(workdir), shape, model) as stack,
    ):
        run_clients(2, 6, direct(stack, "warm"))  # load lazily built parts on both paths
        run_clients(2, 6, through_gateway(stack, 999))
        tag = 0
        summary = {}
        summary[1] = paired(stack, args.per_client * args.rounds)
        for clients in (8,):
            rasa, gateway = [], []
            for _ in range(args.rounds):
                tag += 1
                rasa.append(run_clients(clients, args.per_client, direct(stack, str(tag))))
                gateway.append(run_clients(clients, args.per_client, through_gateway(stack, tag)))
            summary[clients] = (merge(rasa), merge(gateway))
        database = "PostgreSQL" if args.postgresql else "SQLite"
        print(f"database: {database}; 1 client: {args.per_client * args.rounds} messages each "
              f"way, paired; 8 clients: {args.rounds} alternating rounds of {args.per_client} "
              "messages per client")  # fmt: skip
        for clients, (rasa, gateway) in summary.items():
            print(f"{clients} client{'s' if clients > 1 else ''}:"
                  f"{'p50 ms':>14}{'p95 ms':>9}{'msg/s':>9}{'msgs':>7}{'errors':>7}")  # fmt: skip
            print(row("rasa", rasa))
            print(row("gateway", gateway))
            print(
                f"  ratio gateway/rasa: p50 {gateway.p50 / rasa.p50:.2f}x, "
                f"p95 {gateway.p95 / rasa.p95:.2f}x, "
                f"throughput {gateway.per_second / rasa.per_second:.2f}x"
            )
        one_rasa, one_gateway = summary[1]
        eight_rasa, eight_gateway = summary[8]
        print(
            f"targets: latency at 1 client {one_gateway.p50 / one_rasa.p50:.2f}x (<= 1.15), "
            f"throughput at 8 clients {eight_gateway.per_second / eight_rasa.per_second:.2f}x "
            "(>= 0.90)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
