"""The hand-off state machine: bot -> waiting -> with counsellor -> closed -> bot.

State changes that two people could race for (claiming, closing) are single conditional
UPDATE statements, so exactly one wins on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.vocabulary import HANDOFF_PRIORITIES, HANDOFF_REASONS
from webhooks.audit import audit
from webhooks.extensions import db
from webhooks.handoffs.schedule import Schedule
from webhooks.models import (
    Conversation,
    ConversationState,
    Direction,
    Handoff,
    HandoffStatus,
    Message,
    User,
    utcnow,
)

REASONS = HANDOFF_REASONS  # data/vocabulary.yml ("returning": she quoted her case code)
PRIORITIES = HANDOFF_PRIORITIES


class HandoffError(Exception):
    """A hand-off action that cannot happen now (the message says why)."""


@dataclass(frozen=True)
class Availability:
    on_duty: bool
    expected_wait_minutes: int | None
    available_from: datetime | None


def open_handoff(
    conversation: Conversation,
    *,
    reason: str,
    priority: str,
    language: str | None,
    summary: dict[str, Any],
    turn: Message | None = None,
) -> tuple[Handoff, bool]:
    """Queue the conversation for a counsellor; returns (hand-off, created).

    Asking again while already queued keeps the one hand-off (raising its priority if needed).
    ``turn`` is the inbound message whose bot turn asks: a turn asks at most once, however
    often its action runs (a retried or repeated action), so the same hand-off comes back.
    """
    if turn is not None:
        earlier = db.session.scalar(select(Handoff).filter_by(turn_message_id=turn.id))
        if earlier is not None:
            return earlier, False
    current = active_handoff(conversation)
    if current is not None:
        if priority == "urgent" and current.priority != "urgent":
            current.priority = "urgent"
            audit("handoff_escalated", conversation=conversation, handoff=current.id)
        db.session.commit()
        return current, False
    # What was there before the message that asked for help counts as read: the console
    # shows that message and every later one as unread until a counsellor opens it.
    newest_inbound = db.session.scalar(
        select(func.max(Message.id)).filter_by(
            conversation_id=conversation.id, direction=Direction.INBOUND.value
        )
    )
    handoff = Handoff(
        conversation=conversation,
        reason=reason,
        priority=priority,
        language=language or conversation.language,
        channel=conversation.channel,
        summary=summary,
        turn_message_id=turn.id if turn is not None else None,
        seen_message_id=(newest_inbound - 1) if newest_inbound else 0,
    )
    conversation.state = ConversationState.WAITING.value
    db.session.add(handoff)
    try:
        db.session.flush()
    except IntegrityError:  # the same turn asked twice at once: the other request won
        db.session.rollback()
        if turn is None:
            raise
        return db.session.scalars(select(Handoff).filter_by(turn_message_id=turn.id)).one(), False
    audit("handoff_opened", conversation=conversation, handoff=handoff.id, reason=reason,
          priority=priority)  # fmt: skip
    db.session.commit()
    return handoff, True


def over_hourly_cap(channel: str, per_hour: int, now: datetime | None = None) -> bool:
    """Have ``per_hour`` hand-offs already been opened on ``channel`` in the last hour?"""
    since = (now or utcnow()) - timedelta(hours=1)
    opened = db.session.scalar(
        select(func.count(Handoff.id)).where(
            Handoff.channel == channel, Handoff.created_at >= since
        )
    )
    return (opened or 0) >= per_hour


def escalate_for_danger(conversation: Conversation, danger: str) -> Handoff | None:
    """Danger written during a hand-off: the hand-off becomes urgent (audited, with the danger
    kind for the counsellor's summary). None when no hand-off is active."""
    handoff = active_handoff(conversation)
    if handoff is None:
        return None
    was = handoff.priority
    handoff.priority = "urgent"
    handoff.summary = {**(handoff.summary or {}), "danger_during_handoff": danger}
    audit("handoff_danger_detected", conversation=conversation, handoff=handoff.id,
          danger=danger, priority_before=was)  # fmt: skip
    db.session.commit()
    return handoff


def active_handoff(conversation: Conversation) -> Handoff | None:
    return db.session.scalar(
        select(Handoff)
        .filter_by(conversation_id=conversation.id)
        .where(Handoff.status.in_([HandoffStatus.WAITING.value, HandoffStatus.ACTIVE.value]))
        .order_by(Handoff.id.desc())
    )


def queue(language: str | None = None) -> list[Handoff]:
    """Waiting hand-offs: urgent first, then oldest first."""
    query = select(Handoff).filter_by(status=HandoffStatus.WAITING.value)
    if language:
        query = query.filter_by(language=language)
    urgent_first = case((Handoff.priority == "urgent", 0), else_=1)
    return list(db.session.scalars(query.order_by(urgent_first, Handoff.created_at, Handoff.id)))


def availability(
    handoff: Handoff, schedule: Schedule, average_minutes: int, now: datetime | None = None
) -> Availability:
    """Whether someone can answer now, and a rough wait from the queue ahead of this person."""
    now = now or utcnow()
    on_duty_count = db.session.scalar(
        select(func.count(User.id)).filter_by(on_duty=True, active=True)
    )
    if not schedule.is_open(now) or not on_duty_count:
        return Availability(False, None, schedule.next_opening(now))
    ahead = [item.id for item in queue()].index(handoff.id) if handoff.status == "waiting" else 0
    minutes = max(1, round((ahead + 1) * average_minutes / on_duty_count))
    return Availability(True, minutes, None)


def cancel_waiting(conversation: Conversation) -> bool:
    """The person went back to the bot before anyone claimed the hand-off."""
    handoff = active_handoff(conversation)
    if handoff is None or handoff.status != HandoffStatus.WAITING.value:
        return False
    won = _transition(handoff, HandoffStatus.WAITING, HandoffStatus.CANCELLED, closed_at=utcnow())
    if won:
        conversation.state = ConversationState.BOT.value
        audit("handoff_cancelled_by_person", conversation=conversation, handoff=handoff.id)
    db.session.commit()
    return won


def claim(handoff: Handoff, user: User) -> None:
    """Take a waiting hand-off. Exactly one of two simultaneous claims wins."""
    won = _transition(
        handoff, HandoffStatus.WAITING, HandoffStatus.ACTIVE, counsellor_id=user.id,
        claimed_at=utcnow(),
    )  # fmt: skip
    if not won:
        db.session.rollback()
        raise HandoffError("someone else has already taken this conversation")
    handoff.conversation.state = ConversationState.WITH_COUNSELLOR.value
    audit("handoff_claimed", user, handoff.conversation, handoff=handoff.id)
    db.session.commit()


def transfer(handoff: Handoff, to_user: User, by_user: User) -> None:
    if handoff.status != HandoffStatus.ACTIVE.value:
        raise HandoffError("only a conversation someone has taken can be transferred")
    if not to_user.active:
        raise HandoffError("that account is not active")
    previous = handoff.counsellor_id
    handoff.counsellor_id = to_user.id
    audit("handoff_transferred", by_user, handoff.conversation, handoff=handoff.id,
          from_user=previous, to_user=to_user.id)  # fmt: skip
    db.session.commit()


def close(handoff: Handoff, user: User, outcome: str, seen_up_to_message_id: int) -> None:
    """Close the hand-off; the person's next message goes to the bot.

    Refused if the person wrote something the counsellor has not seen yet (a message that
    arrived while they were closing): nothing a person writes may go unread.
    """
    if not outcome:  # the console checks it against the wrap-up form definition
        raise HandoffError("an outcome is needed to close")
    unseen = exists().where(
        and_(
            Message.conversation_id == handoff.conversation_id,
            Message.direction == Direction.INBOUND.value,
            Message.id > seen_up_to_message_id,
        )
    )
    result = db.session.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.status == HandoffStatus.ACTIVE.value, ~unseen)
        .values(status=HandoffStatus.CLOSED.value, closed_at=utcnow(), outcome=outcome)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise HandoffError("a new message has arrived, or the conversation is already closed")
    conversation = db.session.get(Conversation, handoff.conversation_id)
    conversation.state = ConversationState.BOT.value
    audit("handoff_closed", user, conversation, handoff=handoff.id, outcome=outcome)
    db.session.commit()
    db.session.refresh(handoff)


def claim_on_call_alert(handoff: Handoff) -> bool:
    """True for exactly one caller per hand-off: the one that may alert the on-call counsellor.

    A conditional UPDATE, so simultaneous urgent requests (several gateway processes) or an
    escalation to urgent never alert twice. The notifier clears the mark if the alert failed.
    """
    result = db.session.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.on_call_notified_at.is_(None))
        .values(on_call_notified_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    db.session.commit()
    return result.rowcount == 1


def _transition(
    handoff: Handoff, source: HandoffStatus, target: HandoffStatus, **values: Any
) -> bool:
    result = db.session.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.status == source.value)
        .values(status=target.value, **values)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1
