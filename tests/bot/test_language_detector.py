"""Table-driven tests for the pure language-form detector (no Rasa needed)."""

import threading

import pytest

from bot.language import detector
from bot.language.detector import (
    DEFAULT_MIN_CONFIDENCE,
    EN,
    FORMS,
    NE,
    NE_LATN,
    UNKNOWN,
    Detection,
    choose_form,
    detect,
    requested_form,
)

# (text, expected form) - scripts, code-mixing, emoji, digits, URLs, guards
DETECT_CASES = [
    # English
    ("I need a job abroad", EN),
    ("my passport was taken by the agent", EN),
    ("is this agency legal?", EN),
    ("pls help me my boss is not paying", EN),
    ("where is the office in Kathmandu?", EN),
    ("I need a job 😀", EN),
    ("They asked 300000 for the visa!!", EN),
    # Nepali, Devanagari
    ("मलाई काम चाहियो", NE),
    ("भिसाको लागि कति पैसा लाग्छ?", NE),
    ("हो", NE),
    ("नमस्ते 🙏", NE),
    ("मलाई job चाहियो", NE),
    ("visa को लागि कति पैसा", NE),
    ("३ लाख माग्यो", NE),
    ("२०८१ साल मा गएको", NE),
    ("मेरो passport agent सँग छ", NE),
    # Nepali, Latin letters
    ("malai kaam chahiyo", NE_LATN),
    ("malai help chahiyo", NE_LATN),
    ("visa ko lagi kati paisa", NE_LATN),
    ("mlai kam chaiyo", NE_LATN),
    ("visa kati parxa", NE_LATN),
    ("hajur", NE_LATN),
    ("namaste dai 🙏", NE_LATN),
    ("3 lakh magyo agent le", NE_LATN),
    ("qatar ma salary kati huncha?", NE_LATN),
    ("hi sir visa ko barema sodhna thiyo", NE_LATN),
    ("malai dubaima kaam chahiyo", NE_LATN),
    # guards: too short / ambiguous -> unknown
    ("", UNKNOWN),
    ("   ", UNKNOWN),
    ("ok", UNKNOWN),
    ("OK", UNKNOWN),
    ("k", UNKNOWN),
    ("?", UNKNOWN),
    ("??!!", UNKNOWN),
    ("😀", UNKNOWN),
    ("👍👍", UNKNOWN),
    ("ok 👍", UNKNOWN),
    ("123", UNKNOWN),
    ("9841000000", UNKNOWN),
    ("१२३", UNKNOWN),
    ("०९८४१", UNKNOWN),
    ("।", UNKNOWN),
    ("https://dofe.gov.np/list", UNKNOWN),
    ("www.example.com", UNKNOWN),
    ("someone@example.com", UNKNOWN),
    ("hi", UNKNOWN),
    ("hello", UNKNOWN),
    ("thank you", UNKNOWN),
    ("sorry sir", UNKNOWN),
    ("Привет", UNKNOWN),
    ("مرحبا", UNKNOWN),
    ("你好", UNKNOWN),
]


@pytest.mark.parametrize(("text", "expected"), DETECT_CASES)
def test_detect(text, expected):
    result = detect(text)
    assert isinstance(result, Detection)
    assert result.form == expected, result
    assert 0.0 <= result.confidence <= 1.0
    assert result.reason


@pytest.mark.parametrize(
    "text",
    ["malai kaam chahiyo", "मलाई काम चाहियो", "I need a job in Qatar", "visa ko lagi kati paisa"],
)
def test_clear_messages_are_confident(text):
    assert detect(text).confidence >= DEFAULT_MIN_CONFIDENCE


def test_devanagari_reason_reports_share():
    assert detect("मलाई काम चाहियो").reason.startswith("devanagari-share=1.00")


def test_url_with_text_uses_the_text():
    assert detect("malai yo link ma help chahiyo https://example.com").form == NE_LATN
    assert detect("check this https://example.com please it is my agent").form == EN


def test_unknown_has_zero_confidence_for_guards():
    for text in ("ok", "😀", "123", "https://example.com"):
        assert detect(text).confidence == 0.0


