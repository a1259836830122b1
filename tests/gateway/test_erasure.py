"""Erasure deletes the copies kept elsewhere: Rasa's tracker and Twilio's message records."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from webhooks.erasure import PendingErasure, erase_conversation
from webhooks.extensions import db
from webhooks.models import AuditEvent, Conversation, User, utcnow
from webhooks.services import services
from webhooks.stats_archive import all_time_totals

NUMBER = "+9779800000701"


def conversation_of(twilio, sender=NUMBER) -> Conversation:
    twilio.post("my story", sender=sender)
    return db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()


def supervisor() -> User:
    user = User(username="sita", password_hash="!", role="supervisor")
    db.session.add(user)
    db.session.commit()
    return user


def test_twilio_records_to_and_from_the_number_are_deleted(twilio, fake_twilio, fake_bot):
    conversation = conversation_of(twilio)
    services().outbox.queue(conversation, "a counsellor's reply")  # a record Twilio keeps
    fake_twilio.records += [
        {"sid": "SMin1", "to": "+15005550006", "from": NUMBER},  # what the person sent
        {"sid": "SMtwiml", "to": NUMBER, "from": "+15005550006"},  # a TwiML reply
        {"sid": "SMother", "to": "+9779800000999", "from": "+15005550006"},  # someone else
    ]
    result = erase_conversation(conversation, supervisor(), services().eraser)
    assert result.complete and result.bot_copy_erased
    assert result.twilio_records_deleted == 3
    assert sorted(fake_twilio.deleted) == sorted([fake_twilio.sent[0]["sid"], "SMin1", "SMtwiml"])
    assert fake_bot.erased == [conversation.public_id]
    assert db.session.scalar(select(func.count(PendingErasure.id))) == 0
    event = db.session.scalar(select(AuditEvent).filter_by(action="conversation_erased"))
    assert event.detail["twilio_records_deleted"] == 3 and event.detail["complete"] is True


def test_what_cannot_be_deleted_now_is_retried_by_the_worker(twilio, fake_twilio, fake_bot):
    conversation = conversation_of(twilio)
    fake_twilio.records.append({"sid": "SMin1", "to": "+15005550006", "from": NUMBER})
    fake_bot.down, fake_twilio.fail_with = True, 503
    result = erase_conversation(conversation, supervisor(), services().eraser)
    assert not result.complete and not result.bot_copy_erased
    pending = db.session.scalar(select(PendingErasure))
    assert pending.twilio_address_encrypted and NUMBER not in pending.twilio_address_encrypted
    assert services().eraser.retry_due(utcnow()) == 0  # not due yet: backoff
    fake_bot.down, fake_twilio.fail_with = False, None
    assert services().eraser.retry_due(utcnow() + timedelta(minutes=2)) == 1
    assert fake_bot.erased == [conversation.public_id]
    assert fake_twilio.deleted == ["SMin1"]
    assert db.session.scalar(select(func.count(PendingErasure.id))) == 0  # address gone too
    assert db.session.scalar(select(AuditEvent).filter_by(action="erasure_completed"))


def test_web_chat_erasure_never_calls_twilio(client, fake_twilio, fake_bot):
    token = client.post("/api/chat/session").get_json()["token"]
    client.post("/api/chat/messages", json={"text": "hello"},
                headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    conversation = db.session.scalar(select(Conversation).filter_by(channel="web"))
    result = erase_conversation(conversation, supervisor(), services().eraser)
    assert result.complete and result.twilio_records_deleted is None
    assert fake_twilio.deleted == []


def test_counts_survive_erasure(twilio, fake_bot):
    conversation = conversation_of(twilio)
    before = {t.channel: t for t in all_time_totals()}["sms"]
    erase_conversation(conversation, supervisor(), services().eraser)
    after = {t.channel: t for t in all_time_totals()}["sms"]
    assert (after.inbound, after.outbound) == (before.inbound, before.outbound) == (1, 1)
