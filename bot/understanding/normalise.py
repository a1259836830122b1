"""Fold the spellings of Nepali typed in Latin letters (and SMS English) to one key per word.

People write the same romanized Nepali word many ways: "chha", "cha", "xa", "6a"; "bidesh",
"videsh", "widesh", "bides"; "paisaa", "paisa"; "jaane", "jane"; "garnu parchha", "garnu parxa".
:func:`fold_token` maps every such spelling to one key, so that an unseen spelling lands on the
features of a trained one. The folding tokenizer (bot.understanding.components) sets each
Latin token's *lemma* to this key: Rasa's CountVectorsFeaturizer builds its word and character
features from lemmas, while the message text, the entities and everything the person sees stay
untouched.

Rules, in order (each one listed in ``FOLDS``):
1. lower case, accents and apostrophes dropped ("Bideś" -> "bides");
2. whole-word SMS shortenings: "k" -> "ke", "pls" -> "please", "u" -> "you", "xa" -> "chha" ...;
3. a vowel lengthened at the end for emphasis is one vowel ("chahiyoo", "jaanee"); then
   "x" -> "ch" (SMS: "garxa", "xito"), "chh"/"cch" -> "ch", "ph" -> "f", "w"/"v" -> "b",
   "sh" -> "s", "z" -> "j", "q" -> "k", "ck" -> "k", "ee" -> "i", "oo" -> "u";
4. a consonant's aspiration "h" dropped ("kh", "gh", "th", "dh", "bh", "ch" -> "c" ...), and
   an "h" between vowels ("chahiyo"/"chaiyo", "bahini"/"baini", "kahile"/"kaile");
5. doubled letters collapsed ("paisaa" -> "paisa", "chhito" -> "cito").

English words fold too ("with" -> "bit"): harmless, since training and prediction fold alike.
Devanagari, digits and anything else are returned unchanged.
"""

from __future__ import annotations

import re
import unicodedata

SHORTENINGS: dict[str, str] = {
    # romanized Nepali SMS spellings
    "k": "ke", "xa": "chha", "xaina": "chhaina", "xu": "chhu", "xan": "chhan", "6a": "chha",
    "kasri": "kasari", "kti": "kati", "pxi": "pachhi",
    # English SMS spellings
    "pls": "please", "plz": "please", "plzz": "please", "u": "you", "ur": "your", "r": "are",
    "n": "and", "nd": "and", "msg": "message", "thx": "thanks", "thnx": "thanks",
    "tnx": "thanks", "thanx": "thanks", "thnks": "thanks", "tq": "thanks", "wat": "what",
    "wht": "what", "hw": "how", "abt": "about",
    "b4": "before", "bcoz": "because", "coz": "because", "cuz": "because", "ppl": "people",
    "govt": "government", "info": "information",
}  # fmt: skip

FOLDS: tuple[tuple[str, str], ...] = (
    ("x", "ch"),
    ("cch", "ch"),
    ("chh", "ch"),
    ("ph", "f"),
    ("w", "b"),
    ("v", "b"),
    ("sh", "s"),
    ("z", "j"),
    ("ck", "k"),
    ("q", "k"),
    ("ee", "i"),
    ("oo", "u"),
)
_LENGTHENED_END = re.compile(r"([aeiou])\1+$")
_ASPIRATION = re.compile(r"([bcdgjkpst])h")
_SILENT_H = re.compile(r"([aeiou])h(?=[aeiou])")
_DOUBLED = re.compile(r"(.)\1+")
_LATIN_WORD = re.compile(r"^[a-z0-9]+$")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("'", "").replace("\u2019", "")


def fold_token(token: str) -> str:
    """The folded key of one word; non-Latin words unchanged."""
    plain = _plain(token)
    if not _LATIN_WORD.match(plain) or plain.isdigit():
        return token
    plain = SHORTENINGS.get(plain, plain)
    plain = _LENGTHENED_END.sub(r"\1", plain)  # "chahiyoo", "jaanee": emphasis, not "u"/"i"
    for old, new in FOLDS:
        plain = plain.replace(old, new)
    plain = _ASPIRATION.sub(r"\1", plain)
    plain = _SILENT_H.sub(r"\1", plain)
    return _DOUBLED.sub(r"\1", plain)


def fold_text(text: str) -> str:
    """Every whitespace-separated word of ``text`` folded (for matching phrases)."""
    return " ".join(fold_token(word) for word in text.split())


def rules_fingerprint() -> str:
    """A short hash of the folding rules: part of the tokenizer's config, so that Rasa
    retrains the model when the rules change (its fingerprint covers config and data only)."""
    import hashlib

    rules = repr((sorted(SHORTENINGS.items()), FOLDS, _LENGTHENED_END.pattern,
                  _ASPIRATION.pattern, _SILENT_H.pattern, _DOUBLED.pattern))  # fmt: skip
    return hashlib.sha256(rules.encode()).hexdigest()[:12]
