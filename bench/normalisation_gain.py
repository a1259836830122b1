"""What romanized-Nepali spelling folding gains, on messages the model was not trained on.

    .venv-rasa/bin/python bench/normalisation_gain.py        # trains two NLU models (~2 x 10 min)

Trains the NLU pipeline of config.yml twice on data/nlu, once as configured (FoldingTokenizer
folds each Latin token's spelling into its lemma, bot/understanding/normalise.py) and once with
``fold_spelling: false`` (plain tokens, as before), and compares on:
1. the held-out NLU set (data/eval/nlu_heldout, never trained on), per form;
2. the same held-out messages respelt the way people text (chh/ch/x, aa/a, ee/i, oo/u,
   w/v/b, doubled letters; a fixed random seed): unseen spellings of seen words;
3. the dev dialogue messages (data/eval/dialogue/dev.*.yml), written independently: the
   classifier's best topic is one of the expected ones.
Prints intent accuracy and fallback rate per set and form, and the difference.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import sys
import tempfile
from pathlib import Path

import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.knowledge.content import load_content
from bot.knowledge.forms import FORMS, NE_LATN
from bot.knowledge.nlu_files import read_nlu_dir

ROOT = Path(__file__).resolve().parents[1]
FALLBACK = ("nlu_fallback", "out_of_scope")
RESPELL = (
    (r"chh", ("ch", "x")),
    (r"(?<!c)ch(?!h)", ("chh",)),
    (r"aa", ("a",)),
    (r"(?<![aeiou])a(?![aeiou])", ("aa",)),
    (r"(?<![aeiou])i(?![aeiou])", ("ee",)),
    (r"(?<![aeiou])u(?![aeiou])", ("oo",)),
    (r"\bb", ("v", "w")),
    (r"sh", ("s",)),
    (r"ss", ("s",)),
)


def respell(text: str, rng: random.Random) -> str:
    """A spelling people use for the same words (one or two changes per word)."""
    words = []
    for word in text.split():
        if not re.fullmatch(r"[a-zA-Z]+", word) or len(word) < 4:
            words.append(word)
            continue
        for _ in range(2):
            options = [(m.span(), new) for rx, news in RESPELL for m in re.finditer(rx, word)
                       for new in news]  # fmt: skip
            if not options:
                break
            (start, end), new = rng.choice(options)
            word = word[:start] + new + word[end:]
        words.append(word)
    return " ".join(words)


def config_variant(fold: bool, folder: Path) -> Path:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"].endswith("FoldingTokenizer"):
            component["fold_spelling"] = fold
    path = folder / f"config-{'fold' if fold else 'plain'}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def train(config: Path, out: Path, name: str) -> str:
    from rasa.model_training import train_nlu

    model = train_nlu(config=str(config), nlu_data=str(ROOT / "data" / "nlu"), output=str(out),
                      fixed_model_name=name, domain=str(ROOT / "domain.yml"))  # fmt: skip
    if not model:
        raise SystemExit("training failed")
    return model


def dev_dialogue() -> list[tuple[str, str, set[str]]]:
    """(form, text, acceptable intents) of the dev dialogue files, topic expectations only."""
    intent_of = {t.id: t.intent for t in load_content(ROOT / "data" / "content").topics}
    cases = []
    for path in sorted((ROOT / "data" / "eval" / "dialogue").glob("dev.*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("messages") or []:
            intents = {intent_of[e] for e in item.get("expect") or [] if e in intent_of}
            if intents:
                cases.append((item.get("form") or data["form"], item["text"], intents))
    return cases


async def predict(model: str, texts: list[str]) -> list[tuple[str, str]]:
    """(final intent, the classifier's own best intent) per text."""
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    out = []
    for text in texts:
        parse = await agent.parse_message(text)
        ranking = [
            r["name"] for r in parse.get("intent_ranking") or [] if r["name"] != "nlu_fallback"
        ]
        out.append((parse["intent"]["name"], ranking[0] if ranking else "nlu_fallback"))
    return out


def main() -> int:
    rng = random.Random(20261128)
    heldout = read_nlu_dir(ROOT / "data" / "eval" / "nlu_heldout")
    sets: dict[str, list[tuple[str, str, set[str]]]] = {
        "held-out": [(e.form or "", e.text, {e.intent}) for e in heldout],
        "held-out respelt": [
            (e.form or "", respell(e.text, rng), {e.intent}) for e in heldout if e.form == NE_LATN
        ],
        "dev dialogue": dev_dialogue(),
    }
    results: dict[str, dict[str, list[tuple[str, str]]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for variant, fold in (("folded", True), ("plain", False)):
            model = train(config_variant(fold, Path(folder)), Path(folder), variant)
            results[variant] = {
                name: asyncio.run(predict(model, [text for _, text, _ in cases]))
                for name, cases in sets.items()
            }
    print(f"{'set':<18}{'form':<9}{'n':>5}  {'accuracy plain -> folded':>26}  "
          f"{'fallback plain -> folded':>26}")  # fmt: skip
    for name, cases in sets.items():
        for form in (*FORMS, "all"):
            rows = [i for i, (f, _, _) in enumerate(cases) if form in ("all", f)]
            if not rows:
                continue
            line = f"{name:<18}{form:<9}{len(rows):>5}"
            for measure in ("accuracy", "fallback"):
                values = []
                for variant in ("plain", "folded"):
                    preds = results[variant][name]
                    if measure == "accuracy":
                        hit = sum(preds[i][0] in cases[i][2] for i in rows)
                    else:
                        gold_fallback = [i for i in rows if cases[i][2] & set(FALLBACK)]
                        hit = sum(preds[i][0] in FALLBACK for i in rows if i not in gold_fallback)
                    values.append(hit / len(rows))
                line += f"  {values[0]:>10.1%} -> {values[1]:>6.1%} ({values[1] - values[0]:+.1%})"
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
