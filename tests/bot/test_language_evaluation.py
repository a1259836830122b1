"""The held-out evaluation set: accuracy targets, format, and no leak into training."""

from pathlib import Path

import pytest

from bot.language import evaluate as ev
from bot.language.detector import DATA_DIR, FORMS


@pytest.fixture(scope="module")
def rows():
    return ev.load_eval_set()


@pytest.fixture(scope="module")
def evaluation(rows):
    return ev.evaluate(rows, with_langdetect=False)


def test_eval_set_size_and_shape(rows):
    counts = {form: sum(1 for f, _ in rows if f == form) for form in FORMS}
    assert all(n >= 200 for n in counts.values()), counts
    texts = [t for _, t in rows]
    assert len(set(texts)) == len(texts), "duplicate messages in the eval set"
    short = sum(1 for t in texts if len(t) < 30)
    assert short >= len(texts) // 2


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def test_eval_messages_not_in_training_data(rows):
    eval_texts = {_normalise(t) for _, t in rows}
    leaked = []
    for path in sorted(Path(DATA_DIR).glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and _normalise(line) in eval_texts:
                leaked.append(f"{path.name}: {line}")
    assert not leaked, leaked


def test_accuracy_targets(evaluation):
    assert evaluation.ours.accuracy() >= ev.TARGET_OVERALL, evaluation.ours.errors
    for form in FORMS:
        assert evaluation.ours.accuracy(form) >= ev.TARGET_PER_FORM, (form, evaluation.ours.errors)
    assert evaluation.first_message.accuracy() >= ev.TARGET_FIRST_MESSAGE


def test_langdetect_mapping():
    assert ev.langdetect_form("मलाई काम चाहियो नेपालमा धेरै छ") == "ne"
    assert ev.langdetect_form("I would like to know where the office is located") == "en"
    assert ev.langdetect_form("12345") == "unknown"


def test_report_and_main_exit_code(tmp_path, capsys):
    small = tmp_path / "small.tsv"
    small.write_text(
        "form\ttext\nen\tI need a job\nne\tमलाई काम चाहियो\nne-Latn\tmalai kaam chahiyo\n",
        encoding="utf-8",
    )
    assert ev.main([str(small)]) == 0
    out = capsys.readouterr().out
    assert "ours" in out and "langdetect" in out and "p99" in out
    bad = tmp_path / "bad.tsv"
    bad.write_text("form\ttext\nen\tmalai kaam chahiyo\n", encoding="utf-8")
    assert ev.main([str(bad)]) == 1


def test_load_rejects_malformed(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("form\ttext\nfr\tbonjour\n", encoding="utf-8")
    with pytest.raises(ValueError):
        ev.load_eval_set(bad)
