"""Recognise the short messages a classifier cannot be trusted with (pure).

- a bare choice: "2", "२", "two", "dui", "दुई", "option 2", "no. 3", "second";
- going back: "0", "back", "पछाडि", "pachadi"; asking for the menu: "menu", "मेनु";
- one to a few topic words: "visa", "agent", "kati paisa", "राहदानी", "bima", "visa fee".

A classifier trained on sentences gives a one-word message a near-random ranking; these
messages are common on basic phones and in answer to a menu, so they are matched against
data/topics.yml instead. Matching folds spellings (bot.understanding.normalise), drops
Devanagari postpositions ("राहदानीको") and filler words ("about", "ko barema", "के हो"), and
covers the rest with the longest listed phrases. Every remaining word must be covered:
"visa kasari line" is "visa" + fillers, but "visa ma problem bhayo" is a sentence, left to
the classifier.

Topic words combine by intersection when that leaves something ("visa fee": the one topic
both name), else by union when that stays small ("passport salary"). A family word stands
for the family's screen (or, when combined, for its topics).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from bot.knowledge.countries import countries
from bot.understanding.normalise import fold_token
from bot.understanding.topics import HUMAN, MAX_CHOICES, Topics, load_topics

MAX_WORDS = 6  # longer messages are sentences: the classifier's job
MAX_UNION = 4  # more topics than this from unrelated words is no answer at all

_NUMBER_WORDS = {
    1: "one first 1st ek pahilo pahila एक पहिलो",
    2: "two second 2nd dui dosro दुई दोस्रो",
    3: "three third 3rd tin tesro तीन तेस्रो",
    4: "four fourth 4th char chautho चार चौथो",
    5: "five fifth 5th panch pachau पाँच पाँचौँ",
    6: "six sixth 6th छ छैटौँ",
    7: "seven seventh 7th saat sat सात",
    8: "eight eighth 8th aath आठ",
    9: "nine ninth 9th nau नौ",
}
_BACK_WORDS = "0 back go back previous return pachadi pachhadi pachhi farka पछाडि पछाडी फर्क"
# Words around a bare number: "option 2", "number 3", "2 ho", "no. 1", "नम्बर २".
_CHOICE_FILLERS = "option opt number num no choice select choose ho wala please pls नम्बर हो वाला"
_FILLERS = """
    a an the i me my we you your is are am was be do does did can could will would should
    what which who whom how where when why about of on in to for from with and or
    please pls plz tell know want need ask question questions info information details
    detail regarding related any some more much explain meaning mean ok okay sir madam
    ko ka ki ma maa le lai bare barema baare bharema kura jankari janakari chahiyo chaiyo
    chahincha bhannus bhanus bhandinus dinus sodhnu sodhna k ke ho hunchha huncha cha chha
    xa hola ni ta pani ra hajur dai didi kasari kina kaha kun line lina paune garne garnu
    parcha parchha parxa bisaya bishaya barama kati help show see list dekhau dekhaunus
    job jobs work kaam kam jagir naukari
    dekhaunu dekhaidinus
    को का की मा ले लाई बारे बारेमा कुरा जानकारी चाहियो भन्नुहोस् भन्नुस के हो छ हुन्छ नि त
    पनि र हजुर कसरी किन कहाँ कुन लिने पाउने गर्ने विषय कति देखाउनुस देखाउनुहोस् काम जागिर
