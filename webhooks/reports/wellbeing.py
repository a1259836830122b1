"""Counsellor wellbeing: how many danger cases and long conversations each counsellor has
carried in her shift, and whether to suggest a break or a debrief.

A shift is the last ``WELLBEING_SHIFT_HOURS`` (default 8): a rolling window needs no clocking
in, and "the last eight hours" is what matters for a break. A hand-off counts for the
counsellor who holds or closed it when it was with her at any time in the window (taken
before the window's end, not closed before its start). A danger case is an urgent hand-off
(danger detected, by the bot or during the conversation); a long conversation is one held
``WELLBEING_LONG_MINUTES`` or more (until closed, or until now). The NGO sets when to
prompt: ``WELLBEING_DANGER_CASES`` danger cases or ``WELLBEING_LONG_CONVERSATIONS`` long
ones in a shift. Only the counsellor herself and supervisors see these figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from webhooks.extensions import db
from webhooks.models import Handoff, HandoffStatus, User, utcnow

HISTORY_DAYS = 7


@dataclass(frozen=True)
class Thresholds:
    shift: timedelta
    long: timedelta
    danger_cases: int
    long_conversations: int

    @classmethod
    def from_config(cls) -> Thresholds:
        config = current_app.config
        return cls(
            timedelta(hours=config["WELLBEING_SHIFT_HOURS"]),
            timedelta(minutes=config["WELLBEING_LONG_MINUTES"]),
            config["WELLBEING_DANGER_CASES"],
            config["WELLBEING_LONG_CONVERSATIONS"],
        )


@dataclass(frozen=True)
class Load:
    """One counsellor's load in a stretch of time."""

    danger: int = 0
    long: int = 0
    conversations: int = 0

    def needs_break(self, limits: Thresholds) -> bool:
        return self.danger >= limits.danger_cases or self.long >= limits.long_conversations


@dataclass(frozen=True)
class CounsellorWellbeing:
    user: User
    shift: Load
    days: dict[date, Load]  # the last HISTORY_DAYS days on the desk's calendar
    prompt: bool


def is_danger(handoff: Handoff) -> bool:
    return handoff.priority == "urgent" or handoff.reason == "danger"


def held_for(handoff: Handoff, now: datetime) -> timedelta:
    assert handoff.claimed_at is not None
    return (handoff.closed_at or now) - handoff.claimed_at


def _held_between(user_ids: list[int], since: datetime, until: datetime) -> list[Handoff]:
    return list(
        db.session.scalars(
            select(Handoff).where(
                Handoff.counsellor_id.in_(user_ids),
                Handoff.claimed_at.is_not(None),
                Handoff.claimed_at < until,
                Handoff.status.in_([HandoffStatus.ACTIVE.value, HandoffStatus.CLOSED.value]),
                or_(Handoff.closed_at.is_(None), Handoff.closed_at >= since),
            )
        )
    )


def _load(handoffs: list[Handoff], limits: Thresholds, now: datetime) -> Load:
    return Load(
        danger=sum(1 for h in handoffs if is_danger(h)),
        long=sum(1 for h in handoffs if held_for(h, now) >= limits.long),
        conversations=len(handoffs),
    )


def wellbeing(
    users: list[User], zone: Any, now: datetime | None = None
) -> list[CounsellorWellbeing]:
    """Each user's shift and last days; ``zone`` is the desk's time zone (for days)."""
    now = now or utcnow()
    limits = Thresholds.from_config()
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    history_start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    since = min(now - limits.shift, history_start)
    ids = [user.id for user in users]
    held = _held_between(ids, since, now) if ids else []
    by_user: dict[int, list[Handoff]] = defaultdict(list)
    for handoff in held:
        by_user[handoff.counsellor_id or 0].append(handoff)
    result = []
    for user in users:
        mine = by_user[user.id]
        shift_start = now - limits.shift
        in_shift = [h for h in mine if h.closed_at is None or h.closed_at >= shift_start]
        days: dict[date, list[Handoff]] = defaultdict(list)
        for handoff in mine:
            assert handoff.claimed_at is not None
            days[handoff.claimed_at.astimezone(zone).date()].append(handoff)
        shift = _load(in_shift, limits, now)
        history = {
            first_day + timedelta(days=n): _load(days[first_day + timedelta(days=n)], limits, now)
            for n in range(HISTORY_DAYS)
        }
        result.append(CounsellorWellbeing(user, shift, history, shift.needs_break(limits)))
    return result


def counsellors() -> list[User]:
    """Everyone who takes conversations (supervisors do too), active accounts only."""
    return list(
        db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
    )
