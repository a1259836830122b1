"""What the console's feature modules share: words for codes, who may read which
conversation, and the JSON shape of a message. No routes here.

Privacy by default: a counsellor reads waiting hand-offs, the conversations she holds or
closed, those with a follow-up assigned to her, and the other conversations of those people's
cases (so a returning person need not retell her story); supervisors read everything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, url_for
from flask_login import current_user
from sqlalchemy import Select, or_, select, union

from bot.vocabulary import vocabulary
from webhooks.console.permissions import has_permission
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.models import (
    Conversation,
    Direction,
    FollowUp,
    Handoff,
    HandoffStatus,
    Message,
    MessageStatus,
)
from webhooks.services import services

# Names of the language forms and hand-off reasons: data/vocabulary.yml.
LANGUAGES = {form: names["en"] for form, names in vocabulary().form_names.items()}
CHANNELS = {"sms": "SMS", "whatsapp": "WhatsApp", "web": "Web chat", "android_sms": "SMS (Nepal)",
            "voice": "Phone call"}  # fmt: skip
REASONS = vocabulary().handoff_reason_names
# The danger intents the bot hands off on (domain.yml), in a counsellor's words.
DANGER_TYPES = {
    "danger_trafficking": "trafficking (being sold or moved against her will)",
    "danger_confinement": "confined, cannot leave",
    "danger_violence": "violence or abuse",
    "danger_passport_threat": "passport kept, with threats",
    "danger_child": "a child at risk",
    "danger_self_harm": "thoughts of self-harm",
}
INTENTS = {
    "ask_human": "asked to talk to a person",
    "nlu_fallback": "the bot did not understand",
    "out_of_scope": "asked something the bot does not cover",
}
STATUS_LABELS = {
    MessageStatus.QUEUED.value: "queued",
    MessageStatus.SENT.value: "sent",
    MessageStatus.DELIVERED.value: "delivered",
    MessageStatus.FAILED.value: "FAILED",
    MessageStatus.REPLIED.value: "replied",
}
PREVIEW_CHARS = 90


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(services().schedule.zone).strftime(fmt)


def short_time(value: datetime | None) -> str:
    return localtime(value, "%d %b %H:%M") if value else ""


def words(code: str | None) -> str:
    return (code or "").replace("_", " ").strip()


def danger_or_reason(handoff: Handoff) -> str:
    """What the queue says about why this person is waiting, in words."""
    intent = (handoff.summary or {}).get("intent") if isinstance(handoff.summary, dict) else None
    if isinstance(intent, str) and intent in DANGER_TYPES:
        return "Danger: " + DANGER_TYPES[intent]
    if handoff.reason == "danger":
        return "Danger (type not known)"
    return REASONS.get(handoff.reason, words(handoff.reason)).capitalize()


def summary_items(summary: Any) -> list[tuple[str, str]]:
    """The bot's hand-off summary in plain words; empty and technical entries are left out."""
    if not isinstance(summary, dict):
        return []
    items: list[tuple[str, str]] = []
    intent = summary.get("intent")
    if isinstance(intent, str) and intent:
        if intent in DANGER_TYPES:
            items.append(("Danger", DANGER_TYPES[intent]))
        else:
            items.append(
                (
                    "Why",
                    INTENTS.get(
                        intent,
                        "asked about " + words(intent[4:] if intent.startswith("ask_") else intent),
                    ),
                )
            )
    for key, why in CALL_REASONS.items():
        if summary.get(key):
            items.append(("Why", why))
    topics = summary.get("topics")
    if isinstance(topics, list) and topics:
        items.append(("Topics the bot answered", ", ".join(words(str(t)) for t in topics)))
    elif isinstance(summary.get("last_topic"), str) and summary["last_topic"]:
        items.append(("Last topic", words(summary["last_topic"])))
    if isinstance(summary.get("last_country"), str) and summary["last_country"]:
        items.append(("Country mentioned", words(summary["last_country"]).title()))
    if summary.get("case_code"):
        items.append(("Returning", f"quoted her case code {summary['case_code']}"))
    shown = {"intent", "topics", "last_topic", "last_country", "case_code", "linked", "language"}
    for key, value in summary.items():
        if key in shown or value in (None, "", [], {}):
            continue
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        items.append((words(str(key)).capitalize(), text))
    return items


def preview(body: str | None) -> str:
    line = " ".join((body or "").split())
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"


PHONE_CHANNELS = ("sms", "whatsapp", "android_sms", "voice")


def has_number(conversation: Conversation) -> bool:
    """Whether a phone number is stored for this conversation (web chats never have one)."""
    contact = conversation.contact
    return (
        conversation.channel in PHONE_CHANNELS
        and contact is not None
        and bool(contact.address_encrypted)
    )


