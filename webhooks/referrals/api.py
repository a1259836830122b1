"""GET /api/referrals?need=&place=&lang=&limit=: ranked services for the bot and the console.

Two kinds of caller:
- the action server, with the internal bearer token: verified entries ONLY, always. A
  ``verified_only=false`` from that side is ignored (and logged), never honoured.
- a console user with ``referrals.view`` (session cookie): may ask for unverified entries too
  (the default), each flagged with a warning, plus internal notes.
A request carrying an Authorization header is judged by the token alone, never the cookie.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_login import current_user

from bot.vocabulary import FORMS
from webhooks.console.permissions import has_permission
from webhooks.errors import bad_request
from webhooks.internal_api import require_internal_token
from webhooks.models import utcnow
from webhooks.referrals.geo import gazetteer
from webhooks.referrals.search import search, service_json
from webhooks.referrals.taxonomy import NEEDS, need_json, resolve_need

log = logging.getLogger(__name__)

VIEW_PERMISSION = "referrals.view"
MANAGE_PERMISSION = "referrals.manage"
LANGS = FORMS  # data/vocabulary.yml
MAX_LIMIT = 50

referrals_api = Blueprint("referrals_api", __name__, url_prefix="/api")

QUESTIONS = {
    "unknown": {
        "en": "Which district or town are you in? If you are abroad, which country?",
        "ne": "तपाईं कुन जिल्ला वा सहरमा हुनुहुन्छ? विदेशमा हुनुहुन्छ भने कुन देशमा?",
        "ne-Latn": (
            "Tapai kun jilla wa saharma hunuhunchha? Bidesh ma hunuhunchha bhane kun deshma?"
        ),
    },
    "ambiguous": {
        "en": "Did you mean {options}?",
        "ne": "तपाईंले {options} भन्न खोज्नुभएको हो?",
        "ne-Latn": "Tapaile {options} bhanna khojnubhayeko ho?",
    },
}
OR = {"en": " or ", "ne": " वा ", "ne-Latn": " wa "}


@referrals_api.get("/referrals")
def lookup() -> Response | tuple[Response, int]:
    if "Authorization" in request.headers:
        return _bot_lookup()
    if not getattr(current_user, "is_authenticated", False):
        abort(401, description="missing or invalid internal API token")
    if not has_permission(current_user, VIEW_PERMISSION):
        abort(403, description="You are not allowed to do this.")
    return lookup_response(console=True)


@require_internal_token
def _bot_lookup() -> Response | tuple[Response, int]:
    if request.args.get("verified_only", "true").strip().lower() in {"false", "0", "no"}:
        log.warning("referrals: a token caller asked for unverified entries; refused")
    return lookup_response(console=False)


def lookup_response(*, console: bool) -> Response | tuple[Response, int]:
    args = request.args
    need_text = args.get("need", "").strip()
    need = resolve_need(need_text)
    if need_text and need is None:
        return bad_request(f"unknown need {need_text[:40]!r}; one of {', '.join(NEEDS)}")
    lang = args.get("lang", "en").strip() or "en"
    if lang not in LANGS:
        return bad_request(f"lang must be one of {', '.join(LANGS)}")
    try:
        limit = min(max(int(args.get("limit", "10")), 1), MAX_LIMIT)
    except ValueError:
        return bad_request("limit must be a number")
    verified_only = True
    if console:
        verified_only = args.get("verified_only", "false").strip().lower() in {"true", "1", "yes"}
    return jsonify(
        lookup_payload(need, args.get("place", ""), lang, limit, verified_only, console=console)
    )


def lookup_payload(
    need: str | None, place: str, lang: str, limit: int, verified_only: bool, *, console: bool
) -> dict[str, Any]:
    geo = gazetteer()
    match = geo.match(place)
    found = search(geo, need, match, verified_only=verified_only, limit=limit)
    today = utcnow().date()
    stale_days = current_app.config["REFERRALS_STALE_DAYS"]

    def render(items: list[Any]) -> list[dict[str, Any]]:
        return [
            service_json(r, geo, today=today, stale_days=stale_days, for_console=console)
            for r in items
        ]

    results = render(found.results)
    return {
        "query": {"need": need, "place": match.query, "lang": lang},
        "verified_only": verified_only,
        "need": need_json(need) if need else None,
        "place": geo.place_json(match),
        "clarify": _clarify(match, lang),
        "results": results,
        "no_verified_match": not any(r["verified"] for r in results),
        "fallback": render(found.fallback),
    }


def _clarify(match: Any, lang: str) -> dict[str, Any] | None:
    if match.status not in ("unknown", "ambiguous"):
        return None
    suggestions = [{"kind": t.kind, "en": t.name_en, "ne": t.name_ne} for t in match.suggestions]
    if match.status == "ambiguous" and suggestions:
        key = "ne" if lang == "ne" else "en"
        options = OR[lang].join(s[key] for s in suggestions)
        question = QUESTIONS["ambiguous"][lang].format(options=options)
    else:
        question = QUESTIONS["unknown"][lang]
    return {"reason": match.status, "question": question, "suggestions": suggestions}