"""
_DEVANAGARI_POSTPOSITIONS = ("हरूलाई", "हरूको", "लाई", "बाट", "सँग", "मा", "को", "का", "की", "ले")
_PUNCTUATION = re.compile(r"[?!.,;:।॥'\"()\[\]{}<>/\\|*#+=_~`^-]+")
_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_DEVA_FOLD = str.maketrans({"ँ": "", "ं": "", "ः": "", "्": "", "़": "", "ी": "ि", "ू": "ु",
                            "ई": "इ", "ऊ": "उ", "व": "ब", "श": "स", "ष": "स"})  # fmt: skip


@dataclass(frozen=True)
class Recognition:
    """What a short message is.

    kind: "choice" (number 1-9 in ``choice``), "back", "menu", "human",
          "topics" (``topics``: one or more topic ids), "node" (``node``: a menu screen)
    """

    kind: str
    choice: int | None = None
    topics: tuple[str, ...] = ()
    node: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "choice": self.choice, "topics": list(self.topics),
                "node": self.node}  # fmt: skip


def fold_word(word: str) -> str:
    """The matching key of one word in either script."""
    if _DEVANAGARI.search(word):
        folded = unicodedata.normalize("NFC", word).translate(_DEVA_FOLD)
        return re.sub(r"(.)\1+", r"\1", folded)
    return fold_token(word)


def words_of(text: str) -> list[str]:
    """Lower-cased words without punctuation; Devanagari digits as ASCII."""
    text = unicodedata.normalize("NFC", text).casefold().translate(_DEVANAGARI_DIGITS)
    text = text.replace("\u200c", "").replace("\u200d", "")
    return _PUNCTUATION.sub(" ", text).split()


@cache
def _folded_set(text: str) -> frozenset[str]:
    return frozenset(fold_word(w) for w in text.split())


def _phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(fold_word(w) for w in words_of(phrase))


@dataclass(frozen=True)
class _Lexicon:
    phrases: dict[tuple[str, ...], frozenset[str]]  # folded phrase -> targets
    longest: int
    numbers: dict[str, int]
    back: frozenset[tuple[str, ...]]
    context: frozenset[str]  # words that may stand around topic words (country names)


_LEXICONS: dict[int, _Lexicon] = {}


def _lexicon(topics: Topics) -> _Lexicon:
    """The lexicon of a Topics object (built once per object)."""
    found = _LEXICONS.get(id(topics))
    if found is None:
        found = _LEXICONS[id(topics)] = _build_lexicon(topics)
    return found


def _build_lexicon(topics: Topics) -> _Lexicon:
    phrases: dict[tuple[str, ...], set[str]] = {}

    def add(words: tuple[str, ...], target: str) -> None:
        for phrase in words:
            key = _phrase_key(phrase)
            if key:
                phrases.setdefault(key, set()).add(target)

    for node_id, node in topics.nodes.items():
        add(node.words, node_id)
    for topic, words in topics.topic_words.items():
        add(words, topic)
    for other, words in topics.other_words.items():
        add(words, other)
    numbers = {fold_word(w): n for n, words in _NUMBER_WORDS.items() for w in words.split()}
    numbers.update({str(n): n for n in range(1, 10)})
    back = frozenset(_phrase_key(p) for p in ("0", *_BACK_WORDS.split(), "go back"))
    # Country names are context, not topics ("qatar visa"): the answer uses them later.
    country_words = frozenset(
        fold_word(word) for country in countries().values() for name in country.names
        for word in words_of(name)
    )  # fmt: skip
    return _Lexicon(
        phrases={key: frozenset(targets) for key, targets in phrases.items()},
        longest=max(len(key) for key in phrases),
        numbers=numbers,
        back=back,
        context=country_words,
    )


def _strip_postposition(word: str, known: set[str]) -> str:
    for suffix in _DEVANAGARI_POSTPOSITIONS:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            base = word[: -len(suffix)]
            if base in known:
                return base
    return word


def recognise(text: str, topics: Topics | None = None) -> Recognition | None:
    """What ``text`` is, if it is a bare choice, a menu word or a few topic words; else None."""
    topics = topics or load_topics()
    lexicon = _lexicon(topics)
    raw_words = words_of(text)
    if not raw_words or len(raw_words) > MAX_WORDS:
        return None
    folded = [fold_word(w) for w in raw_words]

    # 1. a bare choice or "back", possibly with a word around it ("option 2", "2 ho")
    core = [w for w in folded if w not in _folded_set(_CHOICE_FILLERS)]
    if len(core) == 1 and core[0] in lexicon.numbers:
        return Recognition("choice", choice=lexicon.numbers[core[0]])
    if tuple(core) in lexicon.back or tuple(folded) in lexicon.back:
        return Recognition("back")

    # 2. topic, family, menu and counsellor words covering every non-filler word
    known_single = {key[0] for key in lexicon.phrases if len(key) == 1}
    folded = [_strip_postposition(w, known_single) for w in folded]
    fillers = _folded_set(_FILLERS) | lexicon.context
    targets: list[frozenset[str]] = []
    i = 0
    while i < len(folded):
        for size in range(min(lexicon.longest, len(folded) - i), 0, -1):
            key = tuple(folded[i : i + size])
            if key in lexicon.phrases:
                targets.append(lexicon.phrases[key])
                i += size
                break
        else:
            if folded[i] not in fillers:
                return None  # a word we do not know: a sentence, not a topic word
            i += 1
    if not targets:
        return None
    return _combine(targets, topics)


def _combine(targets: list[frozenset[str]], topics: Topics) -> Recognition | None:
    """One recognition from the targets of each matched phrase."""
    flat = set().union(*targets)
    if flat == {"menu"}:
        return Recognition("menu")
    if HUMAN in flat:
        return Recognition("human") if flat == {HUMAN} else None
    flat.discard("menu")
    if len(targets) == 1 and len(flat) == 1 and next(iter(flat)) in topics.nodes:
        return Recognition("node", node=next(iter(flat)))
    # expand screens to their topics, keeping menu order within each phrase
    sets: list[list[str]] = []
    for target_set in targets:
        expanded: list[str] = []
        for target in sorted(target_set - {"menu"}, key=_menu_order(topics)):
            for topic in topics.topics_under(target) if target in topics.nodes else [target]:
                if topic not in expanded:
                    expanded.append(topic)
        if expanded:
            sets.append(expanded)
    if not sets:
        return None
    common = [t for t in sets[0] if all(t in other for other in sets[1:])]
    if common:
        chosen = common
    else:
        chosen = list(dict.fromkeys(t for s in sets for t in s))
        if len(chosen) > MAX_UNION:
            return None
    # a whole screen's worth of topics: show that screen
    for node_id in topics.nodes:
        if node_id != "root" and set(topics.topics_under(node_id)) == set(chosen):
            return Recognition("node", node=node_id)
    return Recognition("topics", topics=tuple(chosen[:MAX_CHOICES]))


def _menu_order(topics: Topics):
    order = {topic: i for i, topic in enumerate(topics.topics_under("root"))}
    order.update({node: -1 for node in topics.nodes})
    return lambda target: (order.get(target, len(order)), target)
