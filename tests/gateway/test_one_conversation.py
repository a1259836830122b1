"""One conversation per contact, enforced by the database, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tests.gateway.support import TwilioSender
from webhooks.conversations import store
from webhooks.extensions import db
from webhooks.models import Contact, Conversation, Direction, Message
from webhooks.services import services

BEFORE_THE_CONSTRAINT = "7c3e5a9d2b41"


def conversations_of(contact_id: int) -> int:
    return db.session.scalar(select(func.count(Conversation.id)).filter_by(contact_id=contact_id))


def test_the_database_refuses_a_second_conversation_for_a_contact(app, twilio):
    twilio.post("hello", sender="+9779800000201")
    contact = db.session.scalar(select(Contact))
    db.session.add(Conversation(contact_id=contact.id, channel=contact.channel))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_lost_race_fetches_the_winners_conversation(app, monkeypatch):
    """The check misses a conversation created meanwhile: the insert fails, the row is fetched."""
    contact = store.get_or_create_contact(services().vault, "sms", "+9779800000202")
    winner = store.current_conversation(contact)
    real_scalar = db.session.scalar
    calls = []

    def stale_first_check(statement, *args, **kwargs):
        calls.append(statement)
        return None if len(calls) == 1 else real_scalar(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", stale_first_check)
    assert store.current_conversation(contact).id == winner.id
    monkeypatch.undo()
    assert conversations_of(contact.id) == 1


def test_simultaneous_first_messages_share_one_conversation(app: Flask):
    """Several threads (as gunicorn runs them) text at once from new numbers, 5 rounds."""
    threads_per_sender, senders = 6, [f"+97798000003{n:02d}" for n in range(5)]
    errors: list[BaseException] = []

    def text_once(sender: str, barrier: threading.Barrier, n: int) -> None:
        try:
            phone = TwilioSender(app.test_client())
            barrier.wait(timeout=10)
            assert phone.post(f"message {n}", sender=sender).status_code == 200
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    for sender in senders:
        barrier = threading.Barrier(threads_per_sender)
        workers = [
            threading.Thread(target=text_once, args=(sender, barrier, n))
            for n in range(threads_per_sender)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
    assert not errors, errors
    db.session.remove()
    contacts = db.session.scalars(select(Contact)).all()
    assert len(contacts) == len(senders)
    for contact in contacts:
        assert conversations_of(contact.id) == 1
        [conversation] = contact.conversations
        inbound = [m for m in conversation.messages if m.direction == Direction.INBOUND.value]
        assert len(inbound) == threads_per_sender


def test_the_migration_merges_conversations_split_before_it(app, twilio):
    twilio.post("first half", sender="+9779800000203")
    db.session.remove()
    downgrade(revision=BEFORE_THE_CONSTRAINT)
    contact_id = db.session.scalar(select(Contact.id))  # later revisions add columns: ids only
    older = db.session.scalar(select(Conversation))
    newer = Conversation(contact_id=contact_id, channel="sms", state="waiting")
    db.session.add(newer)
    db.session.flush()
    db.session.add(
        Message(conversation_id=newer.id, direction="in", channel="sms", body="second half",
                status="for_counsellor")
    )  # fmt: skip
    db.session.commit()
    older_id, newer_id = older.id, newer.id
    db.session.remove()

    upgrade()

    [kept] = db.session.scalars(select(Conversation)).all()
    assert kept.id == newer_id != older_id  # the newest, which Rasa's tracker continues
    assert kept.state == "waiting"
    bodies = [m.body for m in kept.messages if m.direction == "in"]
    assert bodies == ["first half", "second half"]
    assert db.session.execute(text("SELECT COUNT(*) FROM messages")).scalar() == len(kept.messages)
