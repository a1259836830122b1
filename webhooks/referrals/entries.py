"""One validator for every way an entry gets in: the seed file, CSV import, console forms.

``validate(raw)`` takes a flat mapping (CSV row, form, or seed entry; lists may be given as
lists or ";"-separated text) and returns clean values or a list of plain-English errors.
``apply(...)`` writes clean values onto a service and returns the names of changed fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from sqlalchemy import select

from webhooks.extensions import db
from webhooks.models import utcnow
from webhooks.referrals.geo import Gazetteer
from webhooks.referrals.models import (
    Confidence,
    ReferralOrganisation,
    ReferralService,
    Status,
)
from webhooks.referrals.taxonomy import NEEDS

COLUMNS = (
    "slug",
    "organisation_slug",
    "organisation_en",
    "organisation_ne",
    "organisation_website",
    "name_en",
    "name_ne",
    "description_en",
    "description_ne",
    "needs",
    "districts",
    "provinces",
    "countries",
    "phone",
    "website",
    "email",
    "address_en",
    "address_ne",
    "hours_en",
    "hours_ne",
    "open_24h",
    "languages",
    "eligibility_en",
    "eligibility_ne",
    "verified",
    "last_verified",
    "desk_checked",
    "confidence",
    "sources",
    "notes",
    "priority",
    "is_fallback",
    "status",
)
REQUIRED = ("slug", "organisation_slug", "organisation_en", "name_en")
# Changing any of these means what was verified is no longer what is stored.
CONTACT_FIELDS = ("phone", "website", "email", "address_en")
# The service row's fields: every column but the organisation's, places under their stored names.
ORGANISATION_COLUMNS = (
    "slug", "organisation_slug", "organisation_en", "organisation_ne", "organisation_website",
)  # fmt: skip
STORED_NAMES = {
    "districts": "district_ids",
    "provinces": "province_ids",
    "countries": "country_codes",
}
SERVICE_FIELDS = tuple(
    STORED_NAMES.get(column, column) for column in COLUMNS if column not in ORGANISATION_COLUMNS
)

MAX_LENGTHS = {
    "name_en": 200,
    "name_ne": 200,
    "organisation_en": 200,
    "organisation_ne": 200,
    "organisation_website": 200,
    "website": 200,
    "email": 120,
    "address_en": 300,
    "address_ne": 300,
    "hours_en": 200,
    "hours_ne": 200,
    "description_en": 2000,
    "description_ne": 2000,
    "eligibility_en": 1000,
    "eligibility_ne": 1000,
    "notes": 2000,
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
SHORT_CODE = re.compile(r"^1\d{2,3}$")  # 100, 102, 1098, 1145 ...
TOLL_FREE = re.compile(r"^1660\d{7,10}$")
LANDLINE = re.compile(r"^0\d{1,2}-?\d{6,7}$")  # 01-5010015
MOBILE = re.compile(r"^9[678]\d{8}$")
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0", ""}


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [_text(v) for v in value]
    else:
        items = [part.strip() for part in str(value).split(";")]
    return [item for item in items if item]


def _bool(value: Any, name: str, errors: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text not in FALSE:
        errors.append(f"{name}: expected true or false, got {_text(value)[:20]!r}")
    return False


def normalise_phone(value: str) -> str:
    """A clean phone display form, or ValueError with the reason."""
    compact = re.sub(r"[\s()]", "", value)
    if SHORT_CODE.match(compact) or TOLL_FREE.match(compact) or MOBILE.match(compact):
        return compact
    if LANDLINE.match(compact):
        if "-" not in compact:  # 015010015 -> 01-5010015 (Kathmandu valley: 01)
            split = 2 if compact.startswith("01") else 3
            compact = compact[:split] + "-" + compact[split:]
        return compact
    if compact.startswith("+"):
        try:
            number = phonenumbers.parse(compact, None)
        except phonenumbers.NumberParseException as error:
            raise ValueError(f"not a phone number ({error})") from error
        if not phonenumbers.is_possible_number(number):
            raise ValueError("not a possible international number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    raise ValueError(
        "use a short code (1145), a landline (01-5010015), a mobile (98XXXXXXXX) "
        "or an international number (+974 ...)"
    )


def normalise_website(value: str) -> str:
    url = value if "://" in value else "https://" + value
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in url:
        raise ValueError("not a web address")
    return url


def validate(raw: Mapping[str, Any], geo: Gazetteer) -> tuple[dict[str, Any], list[str]]:
    errors: list[str] = []
    clean: dict[str, Any] = {}
    for name in REQUIRED:
        if not _text(raw.get(name)):
            errors.append(f"{name} is required")
    for name in ("slug", "organisation_slug"):
        value = _text(raw.get(name))
        if value and not SLUG.match(value):
            errors.append(f"{name} {value[:40]!r}: use a-z, 0-9 and '-' (2 to 80 characters)")
        clean[name] = value
    for name, limit in MAX_LENGTHS.items():
        value = _text(raw.get(name))
        if len(value) > limit:
            errors.append(f"{name} is longer than {limit} characters")
        clean[name] = value or None

    needs = _list(raw.get("needs"))
    for need in needs:
        if need not in NEEDS:
            errors.append(f"needs: unknown need {need!r} (one of: {', '.join(NEEDS)})")
    clean["needs"] = needs

    district_ids, province_ids, country_codes = [], [], []
    for name in _list(raw.get("districts")):
        district = geo.district_by_name(name)
        if district is None:
            hint = ""
            match = geo.match(name)
            if match.target and match.target.kind == "split":
                halves = ", ".join(geo.districts[i].name_en for i in match.target.district_ids)
                hint = f" ({name} is now two districts: {halves}; list the one(s) served)"
            errors.append(f"districts: unknown district {name!r}{hint}")
        elif district.id not in district_ids:
            district_ids.append(district.id)
    for name in _list(raw.get("provinces")):
        province = geo.province_by_name(name)
        if province is None:
            errors.append(f"provinces: unknown province {name!r}")
        elif province.id not in province_ids:
            province_ids.append(province.id)
    for name in _list(raw.get("countries")):
        country = geo.country_by_name(name)
        if country is None:
            errors.append(f"countries: unknown country {name!r} (use an ISO code such as QA)")
        elif country.code not in country_codes:
            country_codes.append(country.code)
    if country_codes and (district_ids or province_ids):
        errors.append("a service is either in Nepal (districts/provinces) or abroad (countries)")
    clean.update(district_ids=district_ids, province_ids=province_ids, country_codes=country_codes)

    phone = _text(raw.get("phone"))
    clean["phone"] = None
    if phone and phone.lower() not in ("null", "none", "unconfirmed"):
        try:
            clean["phone"] = normalise_phone(phone)
        except ValueError as error:
            errors.append(f"phone {phone[:30]!r}: {error}")
    for name in ("website", "organisation_website"):
        if clean.get(name):
            try:
                clean[name] = normalise_website(clean[name])
            except ValueError as error:
                errors.append(f"{name} {clean[name][:40]!r}: {error}")
    if clean.get("email") and not EMAIL.match(clean["email"]):
        errors.append(f"email {clean['email'][:40]!r}: not an e-mail address")

    languages = _list(raw.get("languages"))
    for language in languages:
        if not LANGUAGE.match(language):
            errors.append(f"languages: {language!r} is not a language code (ne, en, mai ...)")
    clean["languages"] = languages
    clean["open_24h"] = _bool(raw.get("open_24h"), "open_24h", errors)
    clean["verified"] = _bool(raw.get("verified"), "verified", errors)
    clean["is_fallback"] = _bool(raw.get("is_fallback"), "is_fallback", errors)

    for name in ("last_verified", "desk_checked"):
        clean[name] = _date(raw.get(name), name, errors)

    confidence = _text(raw.get("confidence")) or Confidence.UNCONFIRMED.value
    if confidence not in {c.value for c in Confidence}:
        errors.append(f"confidence {confidence!r}: one of high, medium, unconfirmed")
    clean["confidence"] = confidence
    clean["sources"] = _list(raw.get("sources"))
    status = _text(raw.get("status")) or Status.ACTIVE.value
    if status not in {s.value for s in Status}:
        errors.append(f"status {status!r}: one of active, retired")
    clean["status"] = status
    try:
        clean["priority"] = int(_text(raw.get("priority")) or 100)
        if not 0 <= clean["priority"] <= 1000:
            raise ValueError
    except ValueError:
        errors.append("priority: a whole number from 0 to 1000")
        clean["priority"] = 100

    if not needs and not clean["is_fallback"]:
        errors.append("needs: give at least one need")
    if clean["is_fallback"] and (district_ids or province_ids or country_codes):
        errors.append("is_fallback: only a national service can be the fallback")
    if clean["desk_checked"] and not clean["sources"]:
        errors.append("desk-checked entries need sources (the documents they were checked against)")
    if clean["verified"]:
        if clean["last_verified"] is None:
            errors.append("verified entries need last_verified (the date someone called)")
        if not clean["sources"]:
            errors.append("verified entries need sources (where it was checked)")
        if not (clean["phone"] or clean["website"] or clean["address_en"]):
            errors.append("verified entries need a phone, website or address to have checked")
    return clean, errors


def _date(value: Any, name: str, errors: list[str]) -> date | None:
    if isinstance(value, date):
        found: date | None = value
    elif _text(value):
        try:
            found = date.fromisoformat(_text(value))
        except ValueError:
            errors.append(f"{name} {_text(value)[:20]!r}: use a date like 2026-11-24")
            return None
    else:
        return None
    if found and found > utcnow().date():
        errors.append(f"{name} is in the future")
    return found


def find_service(slug: str) -> ReferralService | None:
    return db.session.scalar(select(ReferralService).filter_by(slug=slug))


def organisation_for(clean: dict[str, Any]) -> tuple[ReferralOrganisation, list[str]]:
    """Find or create the organisation; update its names/website; return changed fields."""
    organisation = db.session.scalar(
        select(ReferralOrganisation).filter_by(slug=clean["organisation_slug"])
    )
    if organisation is None:
        organisation = ReferralOrganisation(slug=clean["organisation_slug"], name_en="")
        db.session.add(organisation)
    changed = []
    for field, key in (
        ("name_en", "organisation_en"),
        ("name_ne", "organisation_ne"),
        ("website", "organisation_website"),
    ):
        if clean.get(key) is not None and getattr(organisation, field) != clean[key]:
            setattr(organisation, field, clean[key])
            changed.append(f"organisation.{field}")
    return organisation, changed


def apply(service: ReferralService, clean: dict[str, Any]) -> list[str]:
    changed = []
    for field in SERVICE_FIELDS:
        if getattr(service, field) != clean[field]:
            setattr(service, field, clean[field])
            changed.append(field)
    if "status" in changed:
        service.retired_at = utcnow() if service.status == Status.RETIRED.value else None
    return changed


def contact_changed(service: ReferralService, clean: dict[str, Any]) -> list[str]:
    return [f for f in CONTACT_FIELDS if (getattr(service, f) or None) != clean.get(f)]


def to_row(service: ReferralService, geo: Gazetteer) -> dict[str, str]:
    organisation = service.organisation

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return {
        "slug": service.slug,
        "organisation_slug": organisation.slug,
        "organisation_en": organisation.name_en,
        "organisation_ne": text(organisation.name_ne),
        "organisation_website": text(organisation.website),
        "name_en": service.name_en,
        "name_ne": text(service.name_ne),
        "description_en": text(service.description_en),
        "description_ne": text(service.description_ne),
        "needs": ";".join(service.needs),
        "districts": ";".join(geo.districts[i].name_en for i in service.district_ids),
        "provinces": ";".join(geo.provinces[i].name_en for i in service.province_ids),
        "countries": ";".join(service.country_codes),
        "phone": text(service.phone),
        "website": text(service.website),
        "email": text(service.email),
        "address_en": text(service.address_en),
        "address_ne": text(service.address_ne),
        "hours_en": text(service.hours_en),
        "hours_ne": text(service.hours_ne),
        "open_24h": "true" if service.open_24h else "false",
        "languages": ";".join(service.languages),
        "eligibility_en": text(service.eligibility_en),
        "eligibility_ne": text(service.eligibility_ne),
        "verified": "true" if service.verified else "false",
        "last_verified": service.last_verified.isoformat() if service.last_verified else "",
        "desk_checked": service.desk_checked.isoformat() if service.desk_checked else "",
        "confidence": service.confidence,
        "sources": ";".join(service.sources),
        "notes": text(service.notes),
        "priority": str(service.priority),
        "is_fallback": "true" if service.is_fallback else "false",
        "status": service.status,
    }
