"""GET /api/referrals: ranking, the bot's verified-only guarantee, authentication."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest
from sqlalchemy import select

from tests.referrals.conftest import BOT, add_service
from webhooks.extensions import db
from webhooks.referrals import loader
from webhooks.referrals.models import ReferralService
from webhooks.referrals.taxonomy import NEEDS

KATHMANDU, LALITPUR, MORANG, NAWALPUR, PARASI = 27, 29, 6, 43, 48
BAGMATI = 3


def names(payload: dict) -> list[str]:
    return [r["slug"] for r in payload["results"]]


def levels(payload: dict) -> list[str]:
    return [r["match_level"] for r in payload["results"]]


@pytest.fixture
def directory(app):
    add_service("national-b", priority=50)
    add_service("national-a", priority=10)
    add_service("in-kathmandu", district_ids=[KATHMANDU])
    add_service("in-lalitpur", district_ids=[LALITPUR])
    add_service("bagmati-wide", province_ids=[BAGMATI])
    add_service("in-morang", district_ids=[MORANG])
    add_service("kathmandu-unverified", district_ids=[KATHMANDU], verified=False, phone=None)
    add_service("legal-national", needs=["legal_aid"])
    add_service("in-nawalpur", district_ids=[NAWALPUR])
    add_service("in-parasi", district_ids=[PARASI])
    add_service(
        "embassy-qatar", country_codes=["QA"], needs=["rescue_repatriation"], phone="+974 4467 5983"
    )
    add_service("abroad-national", needs=["rescue_repatriation"])
    add_service("retired", district_ids=[KATHMANDU], status="retired")


def test_ranking_is_district_then_province_then_national(client, directory):
    payload = client.get("/api/referrals?need=shelter&place=ktm", headers=BOT).get_json()
    assert names(payload) == [
        "in-kathmandu",
        "bagmati-wide",
        "in-lalitpur",
        "national-a",
        "national-b",
    ]
    assert levels(payload) == ["district", "province", "province", "national", "national"]
    assert payload["place"]["name"] == {"en": "Kathmandu", "ne": "काठमाडौँ"}
    assert payload["clarify"] is None and payload["no_verified_match"] is False


def test_other_provinces_local_services_are_left_out(client, directory):
    payload = client.get("/api/referrals?need=shelter&place=Pokhara", headers=BOT).get_json()
    assert names(payload) == ["in-nawalpur", "national-a", "national-b"]  # Nawalpur: Gandaki too
    assert levels(payload) == ["province", "national", "national"]
    morang = client.get("/api/referrals?need=shelter&place=विराटनगर", headers=BOT).get_json()
    assert names(morang)[0] == "in-morang"


def test_a_split_district_gets_both_halves(client, directory):
    payload = client.get("/api/referrals?need=shelter&place=Nawalparasi", headers=BOT).get_json()
    assert set(names(payload)[:2]) == {"in-nawalpur", "in-parasi"}
    assert levels(payload)[:2] == ["district", "district"]
    assert payload["place"]["kind"] == "split"


def test_a_province_ranks_its_services_first(client, directory):
    payload = client.get("/api/referrals?need=shelter&place=Bagmati", headers=BOT).get_json()
    assert names(payload)[:3] == ["bagmati-wide", "in-kathmandu", "in-lalitpur"]
    assert set(levels(payload)[:3]) == {"province"}


def test_a_country_gets_its_embassy_then_help_for_people_abroad(client, directory):
    payload = client.get("/api/referrals?place=कतारमा&lang=ne", headers=BOT).get_json()
    assert names(payload) == ["embassy-qatar", "abroad-national"]
    assert levels(payload) == ["country", "national"]
    assert payload["place"]["country"] == {
        "code": "QA",
        "en": "Qatar",
        "ne": "कतार",
        "ne-Latn": "katar",
    }
    # the embassy is relevant abroad whatever the need
    legal = client.get("/api/referrals?need=legal_aid&place=Doha", headers=BOT).get_json()
    assert names(legal) == ["embassy-qatar", "legal-national"]


def test_the_need_filters_and_accepts_words_in_three_scripts(client, directory):
    for need in ("legal_aid", "kanuni sahayata", "कानुनी सहायता", "Legal aid"):
        payload = client.get(f"/api/referrals?need={need}&place=ktm", headers=BOT).get_json()
        assert names(payload) == ["legal-national"], need
        assert payload["need"]["code"] == "legal_aid"
    bad = client.get("/api/referrals?need=pizza", headers=BOT)
    assert bad.status_code == 400 and "legal_aid" in bad.get_json()["error"]


def test_an_unknown_place_gets_a_question_not_a_district(client, directory):
    payload = client.get(
        "/api/referrals?need=shelter&place=xyzville&lang=ne-Latn", headers=BOT
    ).get_json()
    assert payload["place"]["status"] == "unknown"
    assert payload["clarify"]["reason"] == "unknown"
    assert "jilla" in payload["clarify"]["question"]
    assert set(levels(payload)) == {"national"}  # national services are safe anywhere


def test_an_ambiguous_place_asks_which(client, directory):
    payload = client.get("/api/referrals?place=Khalanga&lang=ne", headers=BOT).get_json()
    assert payload["clarify"]["reason"] == "ambiguous"
    assert "जाजरकोट" in payload["clarify"]["question"]
    assert " वा " in payload["clarify"]["question"]
    english = client.get("/api/referrals?place=Dubia", headers=BOT).get_json()
    assert english["clarify"]["question"] == "Did you mean United Arab Emirates?"


def test_each_result_carries_what_the_bot_needs(client, directory):
    payload = client.get("/api/referrals?need=shelter&place=ktm", headers=BOT).get_json()
    result = payload["results"][0]
    for key in (
        "name",
        "organisation",
        "phone",
        "hours",
        "languages",
        "verified",
        "source",
        "last_verified",
        "match_level",
        "stale",
        "open_24h",
        "website",
        "address",
    ):
        assert key in result, key
    assert set(result["name"]) == {"en", "ne"}
    assert "notes" not in result and "warning" not in result  # console-only fields


def test_limit(client, directory):
    payload = client.get("/api/referrals?need=shelter&place=ktm&limit=2", headers=BOT).get_json()
    assert len(payload["results"]) == 2
    assert client.get("/api/referrals?limit=x", headers=BOT).status_code == 400
    assert client.get("/api/referrals?lang=fr", headers=BOT).status_code == 400


# --- the bot only ever gets verified entries -------------------------------------------------


def test_the_bot_never_gets_unverified_or_retired_entries(client, directory):
    payload = client.get("/api/referrals?need=shelter&place=ktm", headers=BOT).get_json()
    assert "kathmandu-unverified" not in names(payload) and "retired" not in names(payload)
    assert payload["verified_only"] is True


def test_the_bot_cannot_ask_for_unverified_entries(client, directory):
    for value in ("false", "0", "no", "FALSE"):
        payload = client.get(
            f"/api/referrals?need=shelter&place=ktm&verified_only={value}", headers=BOT
        ).get_json()
        assert payload["verified_only"] is True
        assert all(r["verified"] for r in payload["results"])
        assert "kathmandu-unverified" not in names(payload)


def test_with_the_seed_nothing_reaches_the_bot_until_someone_calls(client, app):
    # The seed holds desk-checked entries only (nobody has called them): for every need and
    # place, the bot gets no service and no fallback, and falls back to its own 1145/100 text.
    assert loader.seed().ok
    places = [
        "",
        "ktm",
        "Pokhara",
        "कतार",
        "Dubai",
        "xyzville",
        "Khalanga",
        "Nawalparasi",
        "Saudi",
        "Lalitpur",
        "Morang",
        "Lebanon",
        "Gandaki",
    ]
    for need, place in product(["", *NEEDS], places):
        payload = client.get(
            f"/api/referrals?need={need}&place={place}&limit=50", headers=BOT
        ).get_json()
        assert payload["results"] == [] and payload["fallback"] == [], (need, place)
        assert payload["no_verified_match"] is True


def test_only_entries_verified_by_phone_reach_the_bot(client, app):
    assert loader.seed().ok
    called = ["nwc-helpline-1145", "hello-sarkar-1111", "child-helpline-1098"]
    for slug in called:  # a supervisor called these three and marked them verified by phone
        service = db.session.scalar(select(ReferralService).filter_by(slug=slug))
        service.verified, service.last_verified = True, date.today()
    db.session.commit()
    payload = client.get("/api/referrals?place=Dubai", headers=BOT).get_json()
    assert payload["results"] == []  # the embassy is desk-checked at best
    assert payload["no_verified_match"] is True
    assert [r["phone"] for r in payload["fallback"]] == ["1145", "1111"]
    children = client.get("/api/referrals?need=children&place=ktm", headers=BOT).get_json()
    assert [r["phone"] for r in children["results"]] == ["1098"]  # 104 is desk-checked only
    assert children["fallback"] == []


def test_desk_checked_entries_are_for_counsellors_only(client, as_counsellor, app):
    add_service("papers-only", verified=False, last_verified=None, desk_checked=date.today())
    bot = client.get("/api/referrals?need=shelter", headers=BOT).get_json()
    assert bot["results"] == []
    console = as_counsellor.get("/api/referrals?need=shelter").get_json()
    (entry,) = console["results"]
    assert entry["check"] == {
        "status": "desk",
        "label": f"Desk-checked only ({date.today().isoformat()})",
    }
    assert "nobody has called" in entry["warning"]


# --- authentication ------------------------------------------------------------------------


def test_no_token_no_session_is_refused(client, directory):
    assert client.get("/api/referrals?place=ktm").status_code == 401


def test_a_wrong_token_is_refused(client, directory):
    response = client.get("/api/referrals", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert client.get("/api/referrals", headers={"Authorization": "nope"}).status_code == 401


def test_the_console_sees_unverified_entries_flagged(as_counsellor, directory):
    payload = as_counsellor.get("/api/referrals?need=shelter&place=ktm").get_json()
    assert payload["verified_only"] is False
    flagged = [r for r in payload["results"] if r["slug"] == "kathmandu-unverified"]
    assert flagged and flagged[0]["verified"] is False
    assert flagged[0]["warning"].startswith("Nobody has confirmed")
    assert flagged[0]["check"]["label"] == "Not checked"
    assert "retired" not in names(payload)
    only = as_counsellor.get("/api/referrals?need=shelter&place=ktm&verified_only=true")
    assert "kathmandu-unverified" not in names(only.get_json())


def test_a_bad_token_is_not_rescued_by_a_console_session(as_counsellor, directory):
    response = as_counsellor.get("/api/referrals", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_a_session_without_the_permission_is_refused(app, as_counsellor, directory, monkeypatch):
    from webhooks.console import permissions

    roles = dict(permissions.ROLE_PERMISSIONS)
    roles["counsellor"] = roles["counsellor"] - {"referrals.view"}
    monkeypatch.setattr(permissions, "ROLE_PERMISSIONS", roles)
    assert as_counsellor.get("/api/referrals").status_code == 403


# --- stale entries -------------------------------------------------------------------------


def test_entries_older_than_the_configured_age_are_stale(app, client):
    add_service("fresh", last_verified=date.today() - timedelta(days=10))
    add_service("old", last_verified=date.today() - timedelta(days=200))
    payload = client.get("/api/referrals?need=shelter", headers=BOT).get_json()
    stale = {r["slug"]: r["stale"] for r in payload["results"]}
    assert stale == {"fresh": False, "old": True}
    app.config["REFERRALS_STALE_DAYS"] = 5
    payload = client.get("/api/referrals?need=shelter", headers=BOT).get_json()
    assert all(r["stale"] for r in payload["results"])


def test_the_taxonomy_is_the_shared_vocabulary():
    from bot.vocabulary import vocabulary
    from webhooks.referrals.taxonomy import ABROAD_NEEDS, resolve_need

    needs = vocabulary().needs
    assert {code: need.label for code, need in needs.items()} == NEEDS
    assert ABROAD_NEEDS == ("rescue_repatriation", "compensation_claims")
    assert resolve_need("वकिल") == "legal_aid" and resolve_need("safe house") == "shelter"