def mask(address: str) -> str:
    """Only the last three digits, never the length: ``•••••••678``."""
    digits = [ch for ch in address if ch.isdigit()]
    tail = "".join(digits[-3:]) if len(digits) >= 6 else ""
    return "•" * 7 + tail


# --- who may read what -----------------------------------------------------------------------


def holds(handoff: Handoff | None) -> bool:
    return (
        handoff is not None
        and handoff.status == HandoffStatus.ACTIVE.value
        and handoff.counsellor_id == current_user.id
    )


def readable_conversation_ids() -> Select[Any] | None:
    """The conversations the current user may read, as a subquery; None means all of them."""
    if has_permission(current_user, "conversation.view_any"):
        return None
    me = current_user.id
    direct = union(
        select(Handoff.conversation_id).where(
            or_(Handoff.status == HandoffStatus.WAITING.value, Handoff.counsellor_id == me)
        ),
        select(FollowUp.conversation_id).where(FollowUp.assigned_to_id == me),
    ).subquery()
    their_cases = select(Conversation.case_id).where(
        Conversation.id.in_(select(direct.c[0])), Conversation.case_id.is_not(None)
    )
    return select(Conversation.id).where(
        or_(Conversation.id.in_(select(direct.c[0])), Conversation.case_id.in_(their_cases))
    )


def may_view(conversation: Conversation, handoff: Handoff | None) -> bool:
    if has_permission(current_user, "conversation.view_any"):
        return True
    if not has_permission(current_user, "conversation.view"):
        return False
    if handoff is not None and (handoff.status == HandoffStatus.WAITING.value or holds(handoff)):
        return True
    if handoff is not None and handoff.status == HandoffStatus.ACTIVE.value:
        return False  # someone else holds it now
    readable = readable_conversation_ids()
    if readable is None:
        return True
    found = select(Conversation.id).where(
        Conversation.id == conversation.id, Conversation.id.in_(readable)
    )
    return db.session.scalar(found) is not None


def find_conversation(public_id: str) -> Conversation:
    conversation = db.session.scalar(select(Conversation).filter_by(public_id=public_id))
    if conversation is None:
        abort(404, description="There is no such conversation.")
    return conversation


def latest_handoff(conversation: Conversation) -> Handoff | None:
    return handoffs.active_handoff(conversation) or db.session.scalar(
        select(Handoff).filter_by(conversation_id=conversation.id).order_by(Handoff.id.desc())
    )


def viewable(public_id: str) -> tuple[Conversation, Handoff | None]:
    conversation = find_conversation(public_id)
    handoff = latest_handoff(conversation)
    if not may_view(conversation, handoff):
        abort(403, description="This conversation is not yours to see.")
    return conversation, handoff


def message_json(message: Message) -> dict[str, Any]:
    if message.direction == Direction.INBOUND.value:
        who = "person"
    elif message.author_id is not None:
        who = "counsellor"
    elif message.status == MessageStatus.REPLIED.value:
        who = "bot"
    else:
        who = "system"
    return {
        "id": message.id,
        "direction": message.direction,
        "who": who,
        "author": message.author.username if message.author else None,
        "body": message.body,
        "status": message.status,
        "status_label": STATUS_LABELS.get(message.status, words(message.status)),
        "last_error": message.last_error,
        "time": short_time(message.created_at),
        "encoding": message.sms_encoding,
        "segments": message.sms_segments,
        "recording": recording_json(message),
    }


CALL_REASONS = {  # hand-off summaries of voice notes and calls (webhooks/channels/twilio_voice.py)
    "voice_note": "sent a voice message",
    "danger_key": "pressed the danger key during a call",
    "callback": "asked to be called back",
    "missed_call": "hung up before choosing (a missed call): call back",
    "voicemail": "left a voicemail",
}
RECORDING_LABELS = {
    "fetching": "Recording: being fetched (reload the page in a moment to play it)",
    "stored": "Recording",
    "failed": "Recording: it could not be fetched",
}


def recording_json(message: Message) -> dict[str, Any] | None:
    """The voice note of a message: a label, and where to play it for those allowed to."""
    recording = message.recording
    if recording is None or recording.status not in RECORDING_LABELS:
        return None
    playable = recording.status == "stored" and has_permission(current_user, "recording.listen")
    url = (
        url_for("console.recordings.play", public_id=message.conversation.public_id,
                recording_id=recording.id)
        if playable
        else None
    )  # fmt: skip
    return {"id": recording.id, "label": RECORDING_LABELS[recording.status], "url": url}
