"""The gateway's data: contacts (encrypted addresses), conversations and messages."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from enum import Enum

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webhooks.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_public_id() -> str:
    """Opaque conversation id: the only identifier Rasa and logs ever see."""
    return uuid.uuid4().hex


class Direction(str, Enum):
    INBOUND = "in"
    OUTBOUND = "out"


class MessageStatus(str, Enum):
    PENDING = "pending"  # inbound, stored and acknowledged; the worker runs its bot turn
    RECEIVED = "received"  # inbound, being processed
    ANSWERED = "answered"  # inbound, the bot replied
    UNANSWERED = "unanswered"  # inbound, the bot could not be reached: review or retry
    NOT_ROUTED = "not_routed"  # inbound, kept but deliberately not sent to the bot
    FOR_COUNSELLOR = "for_counsellor"  # inbound during a hand-off: counsellors read it
    REPLIED = "replied"  # outbound, given back in the webhook response
    QUEUED = "queued"  # outbound, waiting to be sent through the channel's API
    SENT = "sent"  # outbound, accepted by the provider
    DELIVERED = "delivered"  # outbound, the provider confirmed delivery
    FAILED = "failed"  # outbound, gave up (or refused, e.g. outside the WhatsApp window)


class ConversationState(str, Enum):
    """bot -> waiting -> with_counsellor -> (closed) bot."""

    BOT = "bot"
    WAITING = "waiting"
    WITH_COUNSELLOR = "with_counsellor"


class Role(str, Enum):
    COUNSELLOR = "counsellor"
    SUPERVISOR = "supervisor"


class Contact(db.Model):
    """A person's address on one channel. The address is stored encrypted, found by keyed hash."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "address_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address_hash: Mapped[str] = mapped_column(String(64))
    address_encrypted: Mapped[str] = mapped_column(Text)
    opted_out: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A console block (webhooks/console/blocks.py): messages are kept but get no reply and
    # reach neither the bot nor the queue, until this time or, if permanent, until unblocked.
    blocked_until: Mapped[datetime | None]
    blocked_permanently: Mapped[bool] = mapped_column(default=False)

    conversations: Mapped[list[Conversation]] = relationship(back_populates="contact")

    def is_blocked(self, now: datetime) -> bool:
        return self.blocked_permanently or (
            self.blocked_until is not None and self.blocked_until > now
        )


class Conversation(db.Model):
    """A contact's one thread with the service. The database allows one per contact, so two
    first messages arriving together cannot split a person's conversation in two."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    # Unique: one conversation per contact. None once retention has deleted the contact
    # (webhooks/retention.py); NULLs do not collide.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20), default=ConversationState.BOT.value, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_inbound_at: Mapped[datetime | None]
    # The person's case: her conversations on every channel, linked by a code she can quote.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # Marked by a counsellor: a message she did not ask for could put her at risk (someone
    # else reads her phone). Nothing unprompted is sent: no survey, no closing message by default.
    unsafe_to_contact: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the one-question survey was sent after a close; her next message, if it is an
    # answer and comes in time, is taken as the answer (webhooks/reports/survey.py).
    survey_asked_at: Mapped[datetime | None]

    contact: Mapped[Contact] = relationship(back_populates="conversations")  # see contact_id
    case: Mapped[Case | None] = relationship(back_populates="conversations")
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id"
    )


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    sms_encoding: Mapped[str | None] = mapped_column(String(8))
    sms_segments: Mapped[int | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # counsellor replies
    # Our reference (sahayatri-<id>), stored before the send; then the provider's id (Twilio SM…)
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    provider_parts: Mapped[int | None]  # SMS parts the provider reports it sent the text in
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    recording: Mapped[Recording | None] = relationship(back_populates="message")


class DeliveryReceipt(db.Model):
    """One delivery report from a provider (per SMS part for the Android app).

    ``event_id`` is the provider's id for the report (the app's webhook event id, which stays
    the same when the app retries it), so a redelivered report is counted once.
    """

    __tablename__ = "delivery_receipts"
    __table_args__ = (UniqueConstraint("message_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    event_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(UserMixin, db.Model):
    """A counsellor or supervisor account for the console."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default=Role.COUNSELLOR.value)
    active: Mapped[bool] = mapped_column(default=True)
    on_duty: Mapped[bool] = mapped_column(default=False)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # The counsellor's phone for hotline calls and calls back (webhooks/channels/twilio_voice.py),
    # encrypted like contact addresses; set on the console's account page.
    phone_encrypted: Mapped[str | None] = mapped_column(Text)

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated accounts cannot log in
        return self.active

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR.value


