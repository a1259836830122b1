"""Client for the gateway's internal hand-off endpoint.

``POST {GATEWAY_URL}/internal/handoffs`` with a bearer token; the gateway queues the
conversation for a human counsellor. Any failure (gateway down, no token, timeout, non-2xx,
unexpected JSON) returns None: the caller must then give the person a safe reply without
promising that a counsellor will come. Logs name the conversation id, never message text.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from actions.settings import Settings, get_settings

logger = logging.getLogger(__name__)

REASONS = ("asked", "danger", "bot_failed")
PRIORITIES = ("urgent", "normal")
HANDOFF_PATH = "/internal/handoffs"


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
        expected_wait_minutes=wait
        if isinstance(wait, int) and not isinstance(wait, bool)
        else None,
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
) -> HandoffResult | None:
    """Ask the gateway to queue this conversation for a counsellor."""
    if reason not in REASONS or priority not in PRIORITIES:
        raise ValueError(f"bad hand-off reason/priority: {reason}/{priority}")
    settings = settings or get_settings()
    if not settings.internal_api_token:
        logger.warning("handoff %s not sent: INTERNAL_API_TOKEN is not set", conversation_id)
        return None
    body = {
        "conversation_id": conversation_id,
        "reason": reason,
        "priority": priority,
        "language": language,
        "channel": channel,
        "summary": summary,
    }
    url = settings.gateway_url.rstrip("/") + HANDOFF_PATH
    headers = {"Authorization": f"Bearer {settings.internal_api_token}"}
    timeout = aiohttp.ClientTimeout(total=settings.gateway_timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, json=body, headers=headers) as response,
        ):
            if response.status >= 300:
                logger.warning("handoff %s refused: HTTP %s", conversation_id, response.status)
                return None
            data = await response.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        logger.warning("handoff %s failed: %s", conversation_id, type(exc).__name__)
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
