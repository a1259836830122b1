"""Queue, send and retry outbound messages; respect channel rules (WhatsApp's 24-hour window).

Every outbound message is stored first (status queued), then handed to the channel's sender.
A retryable failure schedules another attempt with exponential backoff; the worker
(`flask worker`) sends what is due. A counsellor sees every state in the console.

Sent once, by one party: a message is only sent by whoever claimed it. ``next_attempt_at`` is
the claim: a message is due when it is queued and that time has passed; claiming it moves the
time ``CLAIM_LEASE`` ahead. A request that queues a message stores it already claimed and sends
it itself; workers claim due messages with ``claim_rows`` (FOR UPDATE SKIP LOCKED on
PostgreSQL, a conditional UPDATE on SQLite). If a sender dies mid-send, the lease runs out and
a worker tries again (the provider gets the same reference, ``sahayatri-<id>``).

Order: a conversation's queued messages leave first in, first out. Only its oldest queued
message is due; the parts of a split SMS (and a bot's several replies) are queued together and
sent one after another, and a part that must be retried holds the later ones back until it is
sent or has failed for good. So the provider receives the parts in order, each sent once.
Carriers do not promise to deliver SMS in the order they were sent, and a basic phone shows
them as they arrive, so each part is split at sentence boundaries and reads on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from bot.sms_segments import count_segments
from webhooks.claims import claim_rows
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
# How long a claimed message is left to its sender (far above the senders' 10 s timeouts).
CLAIM_LEASE = timedelta(minutes=2)
CLAIM_BATCH = 50


class OutsideWindowError(Exception):
    """WhatsApp allows free-form replies only within 24 hours of the person's last message."""


def whatsapp_window_open(conversation: Conversation, now: datetime) -> bool:
    last = conversation.last_inbound_at
    return last is not None and now - last < WHATSAPP_WINDOW


def provider_reference(message: Message) -> str:
    """Our id for a message at the provider: the same on every attempt."""
    return f"sahayatri-{message.id}"


# Channels whose messages are fetched by the person's client rather than sent by us.
POLLED_CHANNELS = frozenset({"web"})
NOT_CONFIGURED = {
    "sms": "not sent: Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_SMS_FROM)",
    "whatsapp": "not sent: Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_WHATSAPP_FROM)",
    "android_sms": "not sent: the Android SMS gateway is not configured (ANDROID_SMS_SEND_URL)",
    "voice": "not sent: a phone call has no text messages; use Call back",
}

# A longer SMS is split into several messages of at most this many segments each.
SMS_MAX_SEGMENTS = {"sms": 3, "android_sms": 3}


@dataclass(frozen=True)
class Outbox:
    vault: ContactVault
    senders: Mapping[str, Sender]  # channel -> sender; a channel without one fails its messages

    def queue(
        self, conversation: Conversation, body: str, author: User | None = None
    ) -> list[Message]:
        """Store an outbound message (split for SMS if long) and send it now.

        Its parts are stored already claimed by the caller, so no worker can send them while
        the caller does.
        """
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
                    next_attempt_at=now + CLAIM_LEASE,
                )
            )
        conversation.last_message_at = now
        db.session.add_all(messages)
        db.session.commit()
        self.send_claimed(messages)
        return messages

    def send_claimed(self, messages: list[Message]) -> None:
        """Send messages the caller has claimed (queued together, in order).

        Stops at the first one that is still queued afterwards (a retry is scheduled) and hands
        the rest to the worker, which sends them after it. Also hands them over at once when an
        older message of the conversation is still queued: it goes first.
        """
        if not messages:
            return
        if _older_queued(messages[0]):
            _release(messages)
            return
        for index, message in enumerate(messages):
            self.attempt(message)
            if message.status == MessageStatus.QUEUED.value:
                _release(messages[index + 1 :])
                return

    def attempt(self, message: Message) -> None:
        """One delivery attempt; on failure schedule the next or give up."""
        if message.channel in POLLED_CHANNELS:
            return  # delivered by the channel itself: the web widget polls for it
        sender = self.senders.get(message.channel)
        if sender is None:
            # Nothing can ever send it: say so at once (console, statistics), never retry.
            message.status = MessageStatus.FAILED.value
            message.next_attempt_at = None
            message.last_error = NOT_CONFIGURED.get(message.channel, "channel not configured")
            log.warning("message %s failed: %s channel not configured", message.id,
                        message.channel)  # fmt: skip
            db.session.commit()
            return
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
        """Claim and send every message whose time has come; return how many were tried.

        Several workers may run this at once: each message is claimed by one of them. After a
        message is sent, the conversation's next one becomes due, so claim again until none is.
        """
        now = now or utcnow()
        tried = 0
        while claimed := self.claim_due(now):
            progressed = False
            for message_id in claimed:
                message = db.session.get(Message, message_id)
                if message is not None:
                    self.attempt(message)
                    progressed |= message.status != MessageStatus.QUEUED.value
            tried += len(claimed)
            if not progressed:  # only retries were scheduled: nothing new became due
                return tried
        return tried

    def claim_due(self, now: datetime, limit: int = CLAIM_BATCH) -> list[int]:
        """Claim due messages (the oldest queued one of each conversation) for this caller."""
        earlier = aliased(Message)
        older_queued = exists().where(
            earlier.conversation_id == Message.conversation_id,
            earlier.status == MessageStatus.QUEUED.value,
            earlier.id < Message.id,
        )
        due = [
            Message.status == MessageStatus.QUEUED.value,
            Message.next_attempt_at <= now,
            Message.channel.in_(list(self.senders)),  # others are delivered by their channel
            ~older_queued,
        ]
        return claim_rows(
            Message, due, {"next_attempt_at": now + CLAIM_LEASE},
            order_by=(Message.next_attempt_at, Message.id), limit=limit,
        )  # fmt: skip


def _older_queued(message: Message) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Message.conversation_id == message.conversation_id,
                    Message.status == MessageStatus.QUEUED.value,
                    Message.id < message.id,
                )
            )
        )
    )


def _release(messages: list[Message]) -> None:
    """Give up a claim: the messages are due now, for whoever sends the ones before them."""
    now = utcnow()
    for message in messages:
        if message.status == MessageStatus.QUEUED.value:
            message.next_attempt_at = now
    db.session.commit()
