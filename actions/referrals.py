"""action_find_referrals: verified services by need and place, from the gateway directory.

Intents: ``find_service`` ("I need a safe place in Kathmandu", "ktm ma kanuni sahayata"),
``followup_place`` ("and in Pokhara?", "पोखरामा नि?", or a bare place answering "which
district?") and, right after a search, ``followup_country`` ("and Qatar?"; see
data/rules/referrals.yml).

- Need: a need word in the message (data/vocabulary.yml, all three forms), else, on a follow-up,
  the need of the last search (slot ``referral_need``). Only taxonomy codes are sent: the
  gateway rejects need words it does not know, and a code cannot be misread.
- Place: see ``place_query``.
- Reply: ``clarify`` -> its question (already in the person's form), the need stays in the
  slot so that the answer completes the search; results -> up to 2 services within 3 SMS
  segments (SMS, WhatsApp) or up to 5 with hours and languages (web); no verified match ->
  an honest "no checked service there yet" plus the gateway's verified national fallback;
  gateway unreachable -> 1145 and 100 (verified national helplines) and no service at all.

Every phone number, name and website shown comes from the gateway's answer (verified entries
only; actions.gateway_client drops anything else). This module writes no number of its own
except 1145 and 100 in actions/messages.py.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import gateway_client
from actions.context import channel_of, language_of, latest_entity, latest_intent, latest_text
from actions.guard import SafeAction
from actions.handoff import request_handoff
from actions.messages import message
from actions.reporting import report_turn
from bot.knowledge.forms import EN, NE
from bot.safety import RUNNER_UP_MIN, emergency_response, is_danger
from bot.sms_segments import fits
from bot.vocabulary import vocabulary

SMS_MAX_SERVICES = 2
SMS_MAX_SEGMENTS = 3
WEB_MAX_SERVICES = 5
FOLLOWUP_INTENTS = ("followup_place", "followup_country")
# Need codes, and the words people use for them, from data/vocabulary.yml (the gateway's
# taxonomy reads the same file). Latin words match at a word start ("lawyer" matches
# "lawyers", "sheltr" is listed as typed); Devanagari words match anywhere, because
# postpositions attach ("आश्रयमा", "वकिलको"). The earliest word in the message wins, the
# longer one on a tie. For ABROAD_NEEDS, a country named in the message is the place to
# search, not the person's district.
NEED_WORDS: dict[str, tuple[str, ...]] = {
    code: need.words for code, need in vocabulary().needs.items()
}
ABROAD_NEEDS = tuple(code for code, need in vocabulary().needs.items() if need.abroad)

# Words with no place in them, dropped before the text goes to the gateway's place matcher
# (which drops postpositions and its own fillers itself): fewer words, fewer fuzzy near-misses.
_FILLER_TEXT = """
    i im i'm am is are a an the and or what about how any also same then there one near me
    my for to of on please pls plz where can get find want need needs help urgent nearest
    service services centre center office organisation contact list number tonight
    sister brother husband wife daughter son mother father didi dai bhai bahini chhori
    shriman ani ni ta chahi chahiyo chaiyo kaha xa cha chha paincha garne jane ko lagi
    pani kunai k ho la hai ma sahayog maddat chu chhu xu basxu baschu bhaneko haina tyaha
    म मेरो मेरी अनि नि त चाहिँ चाहियो कहाँ छ छन् छु पाइन्छ गर्ने जाने लागि पनि कुनै के हो
    सहयोग मद्दत नजिक
    safe place thau surakshit sahayata embassy dutawas dutabas phone
    सुरक्षित ठाउँ ठाउ सहायता दूतावास एम्बेसी नम्बर फोन
