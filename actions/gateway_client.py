"""Client for the gateway's internal endpoints (one module for every gateway call).

- ``POST {GATEWAY_URL}/internal/handoffs``: queue the conversation for a human counsellor.
- ``GET {GATEWAY_URL}/api/referrals``: verified services by need and place.

Both use the internal bearer token. Any failure (gateway down, no token, timeout, non-2xx,
unexpected JSON) returns None: the caller must then give the person a safe reply without
promising a counsellor or inventing a service. Logs name the conversation id, never message
text or the place asked for (a place can identify a person).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from actions.settings import Settings, get_settings
from bot.vocabulary import HANDOFF_PRIORITIES, HANDOFF_REASONS

logger = logging.getLogger(__name__)

HANDOFF_PATH = "/internal/handoffs"
REFERRALS_PATH = "/api/referrals"


async def _call_gateway(
    method: str, path: str, what: str, conversation_id: str, settings: Settings, **request: Any
) -> Any | None:
    """One authenticated call to the gateway; its JSON, or None on any failure (logged)."""
    if not settings.internal_api_token:
        logger.warning("%s %s not sent: INTERNAL_API_TOKEN is not set", what, conversation_id)
        return None
    url = settings.gateway_url.rstrip("/") + path
    headers = {"Authorization": f"Bearer {settings.internal_api_token}"}
    timeout = aiohttp.ClientTimeout(total=settings.gateway_timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.request(method, url, headers=headers, **request) as response,
        ):
            if response.status >= 300:
                logger.warning("%s %s refused: HTTP %s", what, conversation_id, response.status)
                return None
            return await response.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        logger.warning("%s %s failed: %s", what, conversation_id, type(exc).__name__)
        return None


@dataclass(frozen=True)
class HandoffResult:
    queued: bool
    on_duty: bool
    expected_wait_minutes: int | None
    available_from: str | None


def parse_result(data: Any) -> HandoffResult | None:
    """The gateway's JSON as a HandoffResult; None if it does not follow the contract."""
    if not isinstance(data, dict) or not isinstance(data.get("queued"), bool):
        return None
    wait = data.get("expected_wait_minutes")
    if isinstance(wait, bool) or not isinstance(wait, int):
        wait = None
    available = data.get("available_from")
    return HandoffResult(
        queued=data["queued"],
        on_duty=bool(data.get("on_duty")),
        expected_wait_minutes=wait,
        available_from=available if isinstance(available, str) and available else None,
    )


async def open_handoff(
    conversation_id: str,
    reason: str,
    priority: str,
    language: str,
    channel: str,
    summary: dict[str, Any],
    settings: Settings | None = None,
    turn: int | None = None,
) -> HandoffResult | None:
    """Ask the gateway to queue this conversation for a counsellor.

    ``turn`` (the gateway's id for the message being answered) makes the request idempotent:
    the gateway opens at most one hand-off per turn, and can repair a turn it gave up on.
    """
    if reason not in HANDOFF_REASONS or priority not in HANDOFF_PRIORITIES:
        raise ValueError(f"bad hand-off reason/priority: {reason}/{priority}")
    body = {
        "conversation_id": conversation_id,
        "reason": reason,
        "priority": priority,
        "language": language,
        "channel": channel,
        "summary": summary,
    }
    if turn is not None:
        body["turn"] = turn
    data = await _call_gateway(
        "POST", HANDOFF_PATH, "handoff", conversation_id, settings or get_settings(), json=body
    )
    if data is None:
        return None
    result = parse_result(data)
    if result is None:
        logger.warning("handoff %s: unexpected gateway answer", conversation_id)
    else:
        logger.info(
            "handoff %s reason=%s priority=%s queued=%s",
            conversation_id,
            reason,
            priority,
            result.queued,
        )
    return result


def parse_referrals(data: Any) -> dict[str, Any] | None:
    """The referral lookup answer, keeping verified entries only; None if off-contract.

    The gateway already gives token callers verified entries only; dropping anything not
    marked ``verified: true`` here as well means a gateway bug cannot put an unchecked phone
    number in front of a person.
    """
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return None

    def verified(items: Any) -> list[dict[str, Any]]:
        if not isinstance(items, list):
            return []
        return [i for i in items if isinstance(i, dict) and i.get("verified") is True]

    clarify = data.get("clarify")
    if not (isinstance(clarify, dict) and isinstance(clarify.get("question"), str)):
        clarify = None
    results = verified(data["results"])
    return {
        "need": data.get("need") if isinstance(data.get("need"), dict) else None,
        "place": data.get("place") if isinstance(data.get("place"), dict) else {},
        "clarify": clarify,
        "results": results,
        "no_verified_match": bool(data.get("no_verified_match")) or not results,
        "fallback": verified(data.get("fallback")),
    }


async def find_referrals(
    conversation_id: str,
    need: str | None,
    place: str,
    lang: str,
    limit: int,
    settings: Settings | None = None,
) -> dict[str, Any] | None:
    """Ask the gateway for verified services (see parse_referrals); None on any failure."""
    params = {"place": place[:100], "lang": lang, "limit": str(limit)}
    if need:
        params["need"] = need
    data = await _call_gateway(
        "GET", REFERRALS_PATH, "referrals", conversation_id, settings or get_settings(),
        params=params,
    )  # fmt: skip
    if data is None:
        return None
    result = parse_referrals(data)
    if result is None:
        logger.warning("referrals %s: unexpected gateway answer", conversation_id)
    else:
        logger.info(
            "referrals %s need=%s results=%d clarify=%s",
            conversation_id,
            need or "-",
            len(result["results"]),
            bool(result["clarify"]),
        )
    return result
