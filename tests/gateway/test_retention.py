"""Retention: conversations past RETENTION_DAYS are deleted by the worker, counts kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from webhooks.erasure import PendingErasure
from webhooks.extensions import db
from webhooks.models import (
    AuditEvent,
    Contact,
    Conversation,
    Handoff,
    Message,
    Note,
    User,
    utcnow,
)
from webhooks.retention import apply_retention
from webhooks.stats_archive import all_time_totals
from webhooks.upkeep import run_upkeep


def conversation(twilio, sender: str, text: str, days_ago: int) -> Conversation:
    twilio.post(text, sender=sender)
    found = db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
    found.last_message_at = utcnow() - timedelta(days=days_ago)
    author = db.session.scalar(select(User))
    if author is None:
        author = User(username="asha", password_hash="!")
        db.session.add(author)
        db.session.flush()
    db.session.add(Note(conversation_id=found.id, author_id=author.id, body=f"note on {text}"))
    db.session.add(Handoff(conversation=found, reason="asked", priority="normal",
                           channel="sms", summary={"topic": "fees"}))  # fmt: skip
    db.session.commit()
    return found


def count(model, **filters) -> int:
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**filters))


def test_conversations_past_retention_are_deleted_and_counts_kept(app, twilio, fake_bot):
    old = conversation(twilio, "+9779800001101", "an old story", days_ago=366)
    recent = conversation(twilio, "+9779800001102", "a recent story", days_ago=300)
    old_id, old_contact = old.id, old.contact_id
    before = {t.channel: t for t in all_time_totals()}["sms"]

    result = apply_retention()

    assert (result.conversations, result.messages, result.notes, result.contacts) == (1, 2, 1, 1)
    assert count(Message, conversation_id=old_id) == 0 and count(Note, conversation_id=old_id) == 0
    assert db.session.get(Contact, old_contact) is None
    db.session.expire_all()
    assert db.session.get(Conversation, old_id).contact_id is None
    assert db.session.scalar(select(Handoff.summary).filter_by(conversation_id=old_id)) == {}
    # Rasa's copy: a pending erasure the worker carries out
    pending = db.session.scalar(select(PendingErasure))
    assert (pending.conversation_public_id, pending.reason) == (old.public_id, "retention")
    # the recent one is untouched
    assert count(Message, conversation_id=recent.id) == 2 and count(Note, conversation_id=recent.id)
    # counts since the start are unchanged, and the pass is audited (counts only)
    assert {t.channel: t for t in all_time_totals()}["sms"] == before
    event = db.session.scalar(select(AuditEvent).filter_by(action="retention_applied"))
    assert event.detail == {"days": 365, "conversations": 1, "messages": 2, "notes": 1,
                            "contacts": 1}  # fmt: skip
    assert apply_retention().conversations == 0  # nothing twice


def test_the_period_is_configurable(app, twilio, fake_bot):
    app.config["RETENTION_DAYS"] = 30
    conversation(twilio, "+9779800001103", "a month old", days_ago=31)
    assert apply_retention().conversations == 1


def test_the_worker_applies_retention_hourly_and_erases_the_bot_copy(app, twilio, fake_bot):
    old = conversation(twilio, "+9779800001104", "an old story", days_ago=400)
    now = utcnow()
    assert run_upkeep(now).retention.conversations == 1
    assert fake_bot.erased == [old.public_id]  # the same pass carried out the erasure
    later = conversation(twilio, "+9779800001105", "another", days_ago=400)
    assert run_upkeep(now + timedelta(minutes=10)).retention is None  # not due yet
    assert later.public_id not in fake_bot.erased
    assert run_upkeep(now + timedelta(minutes=61)).retention.conversations == 1
    assert later.public_id in fake_bot.erased


def test_the_console_shows_the_policy(app, twilio):
    from tests.console.support import logged_in, make_user

    console = logged_in(app, make_user("sita", role="supervisor"))
    page = console.text("/console/stats")
    assert "deleted <strong>365 days</strong> after its last message" in page
    assert 'id="all-time"' in page
