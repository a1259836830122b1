"""Call back from the console: the hotline calls the counsellor's phone, then bridges the call
to the person (webhooks/channels/twilio_voice.py, ``bridge``), showing each only the hotline's
number. The call is an outbound message in the conversation, its body the outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from webhooks.audit import audit
from webhooks.contact_vault import ContactVault
from webhooks.extensions import db
from webhooks.models import Conversation, Direction, Message, MessageStatus, User, utcnow
from webhooks.outbound.senders import TWILIO_API, _RebasedHttpClient

log = logging.getLogger(__name__)

BRIDGE_PATH = "/webhooks/twilio/voice/bridge"
STATUS_PATH = "/webhooks/twilio/voice/call-back-status"


class CallBackRefused(Exception):
    """Why this call back cannot be placed now (shown to the counsellor)."""


@dataclass(frozen=True)
class CallPlacer:
    """Places calls through Twilio's Calls API."""

    account_sid: str
    auth_token: str
    caller_id: str
    public_base_url: str
    api_base_url: str = TWILIO_API
    timeout: float = 10

    def place(self, to: str, message_id: int) -> str:
        http = (
            TwilioHttpClient(timeout=self.timeout)
            if self.api_base_url == TWILIO_API
            else _RebasedHttpClient(self.api_base_url, self.timeout)
        )
        client = Client(self.account_sid, self.auth_token, http_client=http)
        call = client.calls.create(
            to=to,
            from_=self.caller_id,
            url=f"{self.public_base_url}{BRIDGE_PATH}?message={message_id}",
            status_callback=f"{self.public_base_url}{STATUS_PATH}?message={message_id}",
            status_callback_event=["completed"],
            timeout=30,
        )
        return call.sid


def call_back(conversation: Conversation, user: User, placer: CallPlacer | None,
              vault: ContactVault) -> Message:  # fmt: skip
    """Place the call to ``user``'s phone; returns the call's message. Commits, audits."""
    if placer is None or not placer.caller_id:
        raise CallBackRefused("Calls are not set up (TWILIO_ACCOUNT_SID, VOICE_CALLER_ID).")
    if conversation.unsafe_to_contact:
        raise CallBackRefused("This person is marked unsafe to contact: no call is placed.")
    contact = conversation.contact
    if contact is None or not contact.address_encrypted:
        raise CallBackRefused("There is no number to call back (withheld, erased or expired).")
    try:
        if vault.decrypt(contact.address_encrypted).startswith("withheld:"):
            raise CallBackRefused("The caller's number was withheld: there is none to call.")
        counsellor_phone = vault.decrypt(user.phone_encrypted or "")
    except ValueError as error:
        raise CallBackRefused("Set your phone first (Phone, at the top of the page).") from error
    message = Message(
        conversation=conversation,
        direction=Direction.OUTBOUND.value,
        channel=conversation.channel,
        body=f"Call back by {user.username}: calling your phone",
        status=MessageStatus.QUEUED.value,
        author_id=user.id,
    )
    db.session.add(message)
    db.session.commit()
    try:
        message.provider_id = placer.place(counsellor_phone, message.id)
        message.status = MessageStatus.SENT.value
    except (TwilioRestException, TwilioException, OSError) as error:
        message.status = MessageStatus.FAILED.value
        message.last_error = f"Twilio refused or unreachable ({type(error).__name__})"
        message.body = f"Call back by {user.username}: not placed"
    conversation.last_message_at = utcnow()
    audit("call_back_placed", user, conversation, message=message.id, placed=message.status)
    db.session.commit()
    return message


def record_outcome(message: Message, outcome: str, reached: bool) -> None:
    """The call's outcome on its message and in the audit trail. Commits."""
    prefix = message.body.split(":", 1)[0]
    message.body = f"{prefix}: {outcome}"
    message.status = (MessageStatus.DELIVERED if reached else MessageStatus.FAILED).value
    message.last_error = None if reached else outcome
    audit("call_back_outcome", conversation=message.conversation, message=message.id,
          outcome=outcome)  # fmt: skip
    db.session.commit()
