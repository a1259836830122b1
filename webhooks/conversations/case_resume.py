"""A person quotes her case code ("SY-K7M4PX") on any channel: link this conversation to the
case and put her in the counsellors' queue, so she does not have to retell her story.

An unknown or malformed code is ignored (the message goes on as usual): nobody learns from
the reply whether a code exists unless it does.
"""

from __future__ import annotations

from flask import current_app

from webhooks.cases import service as cases
from webhooks.cases.codes import find_in_text
from webhooks.conversations.texts import text as gateway_text
from webhooks.handoffs import service as handoffs
from webhooks.models import Conversation, ConversationState


def resume_case(conversation: Conversation, text: str) -> list[str] | None:
    """Replies when ``text`` resumed a case (the message then goes to counsellors), else None.

    During a hand-off the conversation is linked and the message goes to the counsellor as
    usual (None).
    """
    code = find_in_text(text)
    case = cases.find_case(code) if code else None
    if case is None:
        return None
    linked = cases.link(conversation, case, via="quoted_code")
    if conversation.state != ConversationState.BOT.value:
        return None
    handoff, _created = handoffs.open_handoff(
        conversation,
        reason="returning",
        priority="normal",
        language=conversation.language,
        summary={"case_code": case.code, "linked": linked},
    )
    from webhooks.services import services  # the services module builds the router: no cycle

    available = handoffs.availability(
        handoff, services().schedule, current_app.config["HANDOFF_AVERAGE_MINUTES"]
    )
    key = "case_resumed" if available.on_duty else "case_resumed_later"
    return [gateway_text(key, conversation.language, code=case.code)]
