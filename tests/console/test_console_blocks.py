"""Blocking an abusive contact (24 hours or until unblocked), and web chats have no number."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.console.support import Console, actions, open_handoff
from tests.gateway.support import TwilioSender
from webhooks.extensions import db
from webhooks.models import Contact, Conversation, Message, MessageStatus, utcnow

NUMBER = "+9779800000901"


def _contact(public_id: str) -> Contact:
    db.session.expire_all()
    return db.session.scalar(select(Conversation).filter_by(public_id=public_id)).contact


def test_a_blocked_contact_is_kept_but_reaches_no_one(
    as_supervisor: Console, twilio: TwilioSender, fake_bot
) -> None:
    public_id = open_handoff(twilio, "first", sender=NUMBER)
    base = f"/console/conversations/{public_id}"
    assert as_supervisor.post(f"{base}/block", {"duration": "permanent"}).status_code == 303
    assert "Blocked until unblocked" in as_supervisor.text(base)
    sent_to_bot = len(fake_bot.received)
    response = twilio.post("abuse", sender=NUMBER)
    assert response.status_code == 200 and "<Message>" not in response.get_data(as_text=True)
    stored = db.session.scalar(select(Message).filter_by(body="abuse"))
    assert stored.status == MessageStatus.NOT_ROUTED.value  # kept, not lost
    assert len(fake_bot.received) == sent_to_bot
    assert as_supervisor.post(f"{base}/unblock").status_code == 303
    assert not _contact(public_id).is_blocked(utcnow())
    assert actions(action="contact_blocked") and actions(action="contact_unblocked")


def test_a_24_hour_block_ends_by_itself(as_supervisor: Console, twilio: TwilioSender) -> None:
    public_id = open_handoff(twilio, "first", sender=NUMBER)
    as_supervisor.post(f"/console/conversations/{public_id}/block", {"duration": "24h"})
    contact = _contact(public_id)
    assert contact.is_blocked(utcnow() + timedelta(hours=23))
    assert not contact.is_blocked(utcnow() + timedelta(hours=24, seconds=1))


def test_counsellors_cannot_block(as_counsellor: Console, twilio: TwilioSender) -> None:
    public_id = open_handoff(twilio, "first", sender=NUMBER)
    response = as_counsellor.post(
        f"/console/conversations/{public_id}/block", {"duration": "permanent"}
    )
    assert response.status_code == 403
    assert not _contact(public_id).is_blocked(utcnow())


def test_a_web_chat_shows_no_number_and_never_its_token(as_supervisor: Console, app) -> None:
    person = app.test_client()
    token = person.post("/api/chat/session").get_json()["token"]
    person.post("/api/chat/messages", json={"text": "hello"},
                headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    conversation = db.session.scalar(select(Conversation).filter_by(channel="web"))
    page = as_supervisor.text(f"/console/conversations/{conversation.public_id}")
    assert "no phone number" in page and "Reveal full number" not in page
    assert token not in page and token[-3:] not in page.split("Web chat")[1][:200]
    response = as_supervisor.post(f"/console/conversations/{conversation.public_id}/reveal")
    assert response.status_code == 409
    assert token not in response.get_data(as_text=True)
