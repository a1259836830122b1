"""The independent evaluation sets (data/eval/README.md): format, labels, sizes, independence.

These sets decide what "right" means for `make eval-dialogue` and the danger tuning, so a
label that names an unknown topic, a danger message without a hand-off, or an evaluation
message that is also a training example would silently corrupt every figure measured on them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.knowledge.forms import FORMS
from bot.knowledge.nlu_files import normalise_example, read_nlu_dir
from bot.knowledge.project import REPO_ROOT
from scripts.content_check import Report, check_eval_independence

EVAL_DIR = REPO_ROOT / "data" / "eval"
SHORT_FILE = EVAL_DIR / "short_messages.yml"

# New topics of issue 11 (DESIGN-understanding.md); their content may land after this data.
NEW_TOPICS = frozenset(
    {
        "reintegration",
        "permit_legalization",
        "shelter",
        "death_abroad",
        "work_in_india",
        "russia_ukraine",
        "missing_person",
        "agency_refund",
        "rehabilitation_fund",
    }
)
SPECIAL_EXPECT = frozenset(
    {
        "human",
        "greet",
        "thanks",
        "goodbye",
        "menu",
        "find_service",
        "switch_language",
        "out_of_scope",
        "danger",
    }
)
DANGER_KINDS = frozenset(
    {"trafficking", "confinement", "violence", "passport_threat", "child", "self_harm"}
)
MESSAGE_KEYS = frozenset({"text", "expect", "handoff", "danger"})

# kind of set -> minimum messages per form
MIN_MESSAGES = {"test": 110, "dev": 50, "danger_tuning": 40}
MIN_SHORT_TOTAL = 60
MIN_SHORT_PER_FORM = 20


def _per_form_files() -> list[tuple[str, str, Path]]:
    files = []
    for form in FORMS:
        files.append(("test", form, EVAL_DIR / "dialogue" / f"test.{form}.yml"))
        files.append(("dev", form, EVAL_DIR / "dialogue" / f"dev.{form}.yml"))
        files.append(("danger_tuning", form, EVAL_DIR / f"danger_tuning.{form}.yml"))
    return files


PER_FORM_FILES = _per_form_files()
ALL_FILES = [path for _, _, path in PER_FORM_FILES] + [SHORT_FILE]


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{_rel(path)}: top level must be a mapping"
    return data


def _messages(path: Path) -> list[dict]:
    messages = _load(path).get("messages")
    assert isinstance(messages, list) and messages, f"{_rel(path)}: needs a `messages:` list"
    return messages


def _known_topic_ids() -> set[str]:
    ids = set(NEW_TOPICS)
    for path in sorted((REPO_ROOT / "data" / "content").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        ids.update(str(topic["id"]) for topic in data.get("topics") or [] if "id" in topic)
    return ids


def label_problems(message: object, known: set[str]) -> list[str]:
    """Everything wrong with one message's labels (empty list if it is well labelled)."""
    if not isinstance(message, dict):
        return ["not a mapping"]
    problems = []
    extra = set(message) - MESSAGE_KEYS - {"form"}
    missing = MESSAGE_KEYS - set(message)
    if missing or extra:
        problems.append(f"keys: missing {sorted(missing)}, unknown {sorted(extra)}")
    text, expect = message.get("text"), message.get("expect")
    handoff, danger = message.get("handoff"), message.get("danger")
    if not isinstance(text, str) or not text.strip():
        problems.append("text must be a non-empty string")
    if not isinstance(expect, list) or not expect:
        return [*problems, "expect must be a non-empty list"]
    unknown = [value for value in expect if value not in known]
    if unknown:
        problems.append(f"unknown expect values {unknown}")
    if len(set(expect)) != len(expect):
        problems.append("expect repeats a value")
    if not isinstance(handoff, bool):
        problems.append("handoff must be true or false")
    if danger is not None and danger not in DANGER_KINDS:
        problems.append(f"danger '{danger}' is not one of {sorted(DANGER_KINDS)}")
    if danger is not None and (handoff is not True or expect != ["danger"]):
        problems.append("a danger message needs handoff: true and expect: [danger]")
    if "danger" in expect and danger is None:
        problems.append("expect: [danger] needs a danger kind")
    if "human" in expect and handoff is not True:
        problems.append("asking for a human needs handoff: true")
    if handoff is True and danger is None and "human" not in expect:
        problems.append("handoff: true only for danger or an explicit request for a human")
    return problems


@pytest.mark.parametrize("path", ALL_FILES, ids=_rel)
def test_file_parses_and_says_it_is_never_trained_on(path: Path) -> None:
    assert path.is_file(), f"{_rel(path)} is missing"
    data = _load(path)
    assert "never used for training" in str(data.get("written_by", ""))
    assert "NEVER use these messages for training" in path.read_text(encoding="utf-8")
    assert _messages(path)


@pytest.mark.parametrize(("kind", "form", "path"), PER_FORM_FILES, ids=lambda v: str(v))
def test_per_form_file_names_its_form(kind: str, form: str, path: Path) -> None:
    data = _load(path)
    assert data.get("form") == form
    assert not [m for m in _messages(path) if isinstance(m, dict) and "form" in m], (
        f"{_rel(path)}: the form is set once per file"
    )


