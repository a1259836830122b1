"""Answers the messages the bot could not answer, once it can (run by the worker).

When Rasa or the action server is down, slow or busy, the person gets the safe reply at once
("we will reply soon", with the emergency numbers) and the message is stored ``unanswered``
and due for another try. Each worker pass takes the due messages, oldest first:

- the conversation is now with counsellors: they read it there;
- the person has waited UNANSWERED_HANDOFF_AFTER_MINUTES, or the message looks urgent (the
  bot's own NLU and danger rule, ``bot.safety.danger_signal``): a hand-off to the
  counsellor queue (urgent if it looks urgent) and a message telling the person so;
- otherwise the bot answers now and the answer goes out through the outbox, in the person's
  channel (Twilio or the Android phone for SMS/WhatsApp; the widget fetches web replies);
- the bot is still down: try again in a minute (the wait keeps growing towards the hand-off).

A message is claimed with a conditional UPDATE of its due time, so two workers never answer
the same message. A message left ``received`` by a crash in the middle of a turn is treated
as unanswered after a few minutes: nothing a person sends is left without an answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from bot.safety import danger_signal
from webhooks.audit import audit
from webhooks.conversations.bot_client import BotUnavailable
from webhooks.conversations.texts import text as gateway_text
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.models import (
    ConversationState,
    Direction,
    Handoff,
    Message,
    MessageStatus,
    utcnow,
)
from webhooks.outbound.delivery import OutsideWindowError
from webhooks.reports.bot_turns import record_turn
from webhooks.services import services

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # a claimed message is not taken by another worker meanwhile
RETRY_AFTER = timedelta(minutes=1)
STUCK_AFTER = timedelta(minutes=3)  # "received" this long: its turn died with a process
BATCH = 50


@dataclass
class RecoveryReport:
    answered: int = 0
    handed_off: int = 0
    for_counsellors: int = 0
    waiting_for_bot: int = 0

    def total(self) -> int:
        return self.answered + self.handed_off + self.for_counsellors


def release_stuck(now: datetime) -> int:
    """Messages whose turn died with a process become unanswered and due now."""
    result = db.session.execute(
        update(Message)
        .where(
            Message.direction == Direction.INBOUND.value,
            Message.status == MessageStatus.RECEIVED.value,
            Message.created_at <= now - STUCK_AFTER,
        )
        .values(status=MessageStatus.UNANSWERED.value, next_attempt_at=now)
    )
    db.session.commit()
    return result.rowcount


def _claim(message_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.status == MessageStatus.UNANSWERED.value,
            Message.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + LEASE)
    )
    db.session.commit()
    return result.rowcount == 1


def recover_unanswered(now: datetime | None = None) -> RecoveryReport:
    now = now or utcnow()
    release_stuck(now)
    report = RecoveryReport()
    due_ids = db.session.scalars(
        select(Message.id)
        .where(
            Message.direction == Direction.INBOUND.value,
            Message.status == MessageStatus.UNANSWERED.value,
            Message.next_attempt_at <= now,
        )
        .order_by(Message.id)
        .limit(BATCH)
    ).all()
    bot_up: bool | None = None
    for message_id in due_ids:
        if not _claim(message_id, now):
            continue  # another worker has it
        message = db.session.get(Message, message_id)
        if bot_up is None:
            bot_up = _bot_up()
        try:
            outcome = _recover(message, now, bot_up)
        except BotUnavailable:
            bot_up, outcome = False, _later(message, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    if report.total():
        audit("unanswered_recovered", answered=report.answered, handed_off=report.handed_off,
              for_counsellors=report.for_counsellors)  # fmt: skip
        db.session.commit()
        log.info("recovered unanswered messages: %s", report)
    return report


def _bot_up() -> bool:
    """Some Rasa instance is reachable with its model loaded."""
    return any(s.get("reachable") and s.get("model_loaded") for s in services().bot.status())


def _repair_pending(message: Message) -> bool:
    """A hand-off this failed turn opened, that the bot has not been told of yet."""
    return (
        db.session.scalar(
            select(Handoff.id).where(
                Handoff.turn_message_id == message.id, Handoff.turn_repaired_at.is_(None)
            )
        )
        is not None
    )


def _later(message: Message, now: datetime) -> str:
    message.next_attempt_at = now + RETRY_AFTER
    db.session.commit()
    return "waiting_for_bot"


def _done(message: Message, status: MessageStatus) -> None:
    message.status = status.value
    message.next_attempt_at = None
    db.session.commit()


def _recover(message: Message, now: datetime, bot_up: bool) -> str:
    conversation = message.conversation
    contact = conversation.contact
    if contact is None or contact.is_blocked(now) or contact.opted_out:
        _done(message, MessageStatus.NOT_ROUTED)
        return "for_counsellors"
    if conversation.state != ConversationState.BOT.value:
        if _repair_pending(message):  # turn_repair.py first tells the bot of the hand-off
            return _later(message, now)
        _done(message, MessageStatus.FOR_COUNSELLOR)
        return "for_counsellors"
    waited = now - message.created_at
    too_long = waited >= timedelta(minutes=current_app.config["UNANSWERED_HANDOFF_AFTER_MINUTES"])
    if not bot_up:
        return _hand_off(message, now, urgent=False) if too_long else _later(message, now)
    bot = services().bot
    urgent = danger_signal(bot.parse(conversation.public_id, message.body)) is not None
    if urgent or too_long:
        return _hand_off(message, now, urgent=urgent)
    turn = bot.send(
        conversation.public_id,
        message.body,
        # the form was decided when the message arrived (the router stored it)
        {"channel": conversation.channel, "language": conversation.language,
         "language_source": "conversation", "turn": message.id},
    )  # fmt: skip
    if not turn.replies:
        return _later(message, now)
    try:
        for reply in turn.replies:
            for sent in services().outbox.queue(conversation, reply.text):
                sent.reply_to_id = message.id
        record_turn(conversation, turn.report, now, [reply.text for reply in turn.replies])
        db.session.commit()
    except OutsideWindowError:  # WhatsApp's 24 hours have passed: only a counsellor can help
        db.session.rollback()
        return _hand_off(message, now, urgent=False)
    _done(message, MessageStatus.ANSWERED)
    return "answered"


def _hand_off(message: Message, now: datetime, *, urgent: bool) -> str:
    conversation = message.conversation
    waited = int((now - message.created_at).total_seconds() // 60)
    handoff, created = handoffs.open_handoff(
        conversation,
        reason="danger" if urgent else "bot_failed",
        priority="urgent" if urgent else "normal",
        language=conversation.language,
        summary={
            "unanswered_message": "the bot could not answer in time",
            "waited_minutes": waited,
        },
    )
    _done(message, MessageStatus.FOR_COUNSELLOR)
    app_services = services()
    if created and urgent:
        availability = handoffs.availability(
            handoff, app_services.schedule, current_app.config["HANDOFF_AVERAGE_MINUTES"]
        )
        if not availability.on_duty and handoffs.claim_on_call_alert(handoff):
            app_services.notifier.notify_urgent(handoff)
    try:
        notice = gateway_text("unanswered_handed_off", conversation.language)
        for sent in app_services.outbox.queue(conversation, notice):
            sent.reply_to_id = message.id
        db.session.commit()
    except OutsideWindowError:
        log.info("conversation %s: hand-off notice not sent (outside WhatsApp window)",
                 conversation.public_id)  # fmt: skip
    return "handed_off"
