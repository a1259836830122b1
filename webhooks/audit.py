"""The audit trail: every console action on a conversation, account or contact.

``detail`` holds ids, outcomes and reasons only: never what a person wrote, never a number.
"""

from __future__ import annotations

from typing import Any

from webhooks.extensions import db
from webhooks.models import AuditEvent, Conversation, User


def audit(
    action: str,
    user: User | None = None,
    conversation: Conversation | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    event = AuditEvent(
        action=action,
        user_id=user.id if user else None,
        conversation_id=conversation.id if conversation else None,
        detail=detail,
    )
    db.session.add(event)
    return event
