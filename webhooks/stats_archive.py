"""Message counts that outlive the messages: erasure and retention delete what people wrote,
but the per-day, per-channel counts (traffic, SMS cost, unanswered, failed) are kept here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from webhooks.extensions import db
from webhooks.models import Direction, Message, MessageStatus

FIELDS = ("inbound", "outbound", "segments", "unanswered", "failed")


class ArchivedMessageStats(db.Model):
    """Counts of deleted messages, by the day they were written and their channel."""

    __tablename__ = "archived_message_stats"
    __table_args__ = (UniqueConstraint("day", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    inbound: Mapped[int] = mapped_column(default=0)
    outbound: Mapped[int] = mapped_column(default=0)
    segments: Mapped[int] = mapped_column(default=0)
    unanswered: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)


def archive_counts(conversation_ids: Iterable[int]) -> None:
    """Add the counts of these conversations' messages to the archive (before deleting them).

    Part of the caller's transaction: the counts and the deletion commit together.
    """
    ids = list(conversation_ids)
    if not ids:
        return
    totals: dict[tuple[date, str], Counter[str]] = {}
    rows = db.session.execute(
        select(
            Message.created_at, Message.channel, Message.direction, Message.status,
            Message.sms_segments,
        ).where(Message.conversation_id.in_(ids))
    )  # fmt: skip
    for created_at, channel, direction, status, segments in rows:
        counts = totals.setdefault((created_at.date(), channel), Counter())
        if direction == Direction.INBOUND.value:
            counts["inbound"] += 1
        else:
            counts["outbound"] += 1
            counts["segments"] += segments or 0
        counts["unanswered"] += status == MessageStatus.UNANSWERED.value
        counts["failed"] += status == MessageStatus.FAILED.value
    for (day, channel), counts in totals.items():
        row = db.session.scalar(select(ArchivedMessageStats).filter_by(day=day, channel=channel))
        if row is None:
            row = ArchivedMessageStats(day=day, channel=channel, **dict.fromkeys(FIELDS, 0))
            db.session.add(row)
        for name in FIELDS:
            setattr(row, name, getattr(row, name) + counts[name])
    db.session.flush()


@dataclass(frozen=True)
class Totals:
    channel: str
    inbound: int
    outbound: int
    segments: int
    unanswered: int
    failed: int


def all_time_totals() -> list[Totals]:
    """Per channel, since the start: the archived counts plus the messages still stored."""
    totals: dict[str, Counter[str]] = {}
    archived = db.session.execute(
        select(ArchivedMessageStats.channel, *(func.sum(getattr(ArchivedMessageStats, f))
                                               for f in FIELDS))
        .group_by(ArchivedMessageStats.channel)
    )  # fmt: skip
    for channel, *values in archived:
        totals.setdefault(channel, Counter()).update(
            dict(zip(FIELDS, map(int, values), strict=True))
        )

    def count(*conditions: object) -> object:
        return func.count(Message.id).filter(*conditions)

    live = db.session.execute(
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
        ).group_by(Message.channel)
    )
    for channel, *values in live:
        totals.setdefault(channel, Counter()).update(
            dict(zip(FIELDS, map(int, values), strict=True))
        )
    return [Totals(channel, *(totals[channel][f] for f in FIELDS)) for channel in sorted(totals)]
