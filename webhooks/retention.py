"""Retention: conversations are deleted RETENTION_DAYS after their last activity (worker).

For each conversation whose last message is older than that: its messages, recordings and
notes are deleted (their counts archived first, webhooks/stats_archive.py), hand-off summaries
cleared, Rasa's tracker events deleted (through the pending erasures the worker retries) and
the contact (the encrypted number) deleted. What remains is anonymous: the conversation's id,
channel and language, its hand-offs' reasons and times, the audit trail, and the counts.
Each pass is audited with its counts. The console shows the policy (statistics page).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from webhooks.audit import audit
from webhooks.erasure import PendingErasure, delete_conversation_data
from webhooks.extensions import db
from webhooks.models import Contact, Conversation, utcnow

log = logging.getLogger(__name__)

BATCH = 200


@dataclass(frozen=True)
class RetentionResult:
    conversations: int
    messages: int
    notes: int
    contacts: int


def retention_days() -> int:
    return int(current_app.config["RETENTION_DAYS"])


def cutoff(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=retention_days())


def apply_retention(now: datetime | None = None) -> RetentionResult:
    """Delete every conversation past the retention period (in batches); audit the counts."""
    now = now or utcnow()
    limit = cutoff(now)
    totals = [0, 0, 0, 0]
    while True:
        expired = db.session.scalars(
            select(Conversation)
            .where(Conversation.last_message_at < limit, Conversation.contact_id.is_not(None))
            .order_by(Conversation.id)
            .limit(BATCH)
        ).all()
        if not expired:
            break
        for conversation in expired:
            messages, notes = delete_conversation_data(conversation, "retention")
            db.session.add(
                PendingErasure(
                    conversation_public_id=conversation.public_id,
                    channel=conversation.channel,
                    reason="retention",
                    next_attempt_at=now,
                )
            )
            contact_id = conversation.contact_id
            conversation.contact_id = None
            db.session.flush()
            others = db.session.scalar(
                select(func.count(Conversation.id)).filter_by(contact_id=contact_id)
            )
            if not others:
                db.session.execute(delete(Contact).where(Contact.id == contact_id))
                totals[3] += 1
            totals[0] += 1
            totals[1] += messages
            totals[2] += notes
        db.session.commit()
    result = RetentionResult(*totals)
    if result.conversations:
        audit("retention_applied", days=retention_days(), conversations=result.conversations,
              messages=result.messages, notes=result.notes, contacts=result.contacts)  # fmt: skip
        db.session.commit()
        log.info("retention: %s", result)
    return result