"""
_DEVANAGARI_SUFFIXES = ("मा", "को", "का", "की", "लाई", "ले", "बाट", "तिर")
_FILLERS = frozenset(_FILLER_TEXT.split())
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _word_pattern(word: str) -> re.Pattern[str]:
    if _DEVANAGARI.search(word):
        return re.compile(re.escape(_norm(word)))
    return re.compile(rf"(?<![a-z]){re.escape(_norm(word))}")


_NEED_PATTERNS = [
    (code, word, _word_pattern(word)) for code, words in NEED_WORDS.items() for word in words
]


def find_need(text: str | None) -> str | None:
    """The need code named in ``text`` (earliest word, then longest), or None."""
    if not text:
        return None
    norm = _norm(text) + " "
    best: tuple[int, int, str] | None = None
    for code, word, pattern in _NEED_PATTERNS:
        match = pattern.search(norm)
        if match:
            candidate = (match.start(), -len(word), code)
            best = candidate if best is None or candidate < best else best
    return best[2] if best else None


def strip_need_words(text: str) -> str:
    """``text`` without need words and fillers: what may name a place."""
    norm = _norm(text) + " "
    for _code, _word, pattern in sorted(_NEED_PATTERNS, key=lambda p: -len(p[1])):
        # remove the whole token the need word starts ("lawyers", "आश्रयमा" keeps no place)
        norm = re.sub(pattern.pattern + r"\S*", " ", norm)
    words = re.sub(r"[,.;:!?()\"'`]+", " ", norm).split()
    return " ".join(w for w in words if _bare(w) not in _FILLERS)


def _bare(word: str) -> str:
    """A Devanagari word without its postposition ("दूतावासको" -> "दूतावास")."""
    for suffix in _DEVANAGARI_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: -len(suffix)]
    return word


def place_query(tracker: Tracker, need: str | None) -> str:
    """What to send as ``place``.

    1. An extracted entity when there is one: a lookup-table hit (data/nlu/lookups/places.yml,
       generated from data/geo; country.yml for countries) is exactly one clean name, so the
       gateway's fuzzy matcher never sees the rest of the message. A country wins over a
       Nepal place when the need is help abroad (or no need is named: "my sister is in Dubai").
    2. Otherwise the message text minus need words and fillers. Lookup regexes miss
       Devanagari names with attached postpositions ("काठमाडौंमा") and typos ("pokharaa");
       the gateway's matcher strips postpositions, folds spellings and fuzzy-matches, and
       asks instead of guessing, so it is the one place matcher the bot relies on.
    """
    place = latest_entity(tracker, "place")
    country = latest_entity(tracker, "country")
    if country and (need is None or need in ABROAD_NEEDS or not place):
        return country
    if place:
        return place
    return strip_need_words(latest_text(tracker))


# --- formatting ---------------------------------------------------------------------------


def _pick(names: Any, form: str) -> str:
    """A name in the person's form: Devanagari for ne (English if missing), else English."""
    if not isinstance(names, dict):
        return ""
    en = str(names.get("en") or "").strip()
    ne = str(names.get("ne") or "").strip()
    return (ne or en) if form == NE else (en or ne)


def _both_scripts(names: Any, form: str) -> str:
    """Web: the name in both scripts where known ("Name (नाम)"); ne-Latn gets English only."""
    first = _pick(names, form)
    if form not in (EN, NE) or not isinstance(names, dict):
        return first
    other = str(names.get("en" if form == NE else "ne") or "").strip()
    return f"{first} ({other})" if other and other != first else first


def _phone(service: dict[str, Any]) -> str:
    phone = service.get("phone")
    return str(phone).strip() if isinstance(phone, str | int) and str(phone).strip() else ""


def _website(service: dict[str, Any]) -> str:
    site = service.get("website")
    return site.strip() if isinstance(site, str) else ""


def _hours(service: dict[str, Any], form: str) -> str:
    if service.get("open_24h") is True:
        return message("open_24h", form)
    return _pick(service.get("hours"), form)


def _languages(service: dict[str, Any], form: str) -> str:
    codes = [c for c in service.get("languages") or [] if isinstance(c, str)]
    names = [message(f"language_{c}", form) if c in ("en", "ne") else c for c in codes]
    return ", ".join(names)


