"""Bare choices, menu words and topic words (bot.understanding.choices)."""

from __future__ import annotations

import pytest

from bot.understanding.choices import Recognition, recognise


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1", 1), ("२", 2), ("3.", 3), (" 4 ", 4), ("option 2", 2), ("no. 3", 3),
        ("number 5", 5), ("2 ho", 2), ("नम्बर ३", 3), ("one", 1), ("Two", 2), ("second", 2),
        ("ek", 1), ("dui", 2), ("tin", 3), ("दुई", 2), ("पहिलो", 1), ("9", 9),
    ],
)  # fmt: skip
def test_a_bare_choice_in_any_form(text, number):
    assert recognise(text) == Recognition("choice", choice=number)


@pytest.mark.parametrize("text", ["0", "०", "back", "Go back", "pachadi", "pachhadi", "पछाडि"])
def test_back(text):
    assert recognise(text) == Recognition("back")


@pytest.mark.parametrize("text", ["menu", "MENU", "मेनु", "menu dekhaunus", "main menu"])
def test_menu_words(text):
    assert recognise(text) == Recognition("menu")


@pytest.mark.parametrize("text", ["counsellor", "COUNSELLOR", "परामर्शदाता", "manchhe"])
def test_asking_for_a_person(text):
    assert recognise(text) == Recognition("human")


@pytest.mark.parametrize(
    ("text", "node"),
    [("fees", "fees"), ("agent", "agencies"), ("shulka", "fees"), ("kati paisa", "fees"),
     ("शुल्क", "fees"), ("how much?", "fees"), ("trafficking", "trafficking"),
     ("manpower", "agencies")],
)  # fmt: skip
def test_family_words_show_the_family(text, node):
    assert recognise(text) == Recognition("node", node=node)


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("visa", {"free_visa_free_ticket", "labour_permit", "visit_visa"}),
        ("passport", {"passport_kept", "contact_embassy"}),
        ("राहदानी", {"passport_kept", "contact_embassy"}),
        ("राहदानीको बारेमा", {"passport_kept", "contact_embassy"}),
        ("salary", {"unpaid_wages", "contract_substitution", "minimum_wage"}),
        ("bima", {"insurance"}),
        ("insurance?", {"insurance"}),
        ("visa fee", {"free_visa_free_ticket"}),  # two words narrow each other down
        ("qatar visa", {"free_visa_free_ticket", "labour_permit", "visit_visa"}),  # context
        ("visa kasari line", {"free_visa_free_ticket", "labour_permit", "visit_visa"}),
        ("what is trafficking", {"trafficking_definition"}),
        ("helpline number", {"helplines"}),
    ],
)
def test_topic_words(text, topics):
    found = recognise(text)
    assert found is not None and found.kind == "topics"
    assert set(found.topics) == topics


@pytest.mark.parametrize(
    "text",
    [
        "", "10", "hello", "malai help chahiyo", "visa ma problem bhayo",
        "my agent took my passport and now he does not answer the phone at all",
        "chinta lagyo", "asdf", "kati",
    ],
)  # fmt: skip
def test_sentences_and_unknown_words_are_left_to_the_classifier(text):
    assert recognise(text) is None


def test_spelling_variants_match():
    assert recognise("pasport") == recognise("passport")
    assert recognise("sulka") == recognise("shulka")