class HandoffStatus(str, Enum):
    WAITING = "waiting"
    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"  # the person went back to the bot before anyone claimed it


class Handoff(db.Model):
    """One escalation of a conversation to the human queue."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # asked | danger | bot_failed
    priority: Mapped[str] = mapped_column(String(10))  # urgent | normal
    language: Mapped[str | None] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(20))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=HandoffStatus.WAITING.value, index=True)
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(40))
    reassured_at: Mapped[datetime | None]
    on_call_notified_at: Mapped[datetime | None]
    # The inbound message whose bot turn opened this hand-off: one hand-off per turn, and a
    # turn the gateway gave up on can be found and the bot's memory of it repaired.
    turn_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), unique=True
    )
    turn_repaired_at: Mapped[datetime | None]
    # The newest message a counsellor has seen here: later ones count as unread in the queue.
    seen_message_id: Mapped[int | None]

    conversation: Mapped[Conversation] = relationship()
    counsellor: Mapped[User | None] = relationship()


class Note(db.Model):
    """An internal note on a conversation; never sent to the person."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """Who did what to which conversation. Details never hold message text or numbers."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()
    conversation: Mapped[Conversation | None] = relationship()


class Case(db.Model):
    """One person's record across conversations and channels, found by a short code.

    The code is all a person needs to quote ("SY-K7M4PX") on any channel to resume without
    retelling her story; it says nothing about her.
    """

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    conversations: Mapped[list[Conversation]] = relationship(back_populates="case")


class WrapUp(db.Model):
    """The record a counsellor completes when closing a hand-off.

    ``answers`` holds one value per field of the form definition (data/wrapup_form.yml) under
    the field's stable key; choices are stored as their option keys, never their labels, so
    records stay comparable when labels are reworded. ``outcome`` is copied out for queries.
    """

    __tablename__ = "wrapups"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    form_version: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(40), index=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    handoff: Mapped[Handoff] = relationship()
    counsellor: Mapped[User | None] = relationship()


class FollowUp(db.Model):
    """A task from a wrap-up ("call back about the embassy letter"), shown in the queue when due."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    wrapup_id: Mapped[int | None] = mapped_column(ForeignKey("wrapups.id"))
    task: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    conversation: Mapped[Conversation] = relationship()
    case: Mapped[Case] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])


class DailyCount(db.Model):
    """Anonymous counts per day that outlive the records they count (webhooks/reports/).

    Counted when the thing happens (a person's first message of a week, a bot turn, a wrap-up,
    a survey answer), so retention and erasure, which delete messages and clear wrap-up
    answers, never change the statistics. ``day`` is the date in the desk's time zone; the
    other columns are codes, never text a person wrote (empty string: not applicable).
    """

    __tablename__ = "daily_counts"
    __table_args__ = (
        # metric first: the reports read one metric over a range of days
        UniqueConstraint("metric", "day", "channel", "language", "dimension", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(20), default="")
    language: Mapped[str] = mapped_column(String(10), default="")
    dimension: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[str] = mapped_column(String(60), default="")
    count: Mapped[int] = mapped_column(default=0)


class RecordingStatus(str, Enum):
    FETCHING = "fetching"  # still only at Twilio: the worker fetches it (webhooks/recordings.py)
    STORED = "stored"  # here, encrypted; Twilio's copy deleted (or being deleted)
    FAILED = "failed"  # could not be fetched (too large, refused, gave up)
    DISCARD = "discard"  # erased before it was fetched: only Twilio's copy is left to delete


class Recording(db.Model):
    """Audio a person sent (a WhatsApp voice note) or left (a voicemail): survivors' data.

    Stored Fernet-encrypted (``webhooks.recordings.AudioVault``), played only in the console to
    those who may read the conversation, deleted with its messages (erasure, retention).
    ``provider_url`` is Twilio's address of its copy, kept until that copy is deleted.
    """

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # voice_note | voicemail
    status: Mapped[str] = mapped_column(String(12), default=RecordingStatus.FETCHING.value)
    provider_url: Mapped[str | None] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    audio_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    size_bytes: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    # When the worker next tries what is left (fetch, delete Twilio's copy); None: nothing.
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[datetime | None]

    message: Mapped[Message | None] = relationship(back_populates="recording")
    conversation: Mapped[Conversation] = relationship()
