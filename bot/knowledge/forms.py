"""The three language forms the bot speaks (same codes as bot.language.detector)."""

from __future__ import annotations

EN = "en"
NE = "ne"
NE_LATN = "ne-Latn"
FORMS: tuple[str, ...] = (EN, NE, NE_LATN)


def normalise_form(value: object, default: str = EN) -> str:
    """Return a valid form code for a slot value, or ``default``."""
    return value if isinstance(value, str) and value in FORMS else default
