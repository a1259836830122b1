"""Validate answer content, domain responses and NLU data; exit 1 with clear messages.

Run: .venv-rasa/bin/python -m scripts.content_check

Checks
- every content topic: three language forms, >= 1 source, last_reviewed date, confidence
  high|medium (bot.knowledge.content); SMS texts (and country variants) fit 3 segments;
  `en` and `ne-Latn` SMS texts are GSM-7;
- every topic's intent is in domain.yml and has a rule `intent -> action_answer`; every
  `ask_*` intent in the domain has a topic;
- every domain response has an unconditional variation plus ne and ne-Latn variations,
  each fitting 3 SMS segments (en / ne-Latn in GSM-7);
- NLU file convention (data/content/README.md): files with examples name their form
  (`<name>.<form>.yml`); every domain intent has >= 20 training examples per form;
  no example under two intents; no held-out example repeats a training example;
- independent evaluation sets (data/eval/**, files with `messages:`; see data/eval/README.md):
  no evaluation message is also a training example under data/nlu/;
- phone numbers in answers, responses and action messages only from the allow-list;
- form parity (scripts/parity.py): every number, amount, phone number, web address and
  named organisation in one form of an answer is in the other two, unless the topic's
  `parity_exceptions` says why not; Devanagari texts use one digit style and mark AD
  years "सन्"; no zero-width (joiner) characters in any text;
- every source of every topic has a short reader-facing name in three forms
  (data/content/reference/source_names.yml, shown on the web instead of raw citations).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from bot.knowledge.content import Content, load_content
from bot.knowledge.forms import EN, FORMS, NE_LATN
from bot.knowledge.nlu_files import form_of_path, normalise_example, read_nlu_dir, read_nlu_file
from bot.knowledge.project import (
    BUILTIN_INTENTS,
    REPO_ROOT,
    is_knowledge_intent,
    load_domain,
    rule_steps,
)
from bot.knowledge.source_names import missing_source_names
from bot.sms_segments import count_segments, fits
from scripts import parity

SOURCE_NAMES = Path("data/content/reference/source_names.yml")
MAX_SEGMENTS = 3
MIN_EXAMPLES = 20
# Helplines of confidence high or medium in /work/shared/data/facts.yml (helplines:).
# 104 (missing children) and 1166 (suicide prevention): see reference/facts_added.yml; 1166 is
# also in utter_emergency_self_harm (sources in domain.yml's header).
ALLOWED_NUMBERS = frozenset(
    {"100", "101", "102", "104", "1145", "1098", "1111", "1166", "1177", "1144", "015010015"}
)
ZERO_WIDTH = {"\u200b": "zero-width space", "\u200c": "zero-width non-joiner",
              "\u200d": "zero-width joiner", "\ufeff": "byte-order mark"}  # fmt: skip
GSM7_FORMS = (EN, NE_LATN)

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_AMOUNT = re.compile(r"(?:NPR|Rs\.?|रु\.?|रू\.?)\s*[\d,]+|\d{1,3}(?:,\d{2,3})+\+?", re.IGNORECASE)
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|(?<!\d)(?:19|20)\d{2}(?!\d)")
_COUNTRY_CODE = re.compile(r"\+977[\s-]*")
_NUMBER = re.compile(r"(?<![\d/.])\+?\d[\d-]*\d(?![\d/])")


def phone_numbers(text: str) -> list[str]:
    """Digit runs of 3+ digits that could be phone numbers (amounts and years removed)."""
    text = text.translate(_DEVANAGARI_DIGITS)
    text = _COUNTRY_CODE.sub("", text)
    text = _AMOUNT.sub(" ", text)
    text = _DATE.sub(" ", text)
    found = []
    for match in _NUMBER.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) >= 3:
            found.append(digits)
    return found


class Report:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def error(self, message: str) -> None:
        self.errors.append(message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)


def check_text(report: Report, where: str, form: str, text: str, sms: bool) -> None:
    for number in phone_numbers(text):
        if number not in ALLOWED_NUMBERS:
            report.error(f"{where}: phone number {number} is not an allowed helpline")
    # "र्\u200dय" (eyelash ra, as in पुर्‍याउँछ) is the one standard use of a joiner in Nepali.
    for char, name in ZERO_WIDTH.items():
        if char in text.replace("\u0930\u094d\u200d", ""):
            report.error(f"{where}: contains a {name} (U+{ord(char):04X}); remove it")
    for problem in parity.style_problems(text, form):
        report.error(f"{where}: {problem}")
    if not sms:
        return
    cost = count_segments(text)
    if not fits(text, MAX_SEGMENTS):
        report.error(
            f"{where}: SMS text needs {cost.segments} segments ({cost.encoding}, "
            f"{cost.units} units); max {MAX_SEGMENTS}"
        )
    if form in GSM7_FORMS and cost.encoding != "GSM-7":
        bad = sorted({ch for ch in text if count_segments(ch).encoding != "GSM-7"})
        report.error(f"{where}: {form} SMS text must be GSM-7; offending characters: {bad}")


def check_content(report: Report, root: Path, domain_intents: set[str]) -> None:
    content = load_content(root / "data" / "content")
    for problem in content.problems:
        report.error(problem)
    rules = rule_steps(root / "data" / "rules")
    for topic in content.topics:
        where = f"{topic.file}: topic '{topic.id}'"
        if not is_knowledge_intent(topic.intent):
            report.error(f"{where}: intent '{topic.intent}' must start with ask_")
        if topic.intent not in domain_intents:
            report.error(f"{where}: intent '{topic.intent}' is not listed in domain.yml")
        if "action_answer" not in rules.get(topic.intent, []):
            report.error(f"{where}: no rule '{topic.intent} -> action_answer' in data/rules")
        variants = [("answer", topic.answer)] + [
            (f"countries.{c}", texts) for c, texts in topic.countries.items()
        ]
        for label, texts in variants:
            for form, text in texts.items():
                check_text(report, f"{where} {label}.{form}.sms", form, text.sms, sms=True)
                if text.web:
                    check_text(report, f"{where} {label}.{form}.web", form, text.web, sms=False)
    check_parity(report, root, content)
    for topic_id, source in missing_source_names(content.topics, root / SOURCE_NAMES):
        report.error(
            f"data/content: topic '{topic_id}' source {source!r} has no reader-facing name "
            f"in {SOURCE_NAMES}"
        )
    topic_intents = {t.intent for t in content.topics}
    for intent in sorted(domain_intents):
        if is_knowledge_intent(intent) and intent not in topic_intents:
            report.error(f"domain.yml: intent '{intent}' has no content topic in data/content")


def check_parity(report: Report, root: Path, content: Content) -> None:
    exceptions = parity.raw_exceptions(root / "data" / "content")
    organisations = parity.load_organisations(str(root / parity.ORGANISATIONS_RELATIVE))
    for topic in content.topics:
        where = f"{topic.file}: topic '{topic.id}'"
        result = parity.check_topic(topic, exceptions.get(topic.id), organisations)
        for mismatch in result.mismatches:
            report.error(f"{where}: facts differ: {mismatch.describe()}")
        for fact in result.unused_exceptions:
            report.error(f"{where}: parity_exceptions lists '{fact}', which no longer differs")


def check_gateway_texts(report: Report, root: Path) -> None:
    path = root / "data" / "gateway_texts.yml"
    if not path.exists():
        return
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for key, texts in (data.get("texts") or {}).items():
        for form, text in (texts or {}).items():
            check_text(report, f"data/gateway_texts.yml {key} [{form}]", form, str(text), False)


def check_responses(report: Report, responses: dict) -> None:
    for name, variations in responses.items():
        found: set[str] = set()
        for variation in variations or []:
            conditions = variation.get("condition") or []
            if not conditions:
                found.add(EN)
            for cond in conditions:
                if cond.get("name") == "language" and cond.get("value") in FORMS:
                    found.add(cond["value"])
            form = next((c["value"] for c in conditions if c.get("name") == "language"), EN)
            text = str(variation.get("text") or "")
            check_text(report, f"domain.yml {name} [{form}]", form, text, sms=True)
        missing = [f for f in FORMS if f not in found]
        if missing:
            report.error(f"domain.yml: response {name} lacks variations for {missing}")


def check_action_messages(report: Report) -> None:
    from actions.messages import MESSAGES  # pure module: no Rasa import at module level

    for key, texts in MESSAGES.items():
        for form in FORMS:
            if not texts.get(form):
                report.error(f"actions/messages.py: {key} lacks the {form} text")
                continue
            check_text(report, f"actions/messages.py {key} [{form}]", form, texts[form], False)


def check_nlu(report: Report, root: Path, domain_intents: set[str]) -> None:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    seen: dict[str, tuple[str, str]] = {}
    for path in sorted((root / "data" / "nlu").glob("**/*.y*ml")):
        examples, problems = read_nlu_file(path)
        for problem in problems:
            report.error(problem)
        rel = path.relative_to(root)
        if examples and form_of_path(path) is None:
            report.error(
                f"{rel}: NLU file with examples must name its form: <name>.<en|ne|ne-Latn>.yml"
            )
            continue
        for ex in examples:
            if ex.intent not in domain_intents:
                report.error(f"{rel}: intent '{ex.intent}' is not listed in domain.yml")
            counts[(ex.intent, ex.form or "?")] += 1
            key = normalise_example(ex.text)
            if key in seen and seen[key][0] != ex.intent:
                report.error(
                    f"{rel}: example '{ex.text}' is under '{ex.intent}' and also under "
                    f"'{seen[key][0]}' ({seen[key][1]})"
                )
            seen.setdefault(key, (ex.intent, str(rel)))
    for intent in sorted(domain_intents - BUILTIN_INTENTS):
        for form in FORMS:
            n = counts.get((intent, form), 0)
            if n < MIN_EXAMPLES:
                report.error(
                    f"data/nlu: intent '{intent}' has {n} {form} training examples "
                    f"(min {MIN_EXAMPLES})"
                )
    heldout = root / "data" / "eval" / "nlu_heldout"
    for path in sorted(heldout.glob("**/*.y*ml")):
        examples, problems = read_nlu_file(path)
        rel = path.relative_to(root)
        for problem in problems:
            report.error(problem)
        if examples and form_of_path(path) is None:
            report.error(f"{rel}: held-out file must name its form: <name>.<form>.yml")
        for ex in examples:
            key = normalise_example(ex.text)
            if key in seen:
                report.error(f"{rel}: held-out example '{ex.text}' is also a training example")
            known = domain_intents | {"nlu_fallback"}
            if ex.intent not in known:
                report.error(f"{rel}: intent '{ex.intent}' is not listed in domain.yml")


def check_eval_independence(report: Report, root: Path) -> None:
    """No message of the independent evaluation sets may be a training example."""
    trained = {normalise_example(ex.text) for ex in read_nlu_dir(root / "data" / "nlu")}
    for path in sorted((root / "data" / "eval").glob("**/*.y*ml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            report.error(f"{path.relative_to(root)}: cannot read YAML ({exc})")
            continue
        messages = data.get("messages") if isinstance(data, dict) else None
        for item in messages or []:
            text = str(item.get("text", "")) if isinstance(item, dict) else ""
            if text and normalise_example(text) in trained:
                report.error(
                    f"{path.relative_to(root)}: evaluation message '{text}' is also a training "
                    "example under data/nlu/ (evaluation data must never be trained on)"
                )


def run(root: Path = REPO_ROOT) -> Report:
    report = Report()
    domain = load_domain(root / "domain.yml")
    intents = set(domain.intents)
    check_content(report, root, intents)
    check_responses(report, domain.responses)
    check_action_messages(report)
    check_gateway_texts(report, root)
    check_nlu(report, root, intents)
    check_eval_independence(report, root)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    args = parser.parse_args(argv)
    report = run(args.root)
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}")
    if report.errors:
        print(f"content check FAILED: {len(report.errors)} error(s)")
        return 1
    print("content check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
