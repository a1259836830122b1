"""Calls back placed from the console (webhooks/voice/callbacks.py): Twilio's requests for
the call to the counsellor's phone. When she answers, the person is dialled with the hotline's
number as caller ID (``bridge``); the outcome goes on the call's message and in the audit log.
Every request is signature-checked like the rest of the hotline.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from webhooks.channels.twilio import validate_twilio_request
from webhooks.channels.twilio_voice import (
    ANSWERED,
    CALL_ENDED,
    CHANNEL,
    form_of,
    id_arg,
    log_call,
    twiml,
)
from webhooks.errors import bad_request
from webhooks.extensions import db
from webhooks.models import Message, MessageStatus
from webhooks.services import services
from webhooks.voice.callbacks import record_outcome
from webhooks.voice.prompts import speak

call_back_blueprint = Blueprint("twilio_call_back", __name__, url_prefix="/webhooks/twilio/voice")


def _call_back_message() -> Message | None:
    message = db.session.get(Message, id_arg("message"))
    if message is None or message.channel != CHANNEL or message.author_id is None:
        return None
    return message


@call_back_blueprint.post("/bridge")
@validate_twilio_request
def bridge() -> Response:
    """The counsellor answered a call back: now ring the person (webhooks/voice/callbacks.py)."""
    message = _call_back_message()
    if message is None:
        return bad_request("not a call back this hotline placed")
    response = VoiceResponse()
    contact = message.conversation.contact
    try:
        number = services().vault.decrypt(contact.address_encrypted) if contact else ""
    except ValueError:
        number = ""
    if not number or number.startswith("withheld:"):
        record_outcome(message, "no number to call (erased?)", reached=False)
        response.hangup()
        return twiml(response)
    speak(response, "counsellor_bridge", form_of(message))
    dial = response.dial(caller_id=current_app.config["VOICE_CALLER_ID"], timeout=30,
                         action=url_for(".bridge_result", message=message.id))  # fmt: skip
    dial.number(number)
    log_call(message, "calling the person")
    db.session.commit()
    return twiml(response)


@call_back_blueprint.post("/bridge-result")
@validate_twilio_request
def bridge_result() -> Response:
    message = _call_back_message()
    if message is None:
        return bad_request("not a call back this hotline placed")
    status = request.form.get("DialCallStatus", "")[:20]
    if status in ANSWERED:
        seconds = request.form.get("DialCallDuration", "")
        talked = (
            f"talked {int(seconds) // 60} min {int(seconds) % 60} s"
            if seconds.isdigit()
            else "talked"
        )
        record_outcome(message, talked, reached=True)
    else:
        record_outcome(message, f"the person did not answer ({status or 'unknown'})", reached=False)
    response = VoiceResponse()
    response.hangup()
    return twiml(response)


@call_back_blueprint.post("/call-back-status")
@validate_twilio_request
def call_back_status() -> Response:
    """The counsellor's leg ended: if it never reached the person, say why."""
    message = _call_back_message()
    status = request.form.get("CallStatus", "")
    if message is not None and status in CALL_ENDED and message.status == MessageStatus.SENT.value:
        if status == "completed":
            record_outcome(message, "ended before the person was called", reached=False)
        else:
            record_outcome(message, f"your phone did not answer ({status})", reached=False)
    return Response(status=204)
