"""The web chat widget's JSON API: anonymous per-tab sessions, the same router as SMS.

A session token stands in for a phone number: it is stored only encrypted and hashed, like
every contact address, and it lives in the widget frame's sessionStorage (the gateway's own
origin: the partner's page cannot read it). It expires WEB_CHAT_SESSION_HOURS after the
conversation's last message, and Quick exit revokes it (``DELETE /api/chat/session``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, jsonify, request
from sqlalchemy import func, select

from bot.vocabulary import FORMS
from webhooks.audit import audit
from webhooks.conversations import store
from webhooks.conversations.inbound import InboundMessage
from webhooks.conversations.texts import text as gateway_text
from webhooks.errors import bad_request
from webhooks.extensions import db
from webhooks.http_input import parse_id
from webhooks.limits import limiter
from webhooks.models import Contact, Conversation, Direction, Message, MessageStatus, utcnow
from webhooks.services import services

web_blueprint = Blueprint("web_chat", __name__, url_prefix="/api/chat")

CHANNEL = "web"
POLL_INTERVAL_MS = 1500
RATE_WINDOW = timedelta(seconds=10)


def session_conversation(view: Callable[..., Any]) -> Callable[..., Any]:
    """Find the caller's conversation from ``Authorization: Bearer <session token>``."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
        contact = None
        if token:
            lookup = services().vault.lookup_hash(CHANNEL, token)
            contact = db.session.scalar(
                select(Contact).filter_by(channel=CHANNEL, address_hash=lookup)
            )
        if contact is None:
            abort(401, description="unknown or missing chat session: start a new one")
        conversation = store.current_conversation(contact)
        idle = timedelta(hours=current_app.config["WEB_CHAT_SESSION_HOURS"])
        if utcnow() - conversation.last_message_at > idle:
            _revoke(contact, conversation, "expired")
            abort(401, description="this chat session has expired: start a new one")
        g.chat_token = token
        g.chat_contact = contact
        g.chat_conversation = conversation
        return view(*args, **kwargs)

    return checked


def as_json(message: Message, buttons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    sender = "counsellor" if message.author_id else "bot"
    out: dict[str, Any] = {"id": message.id, "from": sender, "text": message.body}
    if buttons:
        out["buttons"] = buttons  # the bot's choices: title shown, payload sent back
    return out


@web_blueprint.post("/session")
@limiter.limit(lambda: current_app.config["WEB_CHAT_SESSION_LIMIT"])
def open_session() -> tuple[Response, int]:
    token = secrets.token_urlsafe(32)
    contact = store.get_or_create_contact(services().vault, CHANNEL, token)
    store.current_conversation(contact)
    return jsonify({"token": token, "poll_interval_ms": POLL_INTERVAL_MS}), 201


@web_blueprint.delete("/session")
@session_conversation
def end_session() -> tuple[str, int]:
    """Quick exit: the token stops working at once, wherever a copy of it is."""
    _revoke(g.chat_contact, g.chat_conversation, "quick_exit")
    return "", 204


def _revoke(contact: Contact, conversation: Conversation, reason: str) -> None:
    """Make the token unfindable and unreadable; the conversation stays for counsellors."""
    contact.address_hash = f"ended-{secrets.token_hex(28)}"
    contact.address_encrypted = ""
    audit("web_session_ended", conversation=conversation, reason=reason)
    db.session.commit()


@web_blueprint.post("/messages")
@limiter.limit(lambda: current_app.config["WEB_CHAT_MESSAGE_LIMIT"])
@session_conversation
def send_message() -> Response | tuple[Response, int]:
    conversation: Conversation = g.chat_conversation
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return bad_request("expected a JSON object")
    text, language = body.get("text"), body.get("language")
    if not isinstance(text, str) or not text.strip():
        return bad_request("text must be a non-empty string")
    if language is not None and language not in FORMS:
        return bad_request(f"language must be one of {', '.join(FORMS)} or null")
    if _too_fast(conversation):
        form = language or conversation.language
        response = jsonify(
            {"error": "too many messages", "message": gateway_text("slow_down", form)}
        )
        return response, 429
    result = services().router.handle(
        InboundMessage(channel=CHANNEL, address=g.chat_token, text=text,
                       language_override=language)
    )  # fmt: skip
    replies = [db.session.get(Message, reply_id) for reply_id in result.reply_ids]
    buttons = result.buttons if len(result.buttons) == len(replies) else [[]] * len(replies)
    db.session.refresh(conversation)
    messages = [as_json(m, b) for m, b in zip(replies, buttons, strict=True)]
    return jsonify({"messages": messages, "state": conversation.state})


@web_blueprint.get("/messages")
@session_conversation
def poll_messages() -> Response | tuple[Response, int]:
    """Messages for the person newer than ``after`` (counsellor replies arrive this way)."""
    conversation: Conversation = g.chat_conversation
    after = parse_id(request.args.get("after", "0"))
    if after is None:
        return bad_request("after must be a message id")
    messages = db.session.scalars(
        select(Message)
        .filter_by(conversation_id=conversation.id, direction=Direction.OUTBOUND.value)
        .where(Message.id > after)
        .order_by(Message.id)
        .limit(100)
    ).all()
    for message in messages:
        if message.status == MessageStatus.QUEUED.value:
            message.status = MessageStatus.DELIVERED.value  # the widget has fetched it
            message.next_attempt_at = None
    db.session.commit()
    return jsonify({"messages": [as_json(m) for m in messages], "state": conversation.state})


def _too_fast(conversation: Conversation) -> bool:
    recent = db.session.scalar(
        select(func.count(Message.id)).where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.INBOUND.value,
            Message.created_at >= utcnow() - RATE_WINDOW,
        )
    )
    return recent >= current_app.config["WEB_CHAT_MAX_MESSAGES_PER_10S"]
