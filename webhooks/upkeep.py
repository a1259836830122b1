"""The worker's trust duties, beside its retries and reassurances (webhooks/worker.py):
a heartbeat for /readyz, pending erasures, answering unanswered messages once the bot is
back, and hourly: retention and forgetting old console sessions and log-in counters.
Each duty is short, idempotent and claims its rows, so a restarted or second worker is safe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from webhooks import upkeep_state
from webhooks.console import sessions as console_sessions
from webhooks.console import throttle
from webhooks.models import utcnow
from webhooks.recovery import RecoveryReport, recover_unanswered
from webhooks.retention import RetentionResult, apply_retention
from webhooks.services import services

log = logging.getLogger(__name__)

HEARTBEAT = "worker"
HOURLY = "retention"
EVERY_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class UpkeepReport:
    erasures: int
    recovery: RecoveryReport
    retention: RetentionResult | None


def run_upkeep(now: datetime | None = None) -> UpkeepReport:
    now = now or utcnow()
    upkeep_state.mark(HEARTBEAT, now)
    recovery = recover_unanswered(now)
    retention = None
    last = upkeep_state.last(HOURLY)
    if last is None or now - last >= EVERY_HOUR:
        upkeep_state.mark(HOURLY, now)
        retention = apply_retention(now)
        console_sessions.forget_old(now)
        throttle.forget_old(now)
    erasures = services().eraser.retry_due(now)  # after retention: its erasures go at once
    return UpkeepReport(erasures, recovery, retention)


def worker_seen_within(seconds: float, now: datetime | None = None) -> bool:
    last = upkeep_state.last(HEARTBEAT)
    return last is not None and (now or utcnow()) - last <= timedelta(seconds=seconds)
