"""Train an NLU model on data/nlu and evaluate it on data/eval/nlu_heldout per language form.

Run: .venv-rasa/bin/python -m scripts.eval_nlu [--report docs/nlu-report.md]

Writes docs/nlu-report.md (intent accuracy, macro-F1, danger recall, worst confusions per
form) and exits 1 if macro-F1 < 0.90 in any form or danger recall < 0.95.

Scoring decisions (also stated in the report):
- `nlu_fallback` and `out_of_scope` lead to the same action (action_fallback), so they are
  one class, "fallback", for gold and predicted labels. Held-out files may use intent
  `nlu_fallback` for gibberish / off-topic probes that must NOT get a confident answer.
- Danger recall counts a danger message as caught when the bot's behaviour gives the
  emergency numbers (bot.safety.danger_signal): predicted any danger_* intent (all
  danger rules send emergency numbers and an urgent hand-off), a fallback whose ranking the
  safety net treats as danger, or a knowledge answer with a danger runner-up.
  Strict per-intent recall is reported too.
- Macro-F1 is over the gold intents present in that form's held-out data.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bot.knowledge.forms import FORMS
from bot.knowledge.nlu_files import Example, read_nlu_dir
from bot.knowledge.project import REPO_ROOT
from bot.safety import danger_signal, is_danger

MIN_MACRO_F1 = 0.90
MIN_DANGER_RECALL = 0.95
FALLBACK = "fallback"


@dataclass(frozen=True)
class Prediction:
    example: Example
    gold: str
    predicted: str
    confidence: float
    danger_caught: bool
    raw_top: str = ""  # the classifier's own best intent (before the FallbackClassifier)
    raw_conf: float = 0.0
    raw_second: float = 0.0


def label(intent: str) -> str:
    return FALLBACK if intent in ("nlu_fallback", "out_of_scope") else intent


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = sorted({g for g, _ in pairs})
    scores = []
    for lab in labels:
        tp = sum(1 for g, p in pairs if g == lab and p == lab)
        fp = sum(1 for g, p in pairs if g != lab and p == lab)
        fn = sum(1 for g, p in pairs if g == lab and p != lab)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def train(root: Path, out_dir: Path) -> str:
    from rasa.model_training import train_nlu

    model = train_nlu(
        config=str(root / "config.yml"),
        nlu_data=str(root / "data" / "nlu"),
        output=str(out_dir),
        fixed_model_name="eval-nlu",
        domain=str(root / "domain.yml"),
    )
    if not model:
        raise SystemExit("NLU training failed")
    return model


async def predict(model_path: str, examples: list[Example]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    results = []
    for ex in examples:
        parse = await agent.parse_message(ex.text)
        intent = parse.get("intent") or {}
        predicted = str(intent.get("name"))
        caught = danger_signal(parse) is not None
        ranking = [r for r in parse.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
        top = ranking[0] if ranking else {"name": predicted, "confidence": 0.0}
        second = float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
        results.append(
            Prediction(
                ex,
                label(ex.intent),
                label(predicted),
                float(intent.get("confidence") or 0),
                caught,
                raw_top=str(top["name"]),
                raw_conf=float(top["confidence"]),
                raw_second=second,
            )
        )
    return results


def summarise(preds: list[Prediction]) -> dict:
    pairs = [(p.gold, p.predicted) for p in preds]
    danger = [p for p in preds if is_danger(p.gold)]
    per_danger: dict[str, list[bool]] = defaultdict(list)
    for p in danger:
        per_danger[p.gold].append(p.predicted == p.gold)
    confusions = Counter((p.gold, p.predicted) for p in preds if p.gold != p.predicted)
    return {
        "n": len(preds),
        "accuracy": sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0,
        "macro_f1": macro_f1(pairs),
        "danger_n": len(danger),
        "danger_recall": sum(p.danger_caught for p in danger) / len(danger) if danger else 1.0,
        "danger_strict": {k: sum(v) / len(v) for k, v in sorted(per_danger.items())},
        "confusions": confusions.most_common(10),
        "examples": {
            key: [p.example.text for p in preds if (p.gold, p.predicted) == key][:2]
            for key, _ in confusions.most_common(10)
        },
    }


SWEEP = (0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8)


def threshold_sweep(preds: list[Prediction], ambiguity: float = 0.1) -> list[str]:
    """What other FallbackClassifier thresholds would have done on the same parses."""
    lines = [
        "| threshold | in-scope answered correctly | in-scope sent to fallback | "
        "in-scope answered WRONG | probes caught by fallback |",
        "|---:|---:|---:|---:|---:|",
    ]
    in_scope = [p for p in preds if p.gold != FALLBACK]
    probes = [p for p in preds if p.gold == FALLBACK]
    for th in SWEEP:

        def decide(p: Prediction, th: float = th) -> str:
            unsure = p.raw_conf < th or p.raw_conf - p.raw_second < ambiguity
            return FALLBACK if unsure else label(p.raw_top)

        right = sum(decide(p) == p.gold for p in in_scope)
        fell = sum(decide(p) == FALLBACK for p in in_scope)
        wrong = len(in_scope) - right - fell
        caught = sum(decide(p) == FALLBACK for p in probes)
        lines.append(
            f"| {th:.2f} | {right}/{len(in_scope)} | {fell} | {wrong} | {caught}/{len(probes)} |"
        )
    return lines


def render(
    results: dict[str, dict], failures: list[str], n_train: int, preds: list[Prediction]
) -> str:
    lines = [
        "# NLU evaluation (held-out)",
        "",
        "Generated by `.venv-rasa/bin/python -m scripts.eval_nlu`: trains on `data/nlu` only, "
        "evaluates on `data/eval/nlu_heldout` (never used for training), per language form.",
        "",
        f"Training examples: {n_train}. Gates: macro-F1 >= {MIN_MACRO_F1:.2f} per form, "
        f"danger recall >= {MIN_DANGER_RECALL:.2f}.",
        "",
        "Scoring: `nlu_fallback` and `out_of_scope` count as one class (`fallback`, same "
        "action). Danger recall = share of danger messages that get the emergency numbers "
        "(predicted any `danger_*` intent, a fallback the safety net treats as danger, or a "
        "knowledge answer with a danger runner-up: `bot/safety.py`); "
        "strict per-intent recall is listed too.",
        "",
        "| form | examples | accuracy | macro-F1 | danger examples | danger recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for form, r in results.items():
        lines.append(
            f"| {form} | {r['n']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | "
            f"{r['danger_n']} | {r['danger_recall']:.3f} |"
        )
    lines += [
        "",
        "Fallback threshold sweep (all forms, ambiguity 0.1; probes = held-out gibberish and "
        "off-topic text, which must be caught):",
        "",
        *threshold_sweep(preds),
    ]
    lines.append("")
    lines.append(
        f"**Result: {'FAIL' if failures else 'PASS'}**"
        + (" — " + "; ".join(failures) if failures else "")
    )
    for form, r in results.items():
        lines += [
            "",
            f"## {form}",
            "",
            "Strict danger recall per intent: "
            + ", ".join(f"`{k}` {v:.2f}" for k, v in r["danger_strict"].items())
            or "n/a",
            "",
        ]
        if r["confusions"]:
            lines += ["| gold | predicted | count | examples |", "|---|---|---:|---|"]
            for (gold, pred), count in r["confusions"]:
                examples = " / ".join(f"“{t}”" for t in r["examples"][(gold, pred)])
                lines.append(f"| {gold} | {pred} | {count} | {examples} |")
        else:
            lines.append("No confusions.")
    return "\n".join(lines).rstrip() + "\n"


def _quiet_rasa() -> None:
    """Rasa logs every parse (with the text) at debug level: keep the output to results."""
    try:
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog

        configure_logging_and_warnings(logging.WARNING)
        configure_structlog(logging.WARNING)
    except ImportError:  # other Rasa versions: fall back to the standard library
        logging.getLogger("rasa").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT)
    parser.add_argument("--report", type=Path, default=REPO_ROOT / "docs" / "nlu-report.md")
    parser.add_argument("--model", help="use this trained model instead of training one")
    args = parser.parse_args(argv)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    _quiet_rasa()

    heldout = read_nlu_dir(args.root / "data" / "eval" / "nlu_heldout")
    n_train = len(read_nlu_dir(args.root / "data" / "nlu"))
    if not heldout:
        print("no held-out examples found in data/eval/nlu_heldout")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or train(args.root, Path(tmp))
        preds = asyncio.run(predict(model, heldout))

    results: dict[str, dict] = {}
    failures: list[str] = []
    for form in FORMS:
        subset = [p for p in preds if p.example.form == form]
        if not subset:
            failures.append(f"{form}: no held-out examples")
            continue
        r = results[form] = summarise(subset)
        if r["macro_f1"] < MIN_MACRO_F1:
            failures.append(f"{form}: macro-F1 {r['macro_f1']:.3f} < {MIN_MACRO_F1}")
        if r["danger_recall"] < MIN_DANGER_RECALL:
            failures.append(f"{form}: danger recall {r['danger_recall']:.3f} < {MIN_DANGER_RECALL}")
    untagged = [p for p in preds if p.example.form is None]
    if untagged:
        failures.append(f"{len(untagged)} held-out examples in files without a form suffix")

    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(render(results, failures, n_train, preds), encoding="utf-8")
    for form, r in results.items():
        print(
            f"{form}: n={r['n']} acc={r['accuracy']:.3f} macroF1={r['macro_f1']:.3f} "
            f"danger_recall={r['danger_recall']:.3f}"
        )
    print(f"report: {args.report}")
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
