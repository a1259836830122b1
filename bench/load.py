"""Shared load-generation helpers for bench/overhead.py and bench/scale.py."""

from __future__ import annotations

import itertools
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

# Everyday questions in the three forms, none of them danger phrases (a hand-off would take a
# conversation away from the bot) and none taken from the training data.
MESSAGES = (
    "hello",
    "how do i get a labour permit",
    "how much fee can a manpower agency take for malaysia",
    "is pre departure orientation compulsory",
    "namaste",
    "shram swikriti kasari line",
    "manpower ko fee kati tirne",
    "नमस्ते",
    "श्रम स्वीकृति कसरी लिने",
    "विदेशमा काम गर्दा बीमा चाहिन्छ",
    "thank you",
    "what are my rights in qatar",
)
# A client starts a new conversation after this many messages, on both paths alike, so that
# the tracker each turn loads stays the same size for the whole run.
TURNS_PER_CONVERSATION = 4


@dataclass(frozen=True)
class Result:
    latencies_ms: list[float]
    seconds: float
    errors: int

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)


def run_clients(clients: int, per_client: int, send: Callable[[int, int, str], bool]) -> Result:
    """``clients`` threads each send ``per_client`` messages one after another.

    ``send(client, n, text)`` returns whether the reply was good; latency is measured around it.
    """
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client_loop(client: int) -> None:
        nonlocal errors
        texts = itertools.islice(itertools.cycle(MESSAGES), client, None)
        barrier.wait()
        for n, text in zip(range(per_client), texts, strict=False):
            started = time.perf_counter()
            ok = send(client, n, text)
            elapsed = (time.perf_counter() - started) * 1e3
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client_loop, range(clients)))
    return Result(latencies, time.perf_counter() - started, errors)


def merge(results: list[Result]) -> Result:
    return Result(
        [ms for result in results for ms in result.latencies_ms],
        sum(result.seconds for result in results),
        sum(result.errors for result in results),
    )


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average {load}"
    )
