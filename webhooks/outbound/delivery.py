"""Queue, send and retry outbound messages; respect channel rules (WhatsApp's 24-hour window).

Every outbound message is stored first (status queued), then handed to the channel's sender.
A retryable failure schedules another attempt with exponential backoff; the worker
(`flask worker`) sends what is due. A counsellor sees every state in the console.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.sms_segments import count_segments
from webhooks.contact_vault import ContactVault
from webhooks.extensions import db
from webhooks.models import Conversation, Direction, Message, MessageStatus, User, utcnow
from webhooks.outbound.receipts import mark_sent
from webhooks.outbound.senders import DeliveryError, Sender
from webhooks.outbound.splitting import split_for_sms

log = logging.getLogger(__name__)

BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10),
           timedelta(minutes=30), timedelta(hours=2))  # fmt: skip
WHATSAPP_WINDOW = timedelta(hours=24)


class OutsideWindowError(Exception):
    """WhatsApp allows free-form replies only within 24 hours of the person's last message."""


def whatsapp_window_open(conversation: Conversation, now: datetime) -> bool:
    last = conversation.last_inbound_at
    return last is not None and now - last < WHATSAPP_WINDOW


def provider_reference(message: Message) -> str:
    """Our id for a message at the provider: the same on every attempt."""
    return f"sahayatri-{message.id}"


# A longer SMS is split into several messages of at most this many segments each.
SMS_MAX_SEGMENTS = {"sms": 3, "android_sms": 3}


@dataclass(frozen=True)
class Outbox:
    vault: ContactVault
    senders: Mapping[str, Sender]  # channel -> sender; channels without one keep messages queued

    def queue(
        self, conversation: Conversation, body: str, author: User | None = None
    ) -> list[Message]:
        """Store an outbound message (split for SMS if long) and try to send it now."""
        now = utcnow()
        if conversation.channel == "whatsapp" and not whatsapp_window_open(conversation, now):
            raise OutsideWindowError(
                "The person last wrote more than 24 hours ago: WhatsApp only allows an approved "
                "template message now. Nothing was sent."
            )
        max_segments = SMS_MAX_SEGMENTS.get(conversation.channel)
        parts = split_for_sms(body, max_segments) if max_segments else [body.strip()]
        messages = []
        for part in parts:
            cost = count_segments(part)
            messages.append(
                Message(
                    conversation=conversation,
                    direction=Direction.OUTBOUND.value,
                    channel=conversation.channel,
                    body=part,
                    status=MessageStatus.QUEUED.value,
                    author_id=author.id if author else None,
                    sms_encoding=cost.encoding,
                    sms_segments=cost.segments,
                    next_attempt_at=now,
                )
            )
        conversation.last_message_at = now
        db.session.add_all(messages)
        db.session.commit()
        for message in messages:
            self.attempt(message)
        return messages

    def attempt(self, message: Message) -> None:
        """One delivery attempt; on failure schedule the next or give up."""
        sender = self.senders.get(message.channel)
        if sender is None:
            return  # delivered by the channel itself (e.g. the web widget polls for it)
        now = utcnow()
        message.attempts += 1
        reference = provider_reference(message)
        message.provider_id = message.provider_id or reference
        # On disk before the provider hears of it: if its answer is lost, its receipts (and a
        # 409 for the same id on the next attempt) still lead back to this message.
        db.session.commit()
        try:
            address = self.vault.decrypt(message.conversation.contact.address_encrypted)
            provider_id = sender.send(message.channel, address, message.body, reference=reference)
        except DeliveryError as error:
            db.session.refresh(message)
            if message.status != MessageStatus.QUEUED.value:
                return  # a receipt arrived meanwhile: the provider had it after all
            message.last_error = error.reason[:200]
            if error.retryable and message.attempts <= len(BACKOFF):
                message.next_attempt_at = now + BACKOFF[message.attempts - 1]
            else:
                message.status = MessageStatus.FAILED.value
                message.next_attempt_at = None
            log.warning("message %s attempt %d failed: %s", message.id, message.attempts,
                        error.reason)  # fmt: skip
            db.session.commit()
        else:
            message.provider_id = provider_id
            message.last_error = None
            mark_sent(message)  # queued -> sent, unless a receipt got here first

    def retry_due(self, now: datetime | None = None) -> int:
        """Attempt every queued message whose time has come; return how many were tried."""
        due = db.session.scalars(
            select(Message).where(
                Message.status == MessageStatus.QUEUED.value,
                Message.next_attempt_at <= (now or utcnow()),
            )
        ).all()
        for message in due:
            self.attempt(message)
        return len(due)
