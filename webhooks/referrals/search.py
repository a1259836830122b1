"""Finding services by need and place, ranked: the place's district, then its province,
then national services; for a country abroad, services there (the embassy), then the
national services that help people abroad.

``verified_only`` is decided by the caller's identity in the API, never by a parameter the
bot sends: the bot's calls only ever see verified entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from webhooks.extensions import db
from webhooks.referrals.geo import Gazetteer, PlaceMatch
from webhooks.referrals.models import ReferralService, Status
from webhooks.referrals.taxonomy import ABROAD_NEEDS

LEVELS = {"district": 0, "country": 0, "province": 1, "national": 2}
# What counsellors are told about an entry, by its check status (ReferralService.check_status).
CHECK_LABELS = {
    "phone": "Verified by phone",
    "desk": "Desk-checked only",
    "none": "Not checked",
}
WARNINGS = {
    "desk": (
        "The details match a document or official page, but nobody has called to confirm them. "
        "The bot does not give this entry out. Check it yourself before passing it on."
    ),
    "none": (
        "Nobody has confirmed these contact details. The bot does not give this entry out. "
        "Check it yourself before passing it on."
    ),
}


def check_label(service: ReferralService) -> str:
    """Words for the entry's check status, with its date: "Desk-checked only (2026-11-24)"."""
    status = service.check_status
    when = {"phone": service.last_verified, "desk": service.desk_checked}.get(status)
    return CHECK_LABELS[status] + (f" ({when.isoformat()})" if when else "")


def warning_for(service: ReferralService) -> str | None:
    return WARNINGS.get(service.check_status)


@dataclass
class Ranked:
    service: ReferralService
    level: str


@dataclass
class SearchResult:
    results: list[Ranked] = field(default_factory=list)
    fallback: list[Ranked] = field(default_factory=list)


def _level(service: ReferralService, match: PlaceMatch, geo: Gazetteer) -> str | None:
    """How ``service`` relates to the matched place: a level, or None (not relevant there)."""
    scope = service.scope
    if scope == "national":
        return "national"
    target = match.target if match.matched else None
    if target is None:
        return None
    if target.country:
        return "country" if target.country in service.country_codes else None
    if scope == "country":
        return None
    wanted_districts = set(target.district_ids)
    wanted_provinces = {geo.districts[i].province_id for i in wanted_districts}
    if target.province_id:
        wanted_provinces.add(target.province_id)
    served = set(service.district_ids)
    if served & wanted_districts:
        return "district"
    if set(service.province_ids) & wanted_provinces:
        return "province"
    if {geo.districts[i].province_id for i in served if i in geo.districts} & wanted_provinces:
        return "province"  # a district service elsewhere in the same province
    return None


def _serves(service: ReferralService, need: str | None, abroad: bool) -> bool:
    if need:
        return need in service.needs
    if abroad:  # no need given, a country asked: help for people abroad
        return bool(set(service.needs) & set(ABROAD_NEEDS))
    return True


def search(
    geo: Gazetteer,
    need: str | None,
    match: PlaceMatch,
    *,
    verified_only: bool,
    limit: int = 10,
) -> SearchResult:
    query = select(ReferralService).where(ReferralService.status == Status.ACTIVE.value)
    if verified_only:
        query = query.where(ReferralService.verified.is_(True))
    services = list(db.session.scalars(query))
    abroad = bool(match.matched and match.target and match.target.country)

    ranked: list[Ranked] = []
    for service in services:
        level = _level(service, match, geo)
        if level is None:
            continue
        # The services in that country (its embassy) are relevant whatever the need.
        if level != "country" and not _serves(service, need, abroad):
            continue
        ranked.append(Ranked(service, level))
    ranked.sort(key=lambda r: (LEVELS[r.level], r.service.priority, r.service.name_en))

    result = SearchResult(results=ranked[:limit])
    if not any(r.service.verified for r in result.results):
        fallback = [
            Ranked(s, "national")
            for s in services
            if s.is_fallback and s.verified and s.scope == "national"
        ]
        fallback.sort(key=lambda r: (r.service.priority, r.service.name_en))
        result.fallback = fallback[:2]
    return result


def service_json(
    ranked: Ranked | ReferralService,
    geo: Gazetteer,
    *,
    today: date,
    stale_days: int,
    for_console: bool,
) -> dict[str, Any]:
    service = ranked.service if isinstance(ranked, Ranked) else ranked
    organisation = service.organisation
    out: dict[str, Any] = {
        "id": service.id,
        "slug": service.slug,
        "name": {"en": service.name_en, "ne": service.name_ne},
        "organisation": {"en": organisation.name_en, "ne": organisation.name_ne},
        "description": {"en": service.description_en, "ne": service.description_ne},
        "needs": list(service.needs),
        "phone": service.phone,
        "website": service.website or organisation.website,
        "email": service.email,
        "address": {"en": service.address_en, "ne": service.address_ne},
        "hours": {"en": service.hours_en, "ne": service.hours_ne},
        "open_24h": service.open_24h,
        "languages": list(service.languages),
        "eligibility": {"en": service.eligibility_en, "ne": service.eligibility_ne},
        "area": {
            "scope": service.scope,
            "districts": [
                geo.districts[i].as_json() for i in service.district_ids if i in geo.districts
            ],
            "provinces": [
                geo.provinces[i].as_json() for i in service.province_ids if i in geo.provinces
            ],
            "countries": [
                geo.countries[c].as_json() for c in service.country_codes if c in geo.countries
            ],
        },
        "verified": service.verified,
        "last_verified": service.last_verified.isoformat() if service.last_verified else None,
        "desk_checked": service.desk_checked.isoformat() if service.desk_checked else None,
        "stale": service.is_stale(today, stale_days),
        "source": list(service.sources),
        "confidence": service.confidence,
    }
    if isinstance(ranked, Ranked):
        out["match_level"] = ranked.level
    if for_console:
        out["status"] = service.status
        out["notes"] = service.notes
        out["check"] = {"status": service.check_status, "label": check_label(service)}
        out["warning"] = warning_for(service)
    return out
