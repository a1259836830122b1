"""Erasing a conversation on the person's request: supervisors only, confirmed, audited."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.console.support import Console, open_handoff
from tests.gateway.support import TwilioSender
from webhooks.extensions import db
from webhooks.models import AuditEvent, Contact, Conversation, Message, Note

NUMBER = "+9779800000601"


def test_a_supervisor_erases_a_conversation_everywhere(
    as_supervisor: Console, twilio: TwilioSender, fake_bot
) -> None:
    public_id = open_handoff(twilio, "my secret story", sender=NUMBER)
    base = f"/console/conversations/{public_id}"
    assert as_supervisor.post(f"{base}/notes", {"body": "private note"}).status_code == 302
    assert db.session.scalar(select(func.count(Note.id))) == 1
    response = as_supervisor.post(f"{base}/erase", {"confirm": "ERASE"})
    assert response.status_code == 302
    conversation = db.session.scalar(select(Conversation).filter_by(public_id=public_id))
    assert (
        db.session.scalar(select(func.count(Message.id)).filter_by(conversation_id=conversation.id))
        == 0
    )
    assert db.session.scalar(select(func.count(Note.id))) == 0
    assert fake_bot.erased == [public_id]
    event = db.session.scalar(select(AuditEvent).filter_by(action="conversation_erased"))
    assert event.detail["messages"] >= 2 and event.detail["bot_copy_erased"] is True
    assert "secret" not in str(event.detail)
    contact = db.session.get(Contact, conversation.contact_id)
    assert contact.address_encrypted == ""
    twilio.post("hello again", sender=NUMBER)  # the same number now starts afresh
    newest = db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
    assert newest.public_id != public_id


def test_erasing_needs_the_typed_confirmation(as_supervisor: Console, twilio: TwilioSender) -> None:
    public_id = open_handoff(twilio, "keep this", sender=NUMBER)
    response = as_supervisor.post(f"/console/conversations/{public_id}/erase", {"confirm": "yes"})
    assert response.status_code == 400
    assert db.session.scalar(select(Message.body).filter_by(body="keep this")) == "keep this"


def test_counsellors_cannot_erase(as_counsellor: Console, twilio: TwilioSender) -> None:
    public_id = open_handoff(twilio, "keep this", sender=NUMBER)
    response = as_counsellor.post(f"/console/conversations/{public_id}/erase", {"confirm": "ERASE"})
    assert response.status_code == 403
    assert db.session.scalar(select(Message.body).filter_by(body="keep this")) == "keep this"


def test_when_rasa_is_down_the_gateway_data_is_still_erased_and_it_says_so(
    as_supervisor: Console, twilio: TwilioSender, fake_bot
) -> None:
    public_id = open_handoff(twilio, "erase me", sender=NUMBER)
    fake_bot.down = True
    response = as_supervisor.post(f"/console/conversations/{public_id}/erase", {"confirm": "ERASE"})
    assert response.status_code == 302
    assert db.session.scalar(select(Message).filter_by(body="erase me")) is None
    event = db.session.scalar(select(AuditEvent).filter_by(action="conversation_erased"))
    assert event.detail["bot_copy_erased"] is False
