"""Repair the bot's memory of hand-offs opened in turns that did not complete.

A turn can open a hand-off (the action calls the gateway) and still end without the bot
remembering it:

- the gateway stopped waiting: Sanic cancels Rasa's handler when the client disconnects
  (sanic/server/protocols/base_protocol.py ``connection_lost``) and Rasa saves the tracker
  only at the end of a turn (rasa/core/processor.py ``handle_message``);
- the turn failed inside Rasa: the REST channel answers ``[]`` (rasa/core/channels/rest.py)
  and the processor drops the failing action's events ("Bot will continue, but the actions
  events are lost", rasa/core/processor.py ``_run_action``).

Either way the gateway marked the message unanswered and the person got the safe reply,
while the hand-off exists. The worker finds such hand-offs (their ``turn_message_id`` is an
unanswered message) and appends what the action would have returned, ``handoff_queued``, to
the conversation's tracker through Rasa's HTTP API. Each is repaired once: a conditional
UPDATE claims it, and a failed call to Rasa releases it for the next pass.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from webhooks.audit import audit
from webhooks.conversations.bot_client import BotClient, BotUnavailable
from webhooks.extensions import db
from webhooks.models import Handoff, HandoffStatus, Message, MessageStatus, utcnow

log = logging.getLogger(__name__)

# The events action_handoff returns when the hand-off is queued (actions/handoff.py).
HANDOFF_EVENTS = [{"event": "slot", "name": "handoff_queued", "value": True}]


def repair_abandoned_turns(bot: BotClient, limit: int = 20) -> int:
    """Tell the bot about hand-offs its unfinished turns opened; return how many."""
    candidates = db.session.scalars(
        select(Handoff)
        .join(Message, Handoff.turn_message_id == Message.id)
        .where(
            Handoff.turn_repaired_at.is_(None),
            Handoff.status.in_([HandoffStatus.WAITING.value, HandoffStatus.ACTIVE.value]),
            Message.status == MessageStatus.UNANSWERED.value,
        )
        .order_by(Handoff.id)
        .limit(limit)
    ).all()
    repaired = 0
    for handoff in candidates:
        if not _claim(handoff):
            continue  # another worker has it
        conversation = handoff.conversation
        try:
            bot.append_events(conversation.public_id, HANDOFF_EVENTS)
        except BotUnavailable:
            handoff.turn_repaired_at = None  # try again on the next pass
            db.session.commit()
            log.warning("handoff %s: bot memory not repaired (bot unavailable)", handoff.id)
            continue
        audit("bot_turn_repaired", conversation=conversation, handoff=handoff.id,
              message=handoff.turn_message_id)  # fmt: skip
        db.session.commit()
        log.info("conversation %s handoff %s: bot memory repaired", conversation.public_id,
                 handoff.id)  # fmt: skip
        repaired += 1
    return repaired


def _claim(handoff: Handoff) -> bool:
    claimed = db.session.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.turn_repaired_at.is_(None))
        .values(turn_repaired_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)
