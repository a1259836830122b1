"""Erase a person's conversation on request: the right to be forgotten, kept auditable.

Deletes every message, recording (webhooks/recordings.py), note and follow-up task, clears
the hand-off summaries and wrap-up answers (their outcomes stay for the counts), makes the
stored number unreadable and unfindable (the next message from that number starts afresh),
and deletes the copies kept elsewhere: Rasa's tracker (through the erasure channel,
bot/erasure_channel.py) and, for SMS, WhatsApp and calls when Twilio is configured, Twilio's
message and call records and recordings. What cannot be deleted at once (Rasa or Twilio
down) stays in ``pending_erasures`` and the worker retries it; only the encrypted address
needed for Twilio is kept there, and only until that is done.
The audit trail keeps that it happened, by whom, and counts. Retention (webhooks/retention.py)
uses the same pending erasures for Rasa's copies of expired conversations.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, Text, delete, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from webhooks.audit import audit
from webhooks.contact_vault import ContactVault
from webhooks.conversations.bot_client import BotClient, BotUnavailable
from webhooks.extensions import db
from webhooks.models import (
    Conversation,
    ConversationState,
    FollowUp,
    Handoff,
    HandoffStatus,
    Message,
    Note,
    User,
    WrapUp,
    utcnow,
)
from webhooks.outbound.senders import DeliveryError, Sender
from webhooks.recordings import forget_recordings
from webhooks.stats_archive import archive_counts

log = logging.getLogger(__name__)

TWILIO_CHANNELS = ("sms", "whatsapp", "voice")
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
               timedelta(hours=2), timedelta(hours=6))  # fmt: skip


class PendingErasure(db.Model):
    """Copies of a conversation still to delete outside the gateway's database."""

    __tablename__ = "pending_erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_public_id: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))  # request | retention
    bot_done: Mapped[bool] = mapped_column(default=False)
    # Encrypted like every contact address; cleared as soon as Twilio's records are deleted.
    twilio_address_encrypted: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class ErasureResult:
    messages: int
    notes: int
    bot_copy_erased: bool
    twilio_records_deleted: int | None  # None: nothing to delete there, or not done yet
    complete: bool


@dataclass(frozen=True)
class CopiesEraser:
    """Deletes the copies outside the gateway: Rasa's tracker, Twilio's records."""

    bot: BotClient
    vault: ContactVault
    senders: Mapping[str, Sender]

    def attempt(self, pending: PendingErasure, now: datetime | None = None) -> int | None:
        """One try at everything still pending; returns Twilio records deleted (or None).

        Deletes the pending row when all is done, else schedules the next try. Commits.
        """
        now = now or utcnow()
        problems = []
        twilio_deleted = None
        if not pending.bot_done:
            try:
                self.bot.erase(pending.conversation_public_id)
                pending.bot_done = True
            except BotUnavailable:
                problems.append("Rasa unavailable")
        if pending.twilio_address_encrypted:
            deleter = getattr(self.senders.get(pending.channel), "delete_records", None)
            if deleter is None:  # Twilio not configured (any more): nothing we can delete
                pending.twilio_address_encrypted = None
            else:
                try:
                    address = self.vault.decrypt(pending.twilio_address_encrypted)
                    twilio_deleted = deleter(pending.channel, address)
                    pending.twilio_address_encrypted = None
                except (DeliveryError, ValueError) as error:
                    problems.append(getattr(error, "reason", "address unreadable"))
        pending.attempts += 1
        if problems:
            pending.last_error = "; ".join(problems)[:200]
            pending.next_attempt_at = now + RETRY_AFTER[min(pending.attempts, len(RETRY_AFTER)) - 1]
            log.warning("erasure of conversation %s pending: %s",
                        pending.conversation_public_id, pending.last_error)  # fmt: skip
        else:
            if pending.attempts > 1:
                audit("erasure_completed", conversation_public_id=pending.conversation_public_id,
                      reason=pending.reason, attempts=pending.attempts)  # fmt: skip
            db.session.delete(pending)
        db.session.commit()
        return twilio_deleted

    def retry_due(self, now: datetime | None = None, limit: int = 50) -> int:
        now = now or utcnow()
        due = db.session.scalars(
            select(PendingErasure)
            .where(PendingErasure.next_attempt_at <= now)
            .order_by(PendingErasure.id)
            .limit(limit)
        ).all()
        for pending in due:
            self.attempt(pending, now)
        return len(due)


def delete_conversation_data(conversation: Conversation, reason: str) -> tuple[int, int]:
    """Delete messages, recordings, notes and follow-ups (counts archived first), clear
    hand-off summaries and wrap-up answers. Returns (messages, notes). The caller commits."""
    archive_counts([conversation.id])
    forget_recordings(conversation)  # before the messages they belong to
    # Replies point at the messages they answer: remove the links first.
    db.session.execute(
        update(Message).where(Message.conversation_id == conversation.id).values(reply_to_id=None)
    )
    messages = db.session.execute(
        delete(Message).where(Message.conversation_id == conversation.id)
    ).rowcount
    notes = db.session.execute(delete(Note).where(Note.conversation_id == conversation.id)).rowcount
    # Wrap-ups keep their outcome for the counts; their answers and follow-up tasks go.
    db.session.execute(delete(FollowUp).where(FollowUp.conversation_id == conversation.id))
    db.session.execute(
        update(WrapUp).where(WrapUp.conversation_id == conversation.id).values(answers={})
    )
    for handoff in db.session.scalars(select(Handoff).filter_by(conversation_id=conversation.id)):
        handoff.summary = {}
        if handoff.status in (HandoffStatus.WAITING.value, HandoffStatus.ACTIVE.value):
            handoff.status, handoff.closed_at = HandoffStatus.CLOSED.value, utcnow()
            handoff.outcome = f"erased_{reason}"
    conversation.state = ConversationState.BOT.value
    return messages, notes


def erase_conversation(
    conversation: Conversation, by_user: User, eraser: CopiesEraser
) -> ErasureResult:
    messages, notes = delete_conversation_data(conversation, "on_request")
    contact = conversation.contact
    pending = PendingErasure(
        conversation_public_id=conversation.public_id,
        channel=conversation.channel,
        reason="request",
        twilio_address_encrypted=(
            contact.address_encrypted if conversation.channel in TWILIO_CHANNELS else None
        ),
    )
    db.session.add(pending)
    contact.address_encrypted = ""
    contact.address_hash = "erased-" + secrets.token_hex(28)
    db.session.commit()
    pending_id = pending.id
    wipe_free_pages()
    twilio_deleted = eraser.attempt(pending)
    left = db.session.get(PendingErasure, pending_id)
    bot_copy_erased = left is None or left.bot_done
    complete = left is None
    audit("conversation_erased", by_user, conversation, messages=messages, notes=notes,
          bot_copy_erased=bot_copy_erased, twilio_records_deleted=twilio_deleted,
          complete=complete)  # fmt: skip
    db.session.commit()
    return ErasureResult(messages, notes, bot_copy_erased, twilio_deleted, complete)


def wipe_free_pages() -> None:
    """On SQLite, make deleted text unreadable in the database files too.

    ``secure_delete`` (set on every connection) zeroes deleted rows in the main file; the
    checkpoint copies them there and truncates the write-ahead log, which held the old pages.
    PostgreSQL frees deleted rows at its next VACUUM.
    """
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
