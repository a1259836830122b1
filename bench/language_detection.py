"""Throughput and latency of our language-form detector vs raw langdetect, in one run.

    .venv-rasa/bin/python bench/language_detection.py [--passes N]

Uses the messages of data/eval/language.tsv. Prints the first-call (cold) cost of ours,
then messages per second, median and p99 per message for both, and the ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.language import detector
from bot.language.evaluate import langdetect_form, load_eval_set, time_detector


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=3, help="passes over the set for ours")
    parser.add_argument("--langdetect-passes", type=int, default=1)
    args = parser.parse_args()

    texts = [text for _, text in load_eval_set()]
    t0 = time.perf_counter()
    detector.detect("malai kaam chahiyo")  # loads lexicons, trains the n-gram model
    cold_ms = (time.perf_counter() - t0) * 1e3
    langdetect_form("warm up")

    ours = time_detector(texts, detector.detect, passes=args.passes)
    raw = time_detector(texts, langdetect_form, passes=args.langdetect_passes)

    print(f"{len(texts)} messages; ours {args.passes} passes, langdetect {args.langdetect_passes}")
    print(f"ours cold start (first call, loads data): {cold_ms:.1f} ms")
    print(f"{'':<12}{'msgs/s':>12}{'median ms':>12}{'p99 ms':>10}")
    for name, t in (("ours", ours), ("langdetect", raw)):
        print(f"{name:<12}{t.per_second:>12.0f}{t.median_ms:>12.3f}{t.p99_ms:>10.3f}")
    print(
        f"ratio ours/langdetect: throughput x{ours.per_second / raw.per_second:.1f}, "
        f"median latency x{ours.median_ms / raw.median_ms:.3f}, "
        f"p99 latency x{ours.p99_ms / raw.p99_ms:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
