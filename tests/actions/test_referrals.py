"""action_find_referrals against a real local HTTP server speaking the gateway's
GET /api/referrals contract (webhooks/referrals/api.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from actions import gateway_client
from actions.referrals import (
    ABROAD_NEEDS,
    NEED_WORDS,
    ActionFindReferrals,
    find_need,
    place_query,
)
from actions.settings import Settings
from bot.sms_segments import count_segments, fits
from bot.vocabulary import vocabulary
from scripts.content_check import phone_numbers
from tests.actions.helpers import TOKEN, reports, texts

NEPALI = {"en": "Kathmandu", "ne": "काठमाडौं"}


def service(
    slug: str,
    name_en: str,
    name_ne: str,
    phone: str | None,
    *,
    org: tuple[str, str] = ("Sahara Women's Network", "सहारा महिला सञ्जाल"),
    open_24h: bool = False,
    hours: tuple[str, str] = ("Sun-Fri 10am to 5pm", "आइत-शुक्र १० देखि ५ बजे"),
    languages: tuple[str, ...] = ("ne", "en"),
    level: str = "district",
    verified: bool = True,
    website: str | None = None,
) -> dict[str, Any]:
    return {
        "slug": slug,
        "match_level": level,
        "name": {"en": name_en, "ne": name_ne},
        "organisation": {"en": org[0], "ne": org[1]},
        "description": {"en": "Call 015550123 for details", "ne": None},
        "phone": phone,
        "website": website,
        "email": None,
        "hours": {"en": hours[0], "ne": hours[1]},
        "open_24h": open_24h,
        "languages": list(languages),
        "verified": verified,
        "last_verified": "2026-11-24",
        "source": ["fact sheet"],
    }


SHELTER_KTM = service("ktm-shelter", "Safe Home Kathmandu", "सुरक्षित घर काठमाडौं", "014412345")
SHELTER_LALIT = service(
    "lalit-shelter", "Transit Home Lalitpur", "ट्रान्जिट होम ललितपुर", "015523456", level="province"
)
HELPLINE_1145 = service(
    "nwc-helpline-1145",
    "Khabar Garaun helpline 1145",
    "खबर गरौं हेल्पलाइन ११४५",
    "1145",
    org=("National Women Commission", "राष्ट्रिय महिला आयोग"),
    open_24h=True,
    level="national",
)
HELLO_SARKAR = service(
    "hello-sarkar-1111", "Hello Sarkar 1111", "हेलो सरकार", "1111", open_24h=True, level="national"
)


def payload(
    results: list[dict[str, Any]],
    *,
    need: str | None = "shelter",
    place: dict[str, str] | None = NEPALI,
    clarify: dict[str, Any] | None = None,
    fallback: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    labels = {
        "shelter": {"en": "Safe shelter", "ne": "सुरक्षित आश्रय", "ne-Latn": "surakshit aashray"},
        "legal_aid": {"en": "Legal aid", "ne": "कानुनी सहायता", "ne-Latn": "kanuni sahayata"},
    }
    return {
        "query": {"need": need, "place": "", "lang": "en"},
        "verified_only": True,
        "need": {"code": need, "label": labels[need]} if need else None,
        "place": {"status": "matched", "kind": "district", "name": place}
        if place
        else {"status": "unknown"},
        "clarify": clarify,
        "results": results,
        "no_verified_match": not any(r["verified"] for r in results),
        "fallback": fallback or [],
    }


@dataclass
class FakeDirectory:
    url: str = ""
    reply: dict[str, Any] = field(default_factory=lambda: payload([SHELTER_KTM, SHELTER_LALIT]))
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    handoffs: list[dict[str, Any]] = field(default_factory=list)


@pytest_asyncio.fixture
async def directory(monkeypatch):
    """A real HTTP server on 127.0.0.1: GET /api/referrals (and POST /internal/handoffs)."""
    state = FakeDirectory()

    async def referrals(request: web.Request) -> web.Response:
        state.requests.append(
            {"auth": request.headers.get("Authorization"), "params": dict(request.query)}
        )
        return web.json_response(state.reply, status=state.status)

    async def handoffs(request: web.Request) -> web.Response:
        state.handoffs.append(await request.json())
        reply = {"queued": True, "on_duty": True, "expected_wait_minutes": 5}
        return web.json_response(reply)

    app = web.Application()
    app.router.add_get("/api/referrals", referrals)
    app.router.add_post("/internal/handoffs", handoffs)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    state.url = str(server.make_url("")).rstrip("/")
    settings = Settings(gateway_url=state.url, internal_api_token=TOKEN, gateway_timeout_s=1.0)
    monkeypatch.setattr(gateway_client, "get_settings", lambda: settings)
    yield state
    await server.close()


async def find(tracker, dispatcher, domain) -> list[dict[str, Any]]:
    return await ActionFindReferrals().run(dispatcher, tracker, domain)


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def place_entity(value: str, entity: str = "place") -> list[dict[str, Any]]:
    return [{"entity": entity, "value": value, "extractor": "RegexEntityExtractor"}]


def numbers_in(data: Any) -> set[str]:
    """Every phone field of the verified entries of an API answer."""
    found = set()
    for item in (data.get("results") or []) + (data.get("fallback") or []):
        if item.get("verified") and item.get("phone"):
            found.add(re.sub(r"\D", "", item["phone"]))
    return found


# --- the request -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_request_sends_need_code_place_entity_language_and_token(
    directory, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "find_service", "I need a safe place in Kathmandu", entities=place_entity("Kathmandu")
    )
    events = await find(tracker, dispatcher, domain)
    (request,) = directory.requests
    assert request["auth"] == f"Bearer {TOKEN}"
    assert request["params"] == {
        "need": "shelter",
        "place": "Kathmandu",
        "lang": "en",
        "limit": "2",
    }
    assert slots(events) == {
        "referral_need": "shelter",
        "referral_pending": False,
        "referral_place": "Kathmandu",
    }
    assert reports(dispatcher) == [{"outcome": "referral", "family": "referrals"}]


@pytest.mark.asyncio
async def test_devanagari_place_with_postposition_goes_to_the_gateway_as_text(
    directory, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory("find_service", "काठमाडौंमा सुरक्षित बस्ने ठाउँ चाहियो", language="ne")
    await find(tracker, dispatcher, domain)
    params = directory.requests[0]["params"]
    assert params["need"] == "shelter" and params["lang"] == "ne"
    assert params["place"] == "काठमाडौंमा"  # the gateway strips "मा" and matches


@pytest.mark.asyncio
async def test_country_entity_is_the_place_for_someone_abroad(
    directory, tracker_factory, dispatcher, domain
):
    directory.reply = payload([], need=None, place={"en": "United Arab Emirates", "ne": "युएई"})
    tracker = tracker_factory(
        "find_service",
        "my sister is in Dubai and needs help",
        entities=place_entity("Dubai", "country"),
    )
    await find(tracker, dispatcher, domain)
    params = directory.requests[0]["params"]
    assert params["place"] == "Dubai" and "need" not in params


@pytest.mark.asyncio
async def test_no_place_asks_where_without_calling_the_gateway(
    directory, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory("find_service", "i need a lawyer", language="ne-Latn")
    events = await find(tracker, dispatcher, domain)
    assert directory.requests == []
    assert texts(dispatcher) == ["Tapai kun jilla wa sahar ma hunuhunchha? Bidesh ma hunuhunchha "
                                 "bhane kun desh ma?"]  # fmt: skip
    assert slots(events) == {"referral_need": "legal_aid", "referral_pending": True}


# --- formatting --------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("channel", ["sms", "whatsapp", "android_sms"])
async def test_sms_gives_at_most_two_services_within_three_segments(
    channel, directory, tracker_factory, dispatcher, domain
):
    directory.reply = payload([SHELTER_KTM, SHELTER_LALIT, HELPLINE_1145])
    tracker = tracker_factory(
        "find_service", "shelter in ktm", channel=channel, entities=place_entity("ktm")
    )
    await find(tracker, dispatcher, domain)
    (text,) = texts(dispatcher)
    assert fits(text, 3)
    assert count_segments(text).encoding == "GSM-7"
    assert text.startswith("Safe shelter, Kathmandu - checked contacts:")
    assert "Safe Home Kathmandu: 014412345" in text
    assert "Transit Home Lalitpur: 015523456" in text
    assert "Khabar Garaun" not in text  # third service: never on SMS
    assert directory.requests[0]["params"]["limit"] == "2"


@pytest.mark.asyncio
async def test_sms_drops_the_second_service_when_it_does_not_fit(
    directory, tracker_factory, dispatcher, domain
):
    long_ne = "मानव बेचबिखन तथा ओसारपसार विरुद्धको सुरक्षित आश्रय तथा पुनर्स्थापना केन्द्र"
    first = service("a", "A", long_ne, "014412345")
    second = service("b", "B", long_ne + " दोस्रो", "015523456")
    directory.reply = payload([first, second])
    tracker = tracker_factory("find_service", "काठमाडौंमा आश्रय", language="ne")
    await find(tracker, dispatcher, domain)
    (text,) = texts(dispatcher)
    assert fits(text, 3)
    assert "014412345" in text and "015523456" not in text


@pytest.mark.asyncio
async def test_web_gives_up_to_five_with_hours_languages_and_both_scripts(
    directory, tracker_factory, dispatcher, domain
):
    many = [service(f"s{i}", f"Service {i}", f"सेवा {i}", f"01441234{i}") for i in range(6)]
    directory.reply = payload([HELPLINE_1145, *many])
    tracker = tracker_factory(
        "find_service", "shelter in ktm", channel="web", entities=place_entity("ktm")
    )
    await find(tracker, dispatcher, domain)
    (text,) = texts(dispatcher)
    assert directory.requests[0]["params"]["limit"] == "5"
    assert "Khabar Garaun helpline 1145 (खबर गरौं हेल्पलाइन ११४५) (National Women Commission)" in text
    assert "Hours: 24 hours" in text
    assert "Hours: Sun-Fri 10am to 5pm" in text
    assert "Languages: Nepali, English" in text
    assert "Checked: 2026-11-24" in text
    assert "Service 3" in text and "Service 4" not in text  # 1 + 4 = five services


@pytest.mark.asyncio
async def test_nepali_reply_uses_devanagari_names_and_labels(
    directory, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory("find_service", "काठमाडौंमा आश्रय", language="ne")
    await find(tracker, dispatcher, domain)
    (text,) = texts(dispatcher)
    assert text.startswith("सुरक्षित आश्रय, काठमाडौं - जाँचिएका सम्पर्क:")
    assert "सुरक्षित घर काठमाडौं: 014412345" in text
    assert fits(text, 3)


@pytest.mark.asyncio
async def test_nepali_web_reply_shows_both_scripts(directory, tracker_factory, dispatcher, domain):
    tracker = tracker_factory("find_service", "काठमाडौंमा आश्रय", language="ne", channel="web")
    await find(tracker, dispatcher, domain)
    (text,) = texts(dispatcher)
    assert "सुरक्षित घर काठमाडौं (Safe Home Kathmandu)" in text
    assert "भाषा: नेपाली, अंग्रेजी" in text


@pytest.mark.asyncio
async def test_roman_nepali_reply_uses_english_names_and_stays_gsm7(
    directory, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "find_service", "ktm ma basne thau", language="ne-Latn", entities=place_entity("ktm")
    )
    await find(tracker, dispatcher, domain)
    (text,) = texts(dispatcher)
    assert text.startswith("Surakshit aashray, Kathmandu - janchieka samparka:")
    assert "Safe Home Kathmandu: 014412345" in text
    assert count_segments(text).encoding == "GSM-7" and fits(text, 3)


# --- clarify, follow-ups -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_clarify_asks_the_gateway_question_and_keeps_the_need(
    directory, tracker_factory, dispatcher, domain
):
    question = "Tapaile Pokhara wa Pokhari bhanna khojnubhayeko ho?"
    directory.reply = payload(
        [],
        need="legal_aid",
        place=None,
        clarify={"reason": "ambiguous", "question": question, "suggestions": []},
    )
    tracker = tracker_factory("find_service", "pokhra tira kanuni sahayata", language="ne-Latn")
    events = await find(tracker, dispatcher, domain)
    assert texts(dispatcher) == [question]
    assert slots(events) == {"referral_need": "legal_aid", "referral_pending": True}

    # the answer "Pokhara" completes the search with the kept need
    directory.reply = payload(
        [SHELTER_KTM], need="legal_aid", place={"en": "Pokhara", "ne": "पोखरा"}
    )
    answer = tracker_factory(
        "followup_place",
        "Pokhara",
        language="ne-Latn",
        slots={"referral_need": "legal_aid"},
        entities=place_entity("Pokhara"),
    )
    dispatcher.messages.clear()
    events = await find(answer, dispatcher, domain)
    assert directory.requests[-1]["params"]["need"] == "legal_aid"
    assert directory.requests[-1]["params"]["place"] == "Pokhara"
    assert slots(events)["referral_place"] == "Pokhara"
    assert slots(events)["referral_pending"] is False


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "language", "entities", "place"),
    [
        ("and in Pokhara?", "en", place_entity("Pokhara"), "Pokhara"),
        ("pokhara ma ni?", "ne-Latn", [], "pokhara"),
        ("पोखरामा नि?", "ne", [], "पोखरामा"),
    ],
)
async def test_follow_up_reruns_the_last_need_with_the_new_place(
    text, language, entities, place, directory, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "followup_place",
        text,
        language=language,
        entities=entities,
        slots={"referral_need": "shelter", "referral_place": "Kathmandu"},
    )
    events = await find(tracker, dispatcher, domain)
    params = directory.requests[0]["params"]
    assert params["need"] == "shelter" and params["place"] == place and params["lang"] == language
    assert slots(events)["referral_need"] == "shelter"


@pytest.mark.asyncio
async def test_follow_up_with_a_country_after_a_search(
    directory, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "followup_country",
        "and qatar?",
        entities=place_entity("qatar", "country"),
        slots={"referral_need": "rescue_repatriation"},
    )
    await find(tracker, dispatcher, domain)
    assert directory.requests[0]["params"]["place"] == "qatar"
    assert directory.requests[0]["params"]["need"] == "rescue_repatriation"


@pytest.mark.asyncio
async def test_a_new_search_does_not_inherit_the_old_need(
    directory, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "find_service", "help in pokhara", entities=place_entity("pokhara"),
        slots={"referral_need": "shelter"},
    )  # fmt: skip
    await find(tracker, dispatcher, domain)
    assert "need" not in directory.requests[0]["params"]


# --- honesty and safety ------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Safe shelter, Kathmandu: I have no checked service for this in that place yet."),
        ("ne", "सुरक्षित आश्रय, काठमाडौं: यसका लागि त्यहाँ जाँचिएको सेवा अहिलेसम्म मसँग छैन।"),
        ("ne-Latn", "Surakshit aashray, Kathmandu: Yasko lagi tyaha janchieko sewa ahile"),
    ],
)
async def test_no_verified_match_says_so_and_gives_the_first_fallback(
    language, expected, directory, tracker_factory, dispatcher, domain
):
    directory.reply = payload([], fallback=[HELPLINE_1145, HELLO_SARKAR])
    tracker = tracker_factory(
        "find_service", "shelter in ktm", language=language, entities=place_entity("ktm")
    )
    await find(tracker, dispatcher, domain)
    (text,) = texts(dispatcher)
    assert text.startswith(expected)
    assert "1145" in text and "1111" not in text
    assert fits(text, 3)


@pytest.mark.asyncio
async def test_no_match_and_no_fallback_gives_the_verified_national_numbers(
    directory, tracker_factory, dispatcher, domain
):
    directory.reply = payload([], fallback=[])
    tracker = tracker_factory("find_service", "shelter in ktm", entities=place_entity("ktm"))
    await find(tracker, dispatcher, domain)
    (text,) = texts(dispatcher)
    assert "no checked service" in text
    assert set(phone_numbers(text)) == {"1145", "100"}


@pytest.mark.asyncio
@pytest.mark.parametrize("language", ["en", "ne", "ne-Latn"])
async def test_gateway_down_gives_1145_and_100_and_no_service(
    language, gateway_down, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "find_service", "shelter in ktm", language=language, entities=place_entity("ktm")
    )
    events = await find(tracker, dispatcher, domain)
    (text,) = texts(dispatcher)
    assert set(phone_numbers(text)) == {"1145", "100"}
    assert "referral_place" not in slots(events)


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [500, 401, 400])
async def test_gateway_error_gives_the_safe_reply(
    status, directory, tracker_factory, dispatcher, domain
):
    directory.status = status
    tracker = tracker_factory("find_service", "shelter in ktm", entities=place_entity("ktm"))
    await find(tracker, dispatcher, domain)
    (text,) = texts(dispatcher)
    assert set(phone_numbers(text)) == {"1145", "100"}
    assert "Safe Home" not in text


@pytest.mark.asyncio
async def test_no_token_gives_the_safe_reply_without_calling(
    directory, monkeypatch, tracker_factory, dispatcher, domain
):
    settings = Settings(gateway_url=directory.url, internal_api_token=None)
    monkeypatch.setattr(gateway_client, "get_settings", lambda: settings)
    tracker = tracker_factory("find_service", "shelter in ktm", entities=place_entity("ktm"))
    await find(tracker, dispatcher, domain)
    assert directory.requests == []
    assert set(phone_numbers(texts(dispatcher)[0])) == {"1145", "100"}


@pytest.mark.asyncio
@pytest.mark.parametrize("channel", ["sms", "web"])
@pytest.mark.parametrize("language", ["en", "ne", "ne-Latn"])
async def test_no_phone_number_that_is_not_in_the_api_answer_is_ever_shown(
    channel, language, directory, tracker_factory, dispatcher, domain
):
    # An unverified entry (a gateway bug), numbers in descriptions, an entry without a phone:
    # only the verified entries' own phone fields may reach the person.
    unverified = service("x", "Unchecked Shelter", "नजाँचिएको", "9841000000", verified=False)
    no_phone = service("w", "Web Only", "वेब मात्र", None, website="https://example.org.np")
    directory.reply = payload([unverified, SHELTER_KTM, no_phone, SHELTER_LALIT])
    tracker = tracker_factory(
        "find_service", "shelter in ktm 9800000000", language=language, channel=channel,
        entities=place_entity("ktm"),
    )  # fmt: skip
    await find(tracker, dispatcher, domain)
    text = "\n".join(texts(dispatcher))
    shown = set(phone_numbers(text))
    assert shown, text
    assert shown <= numbers_in(directory.reply)
    assert "9841000000" not in text and "Unchecked" not in text and "015550123" not in text


@pytest.mark.asyncio
async def test_danger_runner_up_gets_emergency_numbers_first_and_a_counsellor(
    directory, tracker_factory, dispatcher, domain
):
    tracker = tracker_factory(
        "find_service",
        "my sister is locked in a house in dubai need help",
        entities=place_entity("dubai", "country"),
        ranking=[
            {"name": "find_service", "confidence": 0.6},
            {"name": "danger_confinement", "confidence": 0.3},
        ],
    )
    events = await find(tracker, dispatcher, domain)
    assert dispatcher.messages[0]["response"] == "utter_emergency"
    assert len(directory.handoffs) == 1 and directory.handoffs[0]["priority"] == "urgent"
    assert slots(events)["handoff_queued"] is True


# --- need words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("I need a safe place in Kathmandu", "shelter"),
        ("ktm ma kanuni sahayata", "legal_aid"),
        ("कतारमा दूतावासको नम्बर", None),  # embassies: the country is the search
        ("my sister is in Dubai and needs help", None),
        ("काठमाडौंमा सुरक्षित बस्ने ठाउँ चाहियो", "shelter"),
        ("विराटनगरमा वकिल चाहियो", "legal_aid"),
        ("dhangadhi ma manosamajik sahayog", "health_psychosocial"),
        ("bhai lai malaysia bata uddhar", "rescue_repatriation"),
        ("chhatipurti dabi kaha garne", "compensation_claims"),
        ("mrc office in jhapa", "pre_migration_info"),
        ("बच्चालाई सहयोग", "children"),
        ("dance bar workers in thamel", "entertainment_workers"),
        ("illegal agent", None),
    ],
)
def test_find_need(text, need):
    assert find_need(text) == need


def test_need_codes_come_from_the_shared_vocabulary():
    # the gateway's taxonomy reads the same file (tests/referrals/test_lookup_api.py)
    assert set(NEED_WORDS) == set(vocabulary().needs)
    assert set(ABROAD_NEEDS) == {"rescue_repatriation", "compensation_claims"}


def test_place_query_prefers_the_entity_and_strips_need_words(tracker_factory):
    tracker = tracker_factory("find_service", "sheltr in pokhara", entities=place_entity("pokhara"))
    assert place_query(tracker, "shelter") == "pokhara"
    tracker = tracker_factory("find_service", "धरान नजिक सेल्टर चाहियो")
    assert place_query(tracker, "shelter") == "धरान"
