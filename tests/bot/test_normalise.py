"""Romanized-Nepali spelling folding and the folding tokenizer."""

from __future__ import annotations

import pytest

from bot.understanding.normalise import fold_text, fold_token


@pytest.mark.parametrize(
    "spellings",
    [
        ("chha", "cha", "xa", "6a", "chhaa"),
        ("bidesh", "videsh", "widesh", "bides", "bideshh"),
        ("paisa", "paisaa", "PAISA", "paissa"),
        ("jane", "jaane", "jaanee"),
        ("parchha", "parcha", "parxa"),
        ("chahiyo", "chaiyo", "chahiyoo"),
        ("shulka", "sulka", "shulkaa"),
        ("bahini", "baini"),
        ("dhanyabad", "danyabad", "dhanyavad"),
        ("qatar", "katar", "kattar"),
        ("please", "pls", "plz"),
        ("ke", "k"),
    ],
)
def test_spellings_of_one_word_fold_together(spellings):
    assert len({fold_token(word) for word in spellings}) == 1, [fold_token(w) for w in spellings]


@pytest.mark.parametrize(("a", "b"), [("kati", "kathi"), ("ma", "maa")])
def test_aspiration_and_long_vowels_fold(a, b):
    assert fold_token(a) == fold_token(b)


@pytest.mark.parametrize("different", [("paisa", "pasa"), ("kaam", "kam_"), ("bima", "bhai")])
def test_different_words_stay_apart(different):
    assert fold_token(different[0]) != fold_token(different[1])


@pytest.mark.parametrize("word", ["राहदानी", "100", "२", "😀", "+977"])
def test_non_latin_and_numbers_are_unchanged(word):
    assert fold_token(word) == word


def test_fold_text_folds_every_word():
    assert fold_text("malai paisaa chaiyo xa") == fold_text("malai paisa chahiyo chha")


def test_the_tokenizer_keeps_the_text_and_sets_the_folded_lemma(tmp_path):
    pytest.importorskip("rasa")
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.understanding.components import FoldingTokenizer

    tokenizer = FoldingTokenizer(FoldingTokenizer.get_default_config())
    tokens = tokenizer.tokenize(Message(data={TEXT: "Malai paisaa chaiyo राहदानी"}), TEXT)
    assert [t.text for t in tokens] == ["Malai", "paisaa", "chaiyo", "राहदानी"]
    assert [t.lemma for t in tokens] == ["malai", "paisa", fold_token("chahiyo"), "राहदानी"]
    off = FoldingTokenizer({**FoldingTokenizer.get_default_config(), "fold_spelling": False})
    assert off.tokenize(Message(data={TEXT: "paisaa"}), TEXT)[0].lemma == "paisaa"
