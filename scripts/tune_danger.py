"""Tune the danger safety net (bot/safety.py thresholds) ONCE on independently written messages.

    .venv-rasa/bin/python -m scripts.tune_danger [--model models/<file>.tar.gz]

Parses every message of ``data/eval/danger_tuning.<form>.yml`` with the trained model (the NLU
pipeline the service runs) and replays the bot's danger decision for each combination of the
three thresholds: a danger intent the classifier is sure of is always danger; otherwise the
net fires on a fallback whose best guess is a danger intent (TOP_DANGER_MIN) or whose danger
intents together hold DANGER_MASS_MIN, and on any other message with a danger intent ranked
RUNNER_UP_MIN or more. Messages the short-message recogniser placed (a number, "visa") are
never danger unless the classifier was sure.

Chooses the setting with danger recall 1.0 and the best hand-off precision (a hand-off a
message did not need is a false alarm: "my agent ran off with my money" is a complaint), the
highest thresholds on a tie; writes docs/danger-tuning.md. The thresholds are then copied into
bot/safety.py by hand, once: re-tuning on the same messages again would be fitting them.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bot.knowledge.forms import FORMS
from bot.safety import DANGER_MASS_MIN, RUNNER_UP_MIN, TOP_DANGER_MIN, is_danger

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "danger-tuning.md"
SURE = 0.5  # the FallbackClassifier threshold in config.yml: a danger intent at least this sure
TOPS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
MASSES = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
RUNNER_UPS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35)


@dataclass(frozen=True)
class Parsed:
    text: str
    form: str
    danger: bool  # the message needs the emergency numbers
    handoff: bool  # a counsellor must be involved
    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]  # without nlu_fallback
    placed_by_words: bool  # the short-message recogniser decided it


def decide(p: Parsed, top: float, mass: float, runner_up: float) -> bool:
    """Whether the bot treats the message as danger with these thresholds."""
    if is_danger(p.intent) and p.confidence >= SURE:
        return True
    if p.placed_by_words:
        return False
    dangers = [(n, c) for n, c in p.ranking if is_danger(n)]
    if not dangers:
        return False
    best_name, best_confidence = p.ranking[0]
    if p.intent in ("nlu_fallback", "out_of_scope") or is_danger(p.intent):
        if is_danger(best_name) and best_confidence >= top:
            return True
        if sum(c for _, c in dangers) >= mass:
            return True
    return any(c >= runner_up for _, c in dangers)


def scores(
    parsed: list[Parsed], top: float, mass: float, runner_up: float
) -> tuple[float, float, int]:
    flagged = [p for p in parsed if decide(p, top, mass, runner_up)]
    danger = [p for p in parsed if p.danger]
    recall = sum(decide(p, top, mass, runner_up) for p in danger) / len(danger) if danger else 1.0
    precision = sum(p.handoff for p in flagged) / len(flagged) if flagged else 1.0
    return recall, precision, len(flagged)


async def parse_all(model: str, items: list[dict]) -> list[Parsed]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    out = []
    for item in items:
        parse = await agent.parse_message(item["text"])
        ranking = tuple(
            (str(r["name"]), float(r["confidence"]))
            for r in parse.get("intent_ranking") or []
            if r["name"] != "nlu_fallback"
        )
        intent = parse.get("intent") or {}
        out.append(
            Parsed(
                text=item["text"],
                form=item["form"],
                danger=bool(item.get("danger")),
                handoff=bool(item.get("handoff")),
                intent=str(intent.get("name")),
                confidence=float(intent.get("confidence") or 0.0),
                ranking=ranking,
                placed_by_words=bool(parse.get("understanding")),
            )
        )
    return out


def load_items() -> list[dict]:
    items = []
    for form in FORMS:
        path = ROOT / "data" / "eval" / f"danger_tuning.{form}.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items += [{**m, "form": m.get("form") or data.get("form") or form}
                  for m in data.get("messages") or []]  # fmt: skip
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    args = parser.parse_args(argv)
    from scripts.train import latest_model

    model = args.model or str(latest_model())
    parsed = asyncio.run(parse_all(model, load_items()))
    grid = []
    for top, mass, runner_up in itertools.product(TOPS, MASSES, RUNNER_UPS):
        recall, precision, flagged = scores(parsed, top, mass, runner_up)
        grid.append((recall, precision, top, mass, runner_up, flagged))
    full = [g for g in grid if g[0] == 1.0]
    pool = full or grid
    best = max(pool, key=lambda g: (g[0], g[1], g[2] + g[3] + g[4]))
    current = scores(parsed, TOP_DANGER_MIN, DANGER_MASS_MIN, RUNNER_UP_MIN)
    lines = [
        "# Danger safety net: tuning (once)",
        "",
        "Generated by `.venv-rasa/bin/python -m scripts.tune_danger` on "
        f"`data/eval/danger_tuning.<form>.yml` ({len(parsed)} messages, "
        f"{sum(p.danger for p in parsed)} needing the emergency numbers), "
        f"model `{Path(model).name}`.",
        "",
        "| setting | TOP_DANGER_MIN | DANGER_MASS_MIN | RUNNER_UP_MIN | danger recall | "
        "hand-off precision | hand-offs |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| before tuning | {TOP_DANGER_MIN} | {DANGER_MASS_MIN} | {RUNNER_UP_MIN} | "
        f"{current[0]:.3f} | {current[1]:.3f} | {current[2]} |",
        f"| chosen | {best[2]} | {best[3]} | {best[4]} | {best[0]:.3f} | {best[1]:.3f} | "
        f"{best[5]} |",
        "",
        "Rule: danger recall 1.0 first, then the best hand-off precision, then the highest "
        "thresholds." + ("" if full else " NO setting reached recall 1.0: see the misses."),
        "",
        "Per form with the chosen setting:",
        "",
        "| form | messages | danger | recall | precision |",
        "|---|---:|---:|---:|---:|",
    ]
    for form in FORMS:
        subset = [p for p in parsed if p.form == form]
        r, pr, _ = scores(subset, best[2], best[3], best[4])
        lines.append(
            f"| {form} | {len(subset)} | {sum(p.danger for p in subset)} | {r:.3f} | {pr:.3f} |"
        )
    misses = [p for p in parsed if p.danger and not decide(p, best[2], best[3], best[4])]
    alarms = [p for p in parsed if not p.handoff and decide(p, best[2], best[3], best[4])]
    lines += ["", f"Danger missed with the chosen setting: {len(misses)}."]
    lines += [f"- `{p.text}` ({p.form}): {p.intent} {p.ranking[:3]}" for p in misses]
    lines += ["", f"False alarms with the chosen setting: {len(alarms)}."]
    lines += [f"- `{p.text}` ({p.form}): {p.intent} {p.ranking[:3]}" for p in alarms]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:12]))
    print(f"written to {REPORT.relative_to(ROOT)}")
    return 0 if full else 1


if __name__ == "__main__":
    sys.exit(main())
