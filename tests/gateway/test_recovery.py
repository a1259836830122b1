"""Messages the bot could not answer are answered once it is back, or handed to counsellors."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webhooks.extensions import db
from webhooks.models import Handoff, Message, MessageStatus, utcnow
from webhooks.recovery import _claim, recover_unanswered
from webhooks.upkeep import run_upkeep

NUMBER = "+9779800001001"


def inbound(body: str) -> Message:
    db.session.expire_all()
    return db.session.scalar(select(Message).filter_by(body=body, direction="in"))


def test_an_unanswered_sms_is_answered_through_the_outbox_when_the_bot_is_back(
    twilio, fake_bot, fake_twilio
):
    fake_bot.down = True
    response = twilio.post("how do i get a labour permit", sender=NUMBER)
    assert "100" in response.get_data(as_text=True)  # the safe reply at once
    message = inbound("how do i get a labour permit")
    assert message.status == MessageStatus.UNANSWERED.value and message.next_attempt_at
    assert recover_unanswered().total() == 0  # the bot gets a moment first
    assert recover_unanswered(utcnow() + timedelta(seconds=11)).waiting_for_bot == 1  # down
    fake_bot.down = False
    fake_bot.replies = ["Apply at the Department of Foreign Employment."]
    report = run_upkeep(utcnow() + timedelta(minutes=2)).recovery
    assert report.answered == 1
    assert fake_bot.received[-1][1] == "how do i get a labour permit"
    [sent] = fake_twilio.sent
    assert sent["To"] == NUMBER and sent["Body"].startswith("Apply at the Department")
    message = inbound("how do i get a labour permit")
    assert message.status == MessageStatus.ANSWERED.value and message.next_attempt_at is None
    reply = db.session.scalar(select(Message).filter_by(reply_to_id=message.id, status="sent"))
    assert reply is not None
    assert recover_unanswered(utcnow() + timedelta(hours=1)).total() == 0  # answered once


def test_a_long_wait_goes_to_the_counsellors(twilio, fake_bot, fake_twilio):
    fake_bot.down = True
    twilio.post("please help me", sender=NUMBER)
    report = recover_unanswered(utcnow() + timedelta(minutes=31))  # the bot is still down
    assert report.handed_off == 1
    handoff = db.session.scalar(select(Handoff))
    assert (handoff.reason, handoff.priority) == ("bot_failed", "normal")
    message = inbound("please help me")
    assert message.status == MessageStatus.FOR_COUNSELLOR.value
    assert "counsellor" in fake_twilio.sent[0]["Body"]
    notice = db.session.scalar(select(Message).filter_by(reply_to_id=message.id, status="sent"))
    assert notice is not None  # the person is told, in their channel


def test_an_urgent_looking_message_goes_to_the_counsellors_at_once(twilio, fake_bot):
    fake_bot.down = True
    twilio.post("they took my passport and lock me in", sender=NUMBER)
    fake_bot.down = False
    fake_bot.parses["they took my passport and lock me in"] = {
        "intent": {"name": "danger_confinement", "confidence": 0.8},
        "intent_ranking": [{"name": "danger_confinement", "confidence": 0.8}],
    }
    sent_before = len(fake_bot.received)
    assert recover_unanswered(utcnow() + timedelta(minutes=1)).handed_off == 1
    handoff = db.session.scalar(select(Handoff))
    assert (handoff.reason, handoff.priority) == ("danger", "urgent")
    assert len(fake_bot.received) == sent_before  # not a bot turn


def test_a_turn_that_died_with_a_process_is_answered_too(twilio, fake_bot):
    twilio.post("hello", sender=NUMBER)
    message = inbound("hello")
    message.status = MessageStatus.RECEIVED.value  # as if the gateway died mid-turn
    db.session.commit()
    assert recover_unanswered(utcnow() + timedelta(minutes=1)).total() == 0  # not yet stuck
    assert recover_unanswered(utcnow() + timedelta(minutes=4)).answered == 1


def test_web_replies_wait_for_the_widget_to_fetch_them(client, fake_bot):
    fake_bot.down = True
    token = client.post("/api/chat/session").get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/api/chat/messages", json={"text": "namaste"}, headers=headers)
    fake_bot.down, fake_bot.replies = False, ["Namaste! How can I help?"]
    assert recover_unanswered(utcnow() + timedelta(minutes=1)).answered == 1
    polled = client.get("/api/chat/messages?after=0", headers=headers).get_json()["messages"]
    assert polled[-1]["text"] == "Namaste! How can I help?"


def test_a_message_is_claimed_by_one_worker_only(twilio, fake_bot):
    fake_bot.down = True
    twilio.post("hello", sender=NUMBER)
    message = inbound("hello")
    now = utcnow() + timedelta(seconds=11)
    assert _claim(message.id, now) is True
    assert _claim(message.id, now) is False
