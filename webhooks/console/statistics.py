"""Supervisor statistics: traffic and SMS cost per channel, hand-offs, waiting breaches.

Counts only: no message text and no numbers leave the database here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from webhooks.console.common import REASONS
from webhooks.console.permissions import requires
from webhooks.extensions import db
from webhooks.models import Direction, Handoff, Message, MessageStatus, utcnow
from webhooks.stats_archive import all_time_totals

statistics_blueprint = Blueprint("statistics", __name__)

PERIOD_DAYS = 30


@dataclass(frozen=True)
class ChannelStats:
    channel: str
    inbound: int
    outbound: int
    segments: int  # SMS segments the outbound messages cost (0 for the web widget)
    unanswered: int
    failed: int


def channel_stats(days: int = PERIOD_DAYS) -> list[ChannelStats]:
    since = utcnow() - timedelta(days=days)

    def count(*conditions: Any) -> Any:
        return func.count(Message.id).filter(*conditions)

    rows = db.session.execute(
        select(
            Message.channel,
            count(Message.direction == Direction.INBOUND.value),
            count(Message.direction == Direction.OUTBOUND.value),
            func.coalesce(
                func.sum(Message.sms_segments).filter(
                    Message.direction == Direction.OUTBOUND.value
                ),
                0,
            ),
            count(Message.status == MessageStatus.UNANSWERED.value),
            count(Message.status == MessageStatus.FAILED.value),
        )
        .where(Message.created_at >= since)
        .group_by(Message.channel)
        .order_by(Message.channel)
    ).all()
    return [ChannelStats(*row) for row in rows]


def handoff_stats(days: int = PERIOD_DAYS) -> dict[str, object]:
    since = utcnow() - timedelta(days=days)
    by_reason = dict(
        db.session.execute(
            select(Handoff.reason, func.count(Handoff.id))
            .where(Handoff.created_at >= since)
            .group_by(Handoff.reason)
        ).all()
    )
    breaches = db.session.scalar(
        select(func.count(Handoff.id)).where(
            Handoff.created_at >= since, Handoff.reassured_at.is_not(None)
        )
    )
    return {"by_reason": by_reason, "breaches": breaches}


@statistics_blueprint.get("/stats")
@requires("stats.view")
def stats_page() -> str:
    return render_template(
        "console/stats.html",
        days=PERIOD_DAYS,
        channels=channel_stats(),
        handoffs=handoff_stats(),
        reassure_after=current_app.config["HANDOFF_REASSURE_AFTER_MINUTES"],
        reasons=REASONS,
        all_time=all_time_totals(),
        retention_days=current_app.config["RETENTION_DAYS"],
    )
