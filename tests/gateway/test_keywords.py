from __future__ import annotations

import pytest

from webhooks.conversations.keywords import Keyword, match_keyword


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", Keyword.STOP),
        (" stop ", Keyword.STOP),
        ("Stop!", Keyword.STOP),
        ("unsubscribe", Keyword.STOP),
        ("रोक", Keyword.STOP),
        ("रोक्नुहोस्।", Keyword.STOP),
        ("roka", Keyword.STOP),
        ("START", Keyword.START),
        ("suru", Keyword.START),
        ("सुरु", Keyword.START),
        ("help", Keyword.HELP),
        ("HELP?", Keyword.HELP),
        ("मद्दत", Keyword.HELP),
        ("maddat", Keyword.HELP),
        ("please stop", None),
        ("malai help chahiyo", None),
        ("stop the agent", None),
        ("", None),
        ("cancel", None),
        ("बन्द", None),
    ],
)
def test_only_a_keyword_alone_counts(text, expected):
    assert match_keyword(text) is expected


@pytest.mark.parametrize("key", ["help_keyword", "started", "handoff_cancelled"])
@pytest.mark.parametrize("form", ["en", "ne", "ne-Latn"])
def test_help_and_start_point_at_the_menu_the_bot_answers(key, form):
    from bot.understanding.choices import recognise
    from webhooks.conversations.texts import text

    assert "MENU" in text(key, form)
    assert recognise("MENU").kind == "menu"  # and the bot's recogniser knows the word
