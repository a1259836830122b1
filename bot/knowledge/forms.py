"""The three language forms the bot speaks (defined once in data/vocabulary.yml)."""

from __future__ import annotations

from bot.vocabulary import FORMS

EN = "en"
NE = "ne"
NE_LATN = "ne-Latn"
if (EN, NE, NE_LATN) != FORMS:  # the code names these three; the data file must agree
    raise RuntimeError(f"data/vocabulary.yml forms {FORMS} are not {(EN, NE, NE_LATN)}")

__all__ = ["EN", "FORMS", "NE", "NE_LATN", "normalise_form"]


def normalise_form(value: object, default: str = EN) -> str:
    """Return a valid form code for a slot value, or ``default``."""
    return value if isinstance(value, str) and value in FORMS else default
