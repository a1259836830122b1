"""Erase a person's conversation on request: the right to be forgotten, kept auditable.

Deletes every message, note and follow-up task, clears the hand-off summaries and wrap-up
answers, makes the stored number
unreadable and unfindable (the next message from that number starts afresh), and asks Rasa to
drop its copy of the conversation. The audit trail keeps that it happened, by whom, and counts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from webhooks.audit import audit
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


@dataclass(frozen=True)
class ErasureResult:
    messages: int
    notes: int
    bot_copy_erased: bool


def erase_conversation(conversation: Conversation, by_user: User, bot: BotClient) -> ErasureResult:
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
            handoff.outcome = "erased_on_request"
    contact = conversation.contact
    contact.address_encrypted = ""
    contact.address_hash = "erased-" + secrets.token_hex(28)
    conversation.state = ConversationState.BOT.value
    try:
        bot.erase(conversation.public_id)
        bot_copy_erased = True
    except BotUnavailable:
        bot_copy_erased = False
    audit("conversation_erased", by_user, conversation, messages=messages, notes=notes,
          bot_copy_erased=bot_copy_erased)  # fmt: skip
    db.session.commit()
    return ErasureResult(messages, notes, bot_copy_erased)
