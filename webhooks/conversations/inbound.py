"""What every channel adapter hands to the router, and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MediaRef:
    """Audio a person sent, still at the provider: fetched later (webhooks/recordings.py)."""

    url: str  # the provider's address of it (checked to be the provider's API); never logged
    content_type: str


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # "sms", "whatsapp", "web", "android_sms"
    address: str  # the person's address on that channel (E.164 for phones); never logged
    text: str
    external_id: str | None = None  # the channel's message id, for idempotent redelivery
    has_media: bool = False
    # True when replies go back in the webhook response (Twilio TwiML, the web API); False
    # when they must be sent through the channel's API afterwards (the Android SMS gateway).
    replies_in_band: bool = True
    language_override: str | None = None  # an explicit choice (the web widget's toggle)
    audio: MediaRef | None = None  # a voice note: kept for counsellors to play


@dataclass(frozen=True)
class RoutingResult:
    conversation_id: str  # the opaque public id
    replies: list[str] = field(default_factory=list)
    reply_ids: list[int] = field(default_factory=list)
    duplicate: bool = False  # a redelivery: replies are the ones given the first time
    # Buttons of each reply (aligned with ``replies``), for the web widget only: SMS and
    # WhatsApp get the choices as numbered text from the bot.
    buttons: list[list[dict[str, str]]] = field(default_factory=list)
