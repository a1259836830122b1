"""Background duties, run by `flask worker` (a Procfile process): bot turns for messages the
channel acknowledged at once (the Android SMS gateway), repairs of turns that did not complete,
voice notes to fetch from Twilio (webhooks/recordings.py), retries and reassurance; then the
upkeep duties of webhooks/upkeep.py (erasures, answers to messages the bot missed, retention,
heartbeat).

Each pass is short and idempotent, so several workers or a restart never double-send:
everything is claimed by exactly one worker before it is acted on: a pending message by a
conditional update, a due message and an overdue hand-off by ``webhooks.claims`` (its due
time, ``reassured_at``), a repair by ``turn_repaired_at``.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import click
from flask import Flask, current_app
from sqlalchemy import select

from webhooks.audit import audit
from webhooks.claims import claim_rows
from webhooks.conversations.texts import text as gateway_text
from webhooks.conversations.turn_repair import repair_abandoned_turns
from webhooks.errors import where
from webhooks.extensions import db
from webhooks.models import Direction, Handoff, HandoffStatus, Message, MessageStatus, utcnow
from webhooks.outbound.delivery import OutsideWindowError
from webhooks.recordings import process_due as fetch_recordings
from webhooks.services import services
from webhooks.upkeep import run_upkeep

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
        replies = [db.session.get(Message, reply_id) for reply_id in result.reply_ids]
        app_services.outbox.send_claimed([reply for reply in replies if reply is not None])
    return answered


def reassure_waiting(now: datetime, after: timedelta) -> int:
    """Send one reassurance to each person who has waited longer than ``after``."""
    overdue = [
        Handoff.status == HandoffStatus.WAITING.value,
        Handoff.created_at <= now - after,
        Handoff.reassured_at.is_(None),
    ]
    claimed = claim_rows(Handoff, overdue, {"reassured_at": now}, order_by=(Handoff.id,))
    for handoff_id in claimed:
        handoff = db.session.get(Handoff, handoff_id)
        audit("wait_breached", conversation=handoff.conversation, handoff=handoff.id)
        db.session.commit()
        try:
            text = gateway_text("handoff_reassurance", handoff.conversation.language)
            services().outbox.queue(handoff.conversation, text)
        except OutsideWindowError:
            log.info("handoff %s: reassurance not sent (outside WhatsApp window)", handoff.id)
    return len(claimed)


def run_once(now: datetime | None = None) -> tuple[int, int]:
    now = now or utcnow()
    answer_pending()
    repair_abandoned_turns(services().bot)
    app_services = services()
    if app_services.recordings is not None:
        fetch_recordings(app_services.recordings, app_services.vault, now)
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
            try:
                run_upkeep()  # heartbeat, erasures, unanswered messages, retention
            except Exception as error:  # one bad pass must not stop the others: log, go on
                db.session.rollback()
                log.error("upkeep pass failed: %s at %s", type(error).__name__, where(error))
            db.session.remove()
            if once:
                return
            time.sleep(interval)
