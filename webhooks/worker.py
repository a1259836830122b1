"""Background duties, run by `flask worker` (a Procfile process): bot turns for messages the
channel acknowledged at once (the Android SMS gateway), repairs of turns that did not complete,
retries and reassurance.

Each pass is short and idempotent, so several workers or a restart never double-send:
a pending message is claimed by a conditional update, a retry by its due time, a
reassurance by ``reassured_at``, a repair by ``turn_repaired_at``.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import click
from flask import Flask, current_app
from sqlalchemy import select

from webhooks.audit import audit
from webhooks.conversations.texts import text as gateway_text
from webhooks.conversations.turn_repair import repair_abandoned_turns
from webhooks.extensions import db
from webhooks.models import Direction, Handoff, HandoffStatus, Message, MessageStatus, utcnow
from webhooks.outbound.delivery import OutsideWindowError
from webhooks.services import services

log = logging.getLogger(__name__)


def answer_pending(limit: int = 20) -> int:
    """Run the bot turn for stored, acknowledged messages (oldest first) and send the replies."""
    pending = db.session.scalars(
        select(Message)
        .where(
            Message.status == MessageStatus.PENDING.value,
            Message.direction == Direction.INBOUND.value,
        )
        .order_by(Message.id)
        .limit(limit)
    ).all()
    app_services = services()
    answered = 0
    for message in pending:
        result = app_services.router.answer_pending(message)
        if result is None:
            continue  # another worker took it
        answered += 1
        for reply_id in result.reply_ids:
            app_services.outbox.attempt(db.session.get(Message, reply_id))
    return answered


def reassure_waiting(now: datetime, after: timedelta) -> int:
    """Send one reassurance to each person who has waited longer than ``after``."""
    overdue = db.session.scalars(
        select(Handoff).where(
            Handoff.status == HandoffStatus.WAITING.value,
            Handoff.created_at <= now - after,
            Handoff.reassured_at.is_(None),
        )
    ).all()
    for handoff in overdue:
        handoff.reassured_at = now
        audit("wait_breached", conversation=handoff.conversation, handoff=handoff.id)
        db.session.commit()
        try:
            text = gateway_text("handoff_reassurance", handoff.conversation.language)
            services().outbox.queue(handoff.conversation, text)
        except OutsideWindowError:
            log.info("handoff %s: reassurance not sent (outside WhatsApp window)", handoff.id)
    return len(overdue)


def run_once(now: datetime | None = None) -> tuple[int, int]:
    now = now or utcnow()
    answer_pending()
    repair_abandoned_turns(services().bot)
    after = timedelta(minutes=current_app.config["HANDOFF_REASSURE_AFTER_MINUTES"])
    return services().outbox.retry_due(now), reassure_waiting(now, after)


def register_worker_cli(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
    @click.option("--once", is_flag=True, help="Run one pass and exit.")
    def worker(interval: float, once: bool) -> None:
        """Answer acknowledged messages, retry deliveries, reassure people waiting too long."""
        while True:
            retried, reassured = run_once()
            if retried or reassured:
                log.info("worker pass: %d retried, %d reassured", retried, reassured)
            db.session.remove()
            if once:
                return
            time.sleep(interval)