REQUEST_CASES = [
    # short codes from the help menu
    ("EN", EN),
    ("en", EN),
    ("Eng", EN),
    ("NP", NE),
    ("ne", NE),
    ("नेपाली", NE),
    ("RN", NE_LATN),
    ("roman", NE_LATN),
    (" rn. ", NE_LATN),
    # English
    ("English please", EN),
    ("english plz", EN),
    ("in english", EN),
    ("In English please!", EN),
    ("can you reply in english", EN),
    ("angreji ma", EN),
    ("angrejima lekha", EN),
    ("english ma lekhnus", EN),
    ("अंग्रेजीमा", EN),
    ("अङ्ग्रेजीमा लेख्नुस", EN),
    # Nepali (Devanagari)
    ("नेपालीमा", NE),
    ("नेपालीमा लेख्नुहोस्", NE),
    ("nepali ma", NE),
    ("Nepali ma lekha", NE),
    ("nepalima bolnus", NE),
    ("in nepali please", NE),
    ("english hoina nepali ma", NE),
    ("nepali please, not english", NE),
    # romanized Nepali
    ("roman nepali", NE_LATN),
    ("Roman ma lekha", NE_LATN),
    ("romanized nepali please", NE_LATN),
    ("nepali in english letters", NE_LATN),
    ("english akshar ma nepali", NE_LATN),
    # not requests
    ("", None),
    ("ok", None),
    ("1", None),
    ("2", None),
    ("nepal", None),
    ("doha ma nepali embassy kaha cha", None),
    ("my english is not good", None),
    ("I need a job in Nepal", None),
    ("नेपाली दूतावास कहाँ छ", None),
    ("not english", None),
    ("do I need english for the job", None),
]


@pytest.mark.parametrize(("text", "expected"), REQUEST_CASES)
def test_requested_form(text, expected):
    assert requested_form(text) == expected


CHOOSE_CASES = [
    # (current, text, expected)
    (NE, "ok", NE),
    (NE, "😀", NE),
    (NE, "123", NE),
    (NE, "१२३", NE),
    (NE_LATN, "ok", NE_LATN),
    (NE_LATN, "thank you", NE_LATN),
    (EN, "hello", EN),
    (None, "ok", EN),
    (None, "", EN),
    ("garbage", "ok", EN),
    (None, "malai kaam chahiyo", NE_LATN),
    (None, "मलाई काम चाहियो", NE),
    (None, "I need a job", EN),
    (EN, "मलाई काम चाहियो", NE),
    (NE, "English please", EN),
    (EN, "nepali ma", NE),
    (EN, "RN", NE_LATN),
    (NE_LATN, "NP", NE),
    (NE, "EN", EN),
]


@pytest.mark.parametrize(("current", "text", "expected"), CHOOSE_CASES)
def test_choose_form(current, text, expected):
    assert choose_form(current, text) == expected


def test_conversation_nepali_speaker_writing_ok_stays_in_nepali():
    form = None
    turns = [
        ("नमस्ते, मलाई काम चाहियो", NE),
        ("ok", NE),
        ("👍", NE),
        ("9841234567", NE),
        ("ठिक छ", NE),
        ("thank you", NE),
        ("English please", EN),
        ("ok", EN),
        ("RN", NE_LATN),
        ("ok", NE_LATN),
        ("malai visa ko barema sodhnu cha", NE_LATN),
    ]
    for text, expected in turns:
        form = choose_form(form, text)
        assert form == expected, (text, form)


def test_romanized_conversation_keeps_form_through_loanwords():
    form = choose_form(None, "malai job chahiyo")
    for text in ("ok", "visa", "Qatar", "passport", "hello"):
        form = choose_form(form, text)
    assert form == NE_LATN


def test_forms_constant():
    assert FORMS == ("en", "ne", "ne-Latn")
    assert UNKNOWN == "unknown"


def test_detection_is_frozen():
    with pytest.raises(AttributeError):
        detect("hello").form = EN  # type: ignore[misc]


def test_model_loads_lazily_and_once(monkeypatch):
    monkeypatch.setattr(detector, "_model", None)
    calls = []
    real_load = detector._load

    def counting_load():
        calls.append(1)
        return real_load()

    monkeypatch.setattr(detector, "_load", counting_load)
    results: list[str] = []

    def worker():
        results.append(detect("malai kaam chahiyo").form)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1]
    assert results == [NE_LATN] * 8


def test_detection_is_deterministic_and_thread_safe():
    texts = ["start again", "remittance aayena", "job in romania salary", "malai help"] * 25
    expected = [detect(t) for t in texts]
    out: dict[int, list[Detection]] = {}

    def worker(i):
        out[i] = [detect(t) for t in texts]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(v == expected for v in out.values())
