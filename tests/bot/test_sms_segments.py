"""Table-driven tests for bot.sms_segments."""

import pytest

from bot.sms_segments import SmsCost, count_segments, fits, is_gsm7

CASES = [
    # (id, text, encoding, units, segments)
    ("empty", "", "GSM-7", 0, 0),
    ("one-char", "a", "GSM-7", 1, 1),
    ("plain-160", "a" * 160, "GSM-7", 160, 1),
    ("plain-161", "a" * 161, "GSM-7", 161, 2),
    ("plain-306", "a" * 306, "GSM-7", 306, 2),
    ("plain-307", "a" * 307, "GSM-7", 307, 3),
    ("gsm-accents", "Ça va? ñ ü é à Δ £ ¥ @", "GSM-7", 22, 1),
    ("newline-cr", "a\r\nb", "GSM-7", 4, 1),
    ("euro-2-septets", "€", "GSM-7", 2, 1),
    ("all-extension", "^{}\\[~]|€\f", "GSM-7", 20, 1),
    ("ext-80-fills-one", "[" * 80, "GSM-7", 160, 1),
    ("ext-81-two", "[" * 81, "GSM-7", 162, 2),
    # 152 plain + '[' would straddle 153 -> goes to segment 2 (never split ESC pairs)
    ("ext-no-split", "a" * 152 + "[" + "a" * 10, "GSM-7", 164, 2),
    ("ext-no-split-3", "a" * 152 + "[" + "a" * 152, "GSM-7", 306, 3),
    ("ucs2-devanagari-1", "नमस्ते", "UCS-2", 6, 1),
    ("ucs2-70", "न" * 70, "UCS-2", 70, 1),
    ("ucs2-71", "न" * 71, "UCS-2", 71, 2),
    ("ucs2-134", "न" * 134, "UCS-2", 134, 2),
    ("ucs2-135", "न" * 135, "UCS-2", 135, 3),
    ("mixed-forces-ucs2", "visa ko lagi कति", "UCS-2", 16, 1),
    ("emoji-2-units", "😀", "UCS-2", 2, 1),
    ("emoji-in-gsm-text", "ok 👍", "UCS-2", 5, 1),
    ("emoji-35", "😀" * 35, "UCS-2", 70, 1),
    ("emoji-36", "😀" * 36, "UCS-2", 72, 2),
    # 66 units + surrogate pair would straddle 67 -> pair moves to segment 2
    ("surrogate-no-split", "a" * 66 + "😀" + "न" * 10, "UCS-2", 78, 2),
    ("curly-quote-ucs2", "it’s", "UCS-2", 4, 1),
    ("devanagari-digits", "१२३", "UCS-2", 3, 1),
    ("backtick-not-gsm", "`", "UCS-2", 1, 1),
    ("esc-char-not-gsm", "\x1b", "UCS-2", 1, 1),
]


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_count_segments(text, encoding, units, segments):
    assert count_segments(text) == SmsCost(encoding, units, segments)


@pytest.mark.parametrize(
    ("text", "max_segments", "expected"),
    [
        ("", 0, True),
        ("a", 0, False),
        ("a" * 160, 1, True),
        ("a" * 161, 1, False),
        ("a" * 161, 2, True),
        ("न" * 70, 1, True),
        ("न" * 71, 1, False),
        ("न" * 134, 2, True),
    ],
)
def test_fits(text, max_segments, expected):
    assert fits(text, max_segments) is expected


def test_is_gsm7():
    assert is_gsm7("Hello {world} €5")
    assert not is_gsm7("नमस्ते")


def test_cost_is_frozen():
    cost = count_segments("hi")
    with pytest.raises(AttributeError):
        cost.units = 3  # type: ignore[misc]