def test_short_messages_each_name_their_form() -> None:
    assert "form" not in _load(SHORT_FILE)
    bad = [m.get("text") for m in _messages(SHORT_FILE) if m.get("form") not in FORMS]
    assert not bad, f"short messages without a valid form: {bad}"


@pytest.mark.parametrize("path", ALL_FILES, ids=_rel)
def test_every_message_is_well_labelled(path: Path) -> None:
    known = _known_topic_ids() | SPECIAL_EXPECT
    problems = []
    for i, message in enumerate(_messages(path)):
        for problem in label_problems(message, known):
            text = message.get("text") if isinstance(message, dict) else None
            problems.append(f"#{i} {text!r}: {problem}")
    assert not problems, f"{_rel(path)}:\n" + "\n".join(problems)


def test_label_rules_catch_bad_labels() -> None:
    known = {"unpaid_wages"} | SPECIAL_EXPECT
    good = {"text": "salary late", "expect": ["unpaid_wages"], "handoff": False, "danger": None}
    assert label_problems(good, known) == []
    bad_cases = [
        {**good, "expect": ["no_such_topic"]},
        {**good, "danger": "violence"},  # danger without hand-off
        {**good, "danger": "robbery", "handoff": True, "expect": ["danger"]},
        {**good, "handoff": True},  # hand-off without danger or a request for a human
        {**good, "expect": ["human"]},  # asks for a human, no hand-off
        {**good, "expect": ["danger"], "handoff": True},  # danger expected, kind missing
        {"text": "x", "expect": ["unpaid_wages"], "handoff": False},  # danger key missing
    ]
    for case in bad_cases:
        assert label_problems(case, known), case


@pytest.mark.parametrize("form", FORMS)
def test_sets_are_big_enough_and_cover_the_categories(form: str) -> None:
    for kind, file_form, path in PER_FORM_FILES:
        if file_form != form:
            continue
        messages = _messages(path)
        dangers = Counter(m["danger"] for m in messages if m["danger"])
        humans = sum("human" in m["expect"] for m in messages)
        out_of_scope = sum("out_of_scope" in m["expect"] for m in messages)
        calm = sum(not m["handoff"] for m in messages)
        where = _rel(path)
        assert len(messages) >= MIN_MESSAGES[kind], where
        assert set(dangers) == DANGER_KINDS, f"{where}: danger kinds {sorted(dangers)}"
        if kind == "test":
            assert sum(dangers.values()) >= 15, where
            assert humans >= 8 and out_of_scope >= 8, where
        elif kind == "dev":
            assert sum(dangers.values()) >= 6 and humans >= 4 and out_of_scope >= 4, where
        else:  # danger tuning: about half danger, half alarming-looking non-danger
            share = sum(dangers.values()) / len(messages)
            assert 0.4 <= share <= 0.6, f"{where}: danger share {share:.2f}"
            assert calm >= 0.4 * len(messages), where


def test_short_messages_are_short_and_numerous() -> None:
    messages = _messages(SHORT_FILE)
    assert len(messages) >= MIN_SHORT_TOTAL
    per_form = Counter(m["form"] for m in messages)
    assert all(per_form[form] >= MIN_SHORT_PER_FORM for form in FORMS), per_form
    long = [m["text"] for m in messages if len(m["text"].split()) > 2]
    assert not long, f"more than two words: {long}"


def test_no_message_is_repeated_across_the_eval_files() -> None:
    seen: dict[str, str] = {}
    repeats = []
    for path in ALL_FILES:
        for message in _messages(path):
            key = normalise_example(message["text"])
            if key in seen:
                repeats.append(f"{message['text']!r} in {_rel(path)} and {seen[key]}")
            seen.setdefault(key, _rel(path))
    assert not repeats, "\n".join(repeats)


def test_no_eval_message_is_a_training_example() -> None:
    trained = {normalise_example(ex.text) for ex in read_nlu_dir(REPO_ROOT / "data" / "nlu")}
    assert trained, "no training examples found under data/nlu/"
    leaked = [
        f"{_rel(path)}: {message['text']!r}"
        for path in ALL_FILES
        for message in _messages(path)
        if normalise_example(message["text"]) in trained
    ]
    assert not leaked, "evaluation messages found in the training data:\n" + "\n".join(leaked)
    report = Report()
    check_eval_independence(report, REPO_ROOT)
    assert report.errors == []


def test_content_check_rejects_an_eval_message_used_for_training(tmp_path: Path) -> None:
    nlu = tmp_path / "data" / "nlu" / "knowledge"
    nlu.mkdir(parents=True)
    (nlu / "fees.en.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: ask_worker_costs\n  examples: |\n'
        "    - what else do I pay before I fly\n",
        encoding="utf-8",
    )
    dialogue = tmp_path / "data" / "eval" / "dialogue"
    dialogue.mkdir(parents=True)
    eval_file = dialogue / "dev.en.yml"

    def write_eval(text: str) -> Report:
        message = {"text": text, "expect": ["worker_costs"], "handoff": False, "danger": None}
        eval_file.write_text(yaml.safe_dump({"form": "en", "messages": [message]}), "utf-8")
        report = Report()
        check_eval_independence(report, tmp_path)
        return report

    assert write_eval("which costs do i still pay myself").errors == []
    errors = write_eval("What else do I pay  before I fly?").errors
    assert len(errors) == 1 and "dev.en.yml" in errors[0]