def contactable(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only services the person can reach (a phone or a website from the gateway)."""
    return [s for s in services if _phone(s) or _website(s)]


def sms_line(service: dict[str, Any], form: str, compact: bool = False) -> str:
    """One service for SMS/WhatsApp: name in one script (Devanagari would make an English or
    Roman-Nepali SMS UCS-2, a third of the room), phone or website, and 24h if open 24h."""
    name = _pick(service.get("name"), form)
    contact = _phone(service) or _website(service)
    line = f"- {name}: {contact}"
    if not compact and service.get("open_24h") is True:
        line += f" ({message('open_24h', form)})"
    return line


def web_block(service: dict[str, Any], form: str) -> str:
    org = _pick(service.get("organisation"), form)
    name = _both_scripts(service.get("name"), form)
    lines = [f"- {name}" + (f" ({org})" if org and org not in name else "")]
    contact = []
    if _phone(service):
        contact.append(f"{message('phone_label', form)}: {_phone(service)}")
    if _website(service):
        contact.append(_website(service))
    if contact:
        lines.append("  " + " | ".join(contact))
    details = []
    hours = _hours(service, form)
    if hours:
        details.append(f"{message('hours_label', form)}: {hours}")
    languages = _languages(service, form)
    if languages:
        details.append(f"{message('languages_label', form)}: {languages}")
    if isinstance(service.get("last_verified"), str) and service["last_verified"]:
        details.append(f"{message('checked_label', form)}: {service['last_verified']}")
    if details:
        lines.append("  " + " | ".join(details))
    return "\n".join(lines)


def format_services(intro: str, services: list[dict[str, Any]], form: str, channel: str) -> str:
    if channel == "web":
        blocks = [web_block(s, form) for s in services[:WEB_MAX_SERVICES]]
        return "\n".join([intro, *blocks])
    # SMS-like: at most two services, all within 3 segments; drop the second if it does not
    # fit, then the extras of the first.
    chosen = services[:SMS_MAX_SERVICES]
    for count in range(len(chosen), 0, -1):
        for compact in (False, True):
            text = "\n".join([intro, *(sms_line(s, form, compact) for s in chosen[:count])])
            if fits(text, SMS_MAX_SEGMENTS):
                return text
    return "\n".join([intro, sms_line(chosen[0], form, compact=True)])  # rare: send anyway


def need_label(answer: dict[str, Any], form: str) -> str:
    labels = (answer.get("need") or {}).get("label")
    if isinstance(labels, dict) and labels.get(form):
        return str(labels[form])
    return message("any_need", form)


def place_label(answer: dict[str, Any], form: str, fallback: str) -> str:
    return _pick((answer.get("place") or {}).get("name"), form) or fallback


def danger_runner_up(parse_data: dict[str, Any]) -> str | None:
    """A danger intent close behind this search ("my sister is locked in, need help in
    Dubai"): the emergency numbers go first and a counsellor is asked, as for knowledge
    answers (bot.safety)."""
    for item in parse_data.get("intent_ranking") or []:
        name = str(item.get("name") or "")
        if is_danger(name) and float(item.get("confidence") or 0.0) >= RUNNER_UP_MIN:
            return name
    return None


class ActionFindReferrals(SafeAction):
    def name(self) -> str:
        return "action_find_referrals"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        danger = danger_runner_up(tracker.latest_message)
        if danger:
            dispatcher.utter_message(response=emergency_response(danger))
        events = await self.search(dispatcher, tracker)
        report_turn(dispatcher, "referral", family="referrals")
        if danger:
            events += await request_handoff(dispatcher, tracker, "danger", "urgent", danger)
        return events

    async def search(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        form, channel = language_of(tracker), channel_of(tracker)
        text = latest_text(tracker)
        need = find_need(text)
        # Keep the last need on "and in Pokhara?", and on any answer to our "where?" question
        # (whatever intent the answer was classified as).
        followup = latest_intent(tracker) in FOLLOWUP_INTENTS
        if need is None and (followup or tracker.get_slot("referral_pending")):
            need = tracker.get_slot("referral_need") or None
        place = place_query(tracker, need)
        events: list[dict[str, Any]] = [SlotSet("referral_need", need)]
        asked = [SlotSet("referral_pending", True)]
        if not place:  # "I need a lawyer": ask where, keep the need for the answer
            dispatcher.utter_message(text=message("referrals_ask_place", form))
            return events + asked
        events.append(SlotSet("referral_pending", False))

        limit = WEB_MAX_SERVICES if channel == "web" else SMS_MAX_SERVICES
        answer = await gateway_client.find_referrals(tracker.sender_id, need, place, form, limit)
        if answer is None:
            dispatcher.utter_message(text=message("referrals_unavailable", form))
            return events
        if answer["clarify"]:
            dispatcher.utter_message(text=answer["clarify"]["question"])
            return events[:-1] + asked

        where = place_label(answer, form, place)
        events.append(SlotSet("referral_place", where))
        header = f"{need_label(answer, form)}, {where}"  # "Safe shelter, Kathmandu"
        header = header[:1].upper() + header[1:]
        results = contactable(answer["results"])
        if results and not answer["no_verified_match"]:
            intro = f"{header} - {message('referrals_found', form)}"
            dispatcher.utter_message(text=format_services(intro, results, form, channel))
            return events
        fallback = contactable(answer["fallback"])[:1]
        if fallback:
            intro = f"{header}: {message('referrals_no_match', form)}"
            dispatcher.utter_message(text=format_services(intro, fallback, form, channel))
        else:
            text = f"{header}: {message('referrals_no_match_no_fallback', form)}"
            dispatcher.utter_message(text=text)
        return events
