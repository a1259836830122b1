"""Which form of language a message is written in: English, Nepali or romanized Nepali.

Pure Python (may import langdetect, never Rasa): the gateway imports it too.

Forms
-----
``EN`` ("en")            English
``NE`` ("ne")            Nepali in Devanagari script
``NE_LATN`` ("ne-Latn")  Nepali in Latin letters ("malai kaam chahiyo")
``UNKNOWN`` ("unknown")  too short or ambiguous: keep the conversation's current form

How :func:`detect` decides
--------------------------
1. URLs, e-mail addresses, digits (ASCII and Devanagari ०-९), emoji and punctuation
   are ignored. No letters left -> ``unknown`` ("no-letters").
2. Script analysis: if Devanagari makes up at least 30 % of the letters the message is
   ``ne`` (code-mixed Devanagari such as "मलाई job चाहियो" included). Mostly another
   script (Arabic, Chinese, ...) -> ``unknown``.
3. Latin text: every word gets a log-odds score for romanized Nepali against English:
   a hit in the romanized-Nepali lexicon (``data/ne_latn_lexicon.txt``, with spelling
   variants) counts strongly for Nepali, a hit in the English lexicon
   (``data/en_lexicon.txt``) for English, a Nepali case suffix on a known word
   ("dubaima", "agentle") for Nepali, loanwords/names/fillers shared by both forms
   (``data/shared.txt``: "ok", "hello", "visa", "Qatar") count for neither, and any other
   word is scored by a character 2-4-gram naive Bayes model trained at first use on
   ``data/train_*.txt`` plus the lexicons. When the sum is not decisive, langdetect
   (seeded, restricted to English and the languages it confuses romanized Nepali with)
   adds its English probability as one more signal.
   A message made only of shared words ("ok", "thank you", "hi sir") is ``unknown``.

Labelling convention for code-mixed text (used by the evaluation set too): Latin text
with any Nepali grammar or vocabulary ("malai help chahiyo", "visa ko lagi kati paisa")
is ``ne-Latn`` even when most nouns are English; Latin text is ``en`` only when it is
entirely English (names of places and loanwords allowed).

Explicit switch requests (:func:`requested_form`)
-------------------------------------------------
Short codes, the whole message (case-insensitive, surrounding punctuation ignored) -
these are the codes the help menu tells users to type:

* ``EN`` or ``ENG``                     -> ``en``
* ``NP``, ``NE`` or ``नेपाली``            -> ``ne``
* ``RN`` or ``ROMAN``                   -> ``ne-Latn``

Phrases: a message consisting only of a language name plus request words (please,
in, reply, speak, write, ma, lekha, bolnus, मा, लेख्नुस, कृपया, ...; the full list is
``_REQUEST_WORDS``). Language names:

* English: english, eng, inglish, angreji, angrezi, अंग्रेजी, अङ्ग्रेजी, इङ्लिस (and the
  ``ma``/``मा`` suffixed forms "englishma", "अंग्रेजीमा")
  e.g. "English please", "in english", "reply in English", "angreji ma", "english ma lekha"
* Nepali (Devanagari): nepali, nepaali, नेपाली, devanagari (and "nepalima", "नेपालीमा")
  e.g. "नेपालीमा", "nepali ma", "nepali ma lekha", "नेपालीमा लेख्नुस", "in nepali please"
* Romanized Nepali: roman, romanized, romanised, रोमन, or Nepali together with a word
  for letters/script (letters, akshar, lipi, अक्षर, लिपि) and English
  e.g. "roman nepali", "roman ma", "nepali in english letters", "english akshar ma nepali"

A message that names two languages and is not the romanized case takes the last one
named; a name negated by "not"/"no" before it or "hoina"/"haina"/"होइन" after it is
ignored ("english hoina nepali ma" -> ``ne``, "nepali please, not english" -> ``ne``).
Messages with any other word ("doha ma nepali embassy kaha cha", "my english is weak")
are not requests. Bare digits are NOT accepted
as a language choice (they clash with other numbered menus).

Data is loaded once, lazily and under a lock; detection itself only reads immutable
data and creates a fresh langdetect ``Detector`` per call, so it is thread-safe.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.forms import EN, FORMS, NE, NE_LATN

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "EN",
    "FORMS",
    "NE",
    "NE_LATN",
    "UNKNOWN",
    "Detection",
    "FormDecision",
    "choose_form",
    "decide_form",
    "detect",
    "requested_form",
    "warm_up",
]


UNKNOWN = "unknown"

#: A detection at or above this confidence may change the conversation's form.
DEFAULT_MIN_CONFIDENCE = 0.8

DATA_DIR = Path(__file__).resolve().parent / "data"

# --- tuning constants -------------------------------------------------------------
_DEVANAGARI_MIN_SHARE = 0.3
_W_NE_LEXICON = 3.5  # log-odds for one romanized-Nepali lexicon word
_W_EN_LEXICON = 2.0  # log-odds for one English lexicon word
_W_SUFFIX = 2.5  # known stem + Nepali case suffix ("dubaima")
# A word unknown to the lexicons counts at most this much. English loanwords are common
# in romanized Nepali but Nepali words are rare in English, so an unknown English-looking
# word is weaker evidence than an unknown Nepali-looking one.
_NB_CLIP_NE = 2.0
_NB_CLIP_EN = 1.5
_NB_SCALE = 1.2
_LANGDETECT_BELOW = 2.5  # ask langdetect when |score| is below this
# langdetect is good at recognising English and poor at everything else on short texts,
# so its vote is asymmetric: p_en = 1 -> -1.5 (English), p_en = 0 -> +0.5.
_LANGDETECT_EN_WEIGHT = 1.5
_LANGDETECT_NOT_EN_WEIGHT = 0.5
_SHARED_ONLY_MIN_WORDS = 3  # "embassy phone number please": English word order, no Nepali
_SHARED_ONLY_WEIGHT = 0.35
_LANGDETECT_TRIALS = 3  # langdetect's default 7 costs ~2.5x the time for the same answer
_LANGDETECT_MAX_CHARS = 200  # bound its cost on long messages
_MIN_LATIN_LETTERS = 3
_LANGDETECT_PROFILES = ("en", "sw", "so", "tl", "id", "pt", "es", "it", "fi", "hr", "sk")
_NE_SUFFIXES = ("harulai", "haruko", "harule", "haru", "lai", "le", "ko", "ma", "maa")
_NE_SUFFIXES += ("bata", "sanga", "dekhi", "samma", "tira", "lagi")
# Postpositions, particles and verb forms that only Nepali grammar has (not "ma", "ho", "k":
# English has them too); one of them in Latin text with a positive score decides ne-Latn.
_NE_GRAMMAR = frozenset(
    {
        "ko", "lai", "le", "bata", "sanga", "chha", "cha", "xa", "chhaina", "chaina", "xaina",
        "hunchha", "huncha", "hunxa", "garnu", "garne", "parchha", "parcha", "parxa", "kasari",
        "kati", "kina", "kaha", "malai", "mero", "meri", "tapai", "tapailai", "hajur",
    }
)  # fmt: skip

_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|np|gov|info|io|me|ly)\b\S*",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[a-z]+")
_REPEAT_RE = re.compile(r"(.)\1{2,}")
_LAUGHTER_RE = re.compile(r"([hj][aeiou])\1+h?")


@dataclass(frozen=True)
class Detection:
    """Result of :func:`detect`."""

    form: str  # one of FORMS or UNKNOWN
    confidence: float  # 0..1
    reason: str  # short explanation, e.g. "devanagari-share=0.92"


# --- lazily loaded model ----------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    ne_words: frozenset[str]
    en_words: frozenset[str]
    shared: frozenset[str]
    gram_llr: dict[str, float]  # log P(g|ne-Latn) - log P(g|en)
    langdetect_factory: object | None


_model: _Model | None = None
_model_lock = threading.Lock()


def _read_words(name: str) -> list[str]:
    words: list[str] = []
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.extend(w.lower() for w in line.split())
    return words


def _read_lines(name: str) -> list[str]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def _grams(word: str) -> list[str]:
    padded = f"<{word}>"
    return [padded[i : i + n] for n in (2, 3, 4) for i in range(len(padded) - n + 1)]


def _train_grams(
    ne_tokens: list[str], en_tokens: list[str], alpha: float = 0.5
) -> dict[str, float]:
    ne_counts = Counter(g for w in ne_tokens for g in _grams(w))
    en_counts = Counter(g for w in en_tokens for g in _grams(w))
    vocab = set(ne_counts) | set(en_counts)
    ne_total = sum(ne_counts.values()) + alpha * len(vocab)
    en_total = sum(en_counts.values()) + alpha * len(vocab)
    return {
        g: math.log((ne_counts[g] + alpha) / ne_total) - math.log((en_counts[g] + alpha) / en_total)
        for g in vocab
    }


def _load_langdetect():
    try:
        import langdetect
        from langdetect.detector_factory import DetectorFactory
    except ImportError:  # pragma: no cover - langdetect is in both environments
        return None
    profiles = Path(langdetect.__file__).resolve().parent / "profiles"
    factory = DetectorFactory()
    factory.load_json_profile(
        [(profiles / code).read_text(encoding="utf-8") for code in _LANGDETECT_PROFILES]
    )
    factory.set_seed(0)
    return factory


def _load() -> _Model:
    shared = frozenset(_read_words("shared.txt"))
    ne_words = frozenset(_read_words("ne_latn_lexicon.txt")) - shared
    en_words = frozenset(_read_words("en_lexicon.txt")) - shared

    def tokens(lines: list[str], drop: frozenset[str]) -> list[str]:
        return [w for ln in lines for w in _WORD_RE.findall(_fold(ln)) if w not in drop]

    ne_tokens = tokens(_read_lines("train_ne_latn.txt"), shared | en_words) + sorted(ne_words)
    en_tokens = tokens(_read_lines("train_en.txt"), shared | ne_words) + sorted(en_words)
    return _Model(
        ne_words=ne_words,
        en_words=en_words,
        shared=shared,
        gram_llr=_train_grams(ne_tokens, en_tokens),
        langdetect_factory=_load_langdetect(),
    )


def _get_model() -> _Model:
    global _model
    model = _model
    if model is None:
        with _model_lock:
            if _model is None:
                _model = _load()
            model = _model
    return model


def warm_up() -> None:
    """Load the lexicons, train the n-gram model and load langdetect now."""
    _get_model()


# --- text helpers -------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower-case Latin text without accents or apostrophes."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("'", "").replace("\u2019", "")


def _is_devanagari_letter(ch: str) -> bool:
    # U+0900-U+097F minus dandas (0964-0965), digits (0966-096F) and abbreviation sign.
    return "\u0900" <= ch <= "\u097f" and not ("\u0964" <= ch <= "\u0970")


def _script_counts(text: str) -> tuple[int, int, int]:
    dev = latin = other = 0
    for ch in text:
        if _is_devanagari_letter(ch) or "\ua8e0" <= ch <= "\ua8ff":
            dev += 1
        elif ch.isalpha():
            if ord(ch) < 0x250 or "\u1e00" <= ch <= "\u1eff":
                latin += 1
            else:
                other += 1
    return dev, latin, other


# --- Latin classifier ---------------------------------------------------------------


def _word_score(model: _Model, word: str) -> tuple[float, str]:
    """Log-odds (positive = romanized Nepali) and the kind of evidence."""
    if _LAUGHTER_RE.fullmatch(word):  # "hahahaha", "hehehe": no language at all
        return 0.0, "shared"
    candidates = (word, _REPEAT_RE.sub(r"\1\1", word), _REPEAT_RE.sub(r"\1", word))
    for w in candidates:
        if w in model.shared:
            return 0.0, "shared"
        if w in model.ne_words:
            return _W_NE_LEXICON, "ne-lex"
        if w in model.en_words:
            return -_W_EN_LEXICON, "en-lex"
    for suffix in _NE_SUFFIXES:
        stem = word[: -len(suffix)]
        if (
            word.endswith(suffix)
            and len(stem) >= 3
            and (stem in model.shared or stem in model.ne_words)
        ):
            return _W_SUFFIX, "suffix"
    grams = _grams(word)
    llr = sum(model.gram_llr.get(g, 0.0) for g in grams) / len(grams)
    weight = 0.4 if len(word) <= 2 else 1.0
    score = max(-_NB_CLIP_EN, min(_NB_CLIP_NE, llr * _NB_SCALE * math.sqrt(len(word)))) * weight
    return score, "ngram"


def _langdetect_p_en(model: _Model, text: str) -> float | None:
    factory = model.langdetect_factory
    if factory is None:
        return None
    try:
        detector = factory.create()  # type: ignore[attr-defined]
        detector.n_trial = _LANGDETECT_TRIALS
        detector.append(text)
        probabilities = detector.get_probabilities()
    except Exception:  # langdetect raises on text without features
        return None
    return next((p.prob for p in probabilities if p.lang == "en"), 0.0)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _detect_latin(model: _Model, text: str) -> Detection:
    words = _WORD_RE.findall(_fold(text))
    scores = [_word_score(model, w) for w in words]
    informative = [s for s, kind in scores if kind != "shared" and abs(s) >= 0.3]
    if not informative:
        if len(words) >= _SHARED_ONLY_MIN_WORDS:
            # Only loanwords/fillers, but several of them with no Nepali grammar at all:
            # lean to English, below the usual switching threshold.
            confidence = round(_sigmoid(_SHARED_ONLY_WEIGHT * len(words)), 4)
            return Detection(EN, confidence, f"latin-shared-only={len(words)}")
        return Detection(UNKNOWN, 0.0, "latin-no-evidence")
    total = sum(s for s, _ in scores)
    reason = f"latin-score={total:.2f}"
    # Nepali grammar ("bal helpline ko number") makes Latin text ne-Latn by the labelling
    # convention, however English its nouns: langdetect, which only sees the nouns, is not asked.
    grammar = total > 0 and any(w in _NE_GRAMMAR for w in words)
    if grammar:
        reason += ";ne-grammar"
    elif abs(total) < _LANGDETECT_BELOW:
        p_en = _langdetect_p_en(model, " ".join(words)[:_LANGDETECT_MAX_CHARS])
        if p_en is not None:
            total += _LANGDETECT_NOT_EN_WEIGHT * (1.0 - p_en) - _LANGDETECT_EN_WEIGHT * p_en
            reason += f";langdetect-en={p_en:.2f}"
    if total == 0:
        return Detection(UNKNOWN, 0.5, reason)
    form = NE_LATN if total > 0 else EN
    # a detection is never certain: 1.0 is kept for explicit requests
    return Detection(form, min(0.999, round(_sigmoid(abs(total)), 4)), reason)


# --- public API ---------------------------------------------------------------------


def detect(text: str) -> Detection:
    """Detect the form of ``text``; ``UNKNOWN`` when it is too short or ambiguous."""
    if not text or not text.strip():
        return Detection(UNKNOWN, 0.0, "empty")
    cleaned = _URL_RE.sub(" ", unicodedata.normalize("NFC", text))
    dev, latin, other = _script_counts(cleaned)
    letters = dev + latin + other
    if letters == 0:
        return Detection(UNKNOWN, 0.0, "url-only" if cleaned != text else "no-letters")
    share = dev / letters
    if share >= _DEVANAGARI_MIN_SHARE:
        confidence = round(0.7 + 0.29 * share, 4)
        return Detection(NE, confidence, f"devanagari-share={share:.2f}")
    if other > latin:
        return Detection(UNKNOWN, 0.0, f"other-script-share={other / letters:.2f}")
    if latin < _MIN_LATIN_LETTERS:
        return Detection(UNKNOWN, 0.0, "too-short")
    return _detect_latin(_get_model(), cleaned)


# Explicit requests ------------------------------------------------------------------

_CODES = {
    "en": EN,
    "eng": EN,
    "np": NE,
    "ne": NE,
    "नेपाली": NE,
    "rn": NE_LATN,
    "roman": NE_LATN,
}


def _wordset(*chunks: str) -> frozenset[str]:
    return frozenset(" ".join(chunks).split())


_EN_NAMES = _wordset(
    "english eng engl inglish englis englsh angreji angrezi angreji angregi angrejee "
    "अंग्रेजी अङ्ग्रेजी अंग्रेज़ी इङ्लिस इंग्लिस इङ्ग्लिस इंग्लिश इङ्लिश",
)
_NE_NAMES = _wordset("nepali nepaali nepalee nepalii nepli devanagari नेपाली नेपालि")
_ROMAN_NAMES = _wordset("roman romanized romanised romanize romani रोमन")
_LETTER_WORDS = _wordset("letter letters akshar akshyar lipi script अक्षर अक्षरमा लिपि लिपिमा")
_REQUEST_WORDS = _wordset(
    "please pls plz plzz in to into me us i we you can could want prefer only use using "
    "switch change reply replies answer respond write talk speak text chat language lang "
    "bhasa bhasha bhasama bhashama ma maa ni na hai ok okay sir dai didi hajur "
    "lekha lekhnus lekhnu lekhnuhos lekhnuhosh lekhdinus lekhera lekh bola bolnus bolnu "
    "bolnuhos bhana bhannus bhanus bhannuhos garnus garnu garnuhos kura gara malai "
    "kripaya with text messages the "
    "मा कृपया लेख्नुस लेख्नुहोस् लेख्नुहोस लेख्नु लेख बोल्नुस बोल्नुहोस् बोल्नुहोस बोल "
    "भन्नुस भन्नुहोस् भन्नुहोस भाषा भाषामा गर्नुस गर्नुहोस् मलाई कुरा न है हजुर",
)
# "english hoina nepali ma", "not english, nepali please": the negated name is dropped.
_NEGATIONS_AFTER = _wordset("hoina haina hoena hoin hoinna nahi होइन हैन होईन नभई")
_NEGATIONS_BEFORE = _wordset("not no dont never")
_REQ_TOKEN_RE = re.compile(r"[a-z]+|[\u0900-\u0963\u0971-\u097f]+")


def _strip_ma(token: str) -> str:
    for suffix in ("मा", "ma", "maa"):
        if token.endswith(suffix) and len(token) > len(suffix) + 2:
            base = token[: -len(suffix)]
            if base in _EN_NAMES or base in _NE_NAMES or base in _ROMAN_NAMES:
                return base
    return token


def requested_form(text: str) -> str | None:
    """The form the user explicitly asks for, or None (see the module docstring)."""
    if not text:
        return None
    normalized = unicodedata.normalize("NFC", text).lower()
    normalized = normalized.replace("\u200c", "").replace("\u200d", "")
    tokens = [_strip_ma(t) for t in _REQ_TOKEN_RE.findall(normalized)]
    if not tokens or len(tokens) > 8:
        return None
    if len(tokens) == 1 and tokens[0] in _CODES:
        return _CODES[tokens[0]]
    named: list[str] = []
    has_letters_word = False
    for i, token in enumerate(tokens):
        if token in _EN_NAMES:
            form = EN
        elif token in _NE_NAMES:
            form = NE
        elif token in _ROMAN_NAMES:
            form = NE_LATN
        elif token in _LETTER_WORDS:
            has_letters_word = True
            continue
        elif token in _REQUEST_WORDS or token in _NEGATIONS_AFTER or token in _NEGATIONS_BEFORE:
            continue
        else:
            return None
        negated = (i + 1 < len(tokens) and tokens[i + 1] in _NEGATIONS_AFTER) or (
            i > 0 and tokens[i - 1] in _NEGATIONS_BEFORE
        )
        if not negated:
            named.append(form)
    if not named:
        return None
    if NE_LATN in named:
        return NE_LATN
    if has_letters_word and NE in named and EN in named:
        return NE_LATN
    return named[-1]


@dataclass(frozen=True)
class FormDecision:
    """The form to answer one message in, and why (``source``)."""

    form: str
    source: str  # "explicit" | "detected" | "conversation" | "default"


def decide_form(
    current: str | None,
    text: str,
    choice: str | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> FormDecision:
    """The one language decision per message: an explicit request in the text ("nepali ma",
    "EN"), else an explicit choice made outside the text (the widget's language button), else
    a confident detection, else the conversation's form, else English."""
    requested = requested_form(text)
    if requested is not None:
        return FormDecision(requested, "explicit")
    if choice in FORMS:
        return FormDecision(choice, "explicit")
    detection = detect(text)
    confident = detection.form in FORMS and detection.confidence >= min_confidence
    # One Latin word ("fees", "back", "salary" in a romanized-Nepali conversation) is a
    # loanword as often as a change of language: it keeps the conversation's form.
    one_latin_word = detection.form in (EN, NE_LATN) and len(_WORD_RE.findall(_fold(text))) == 1
    if confident and not (one_latin_word and current in FORMS):
        return FormDecision(detection.form, "detected")
    if current in FORMS:
        return FormDecision(current, "conversation")
    return FormDecision(EN, "default")


def choose_form(
    current: str | None, text: str, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> str:
    """The form to answer in: explicit request, else confident detection, else current,
    else English."""
    return decide_form(current, text, None, min_confidence).form
