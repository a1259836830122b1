"""The hotline: Twilio Voice webhooks in, TwiML out; every request signature-checked.

A call: greeting and language menu (1 नेपाली, 2 English) → danger advice and menu (9 in danger,
1 a counsellor, 2 call me back) → in opening hours, the on-duty counsellors' phones ring all
at once (the first to answer takes the call: a person who may have to hang up any moment
should not wait through a round of phones in turn), with the hotline's number as caller ID;
nobody on duty, out of hours or no answer → voicemail. A caller who hangs up before choosing
(a "missed call") is queued for a call back when VOICE_MISSED_CALL_CALLBACK is on.

Each call is one inbound message in the conversation of the caller's number (channel
"voice"), its body a log of the call written by us (never anything the person said); a
voicemail is a recording attached to it (webhooks/recordings.py). Every call that reaches the
queue opens (or joins) a hand-off, urgent after the danger key. Calls back placed from the
console: webhooks/channels/twilio_call_back.py.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request, url_for
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from webhooks.audit import audit
from webhooks.channels.twilio import parse_address, validate_twilio_request
from webhooks.conversations import store
from webhooks.conversations.inbound import MediaRef
from webhooks.errors import bad_request
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.handoffs.service import HandoffError
from webhooks.models import (
    Conversation,
    Handoff,
    HandoffStatus,
    Message,
    MessageStatus,
    User,
    utcnow,
)
from webhooks.recordings import add_recording, is_account_url
from webhooks.reports.contacts import record_contact
from webhooks.services import services
from webhooks.voice.prompts import speak

log = logging.getLogger(__name__)

CHANNEL = "voice"
LANGUAGE_KEYS = {"1": "ne", "2": "en"}
FORM_NAMES = {"ne": "Nepali", "en": "English"}
CALL_ENDED = {"completed", "busy", "no-answer", "canceled", "failed"}
ANSWERED = {"completed", "answered"}
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL

voice_blueprint = Blueprint("twilio_voice", __name__, url_prefix="/webhooks/twilio/voice")


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def caller_address(raw: str, call_sid: str) -> str:
    """The caller's E.164 number; a withheld number is one contact per call (no call back)."""
    parsed = parse_address(raw)
    return parsed[1] if parsed is not None else f"withheld:{call_sid}"


def call_message(call_sid: str) -> Message | None:
    return store.find_by_external_id(CHANNEL, call_sid) if call_sid else None


def log_call(message: Message, event: str) -> None:
    """Add an event to the call's log line (what the console shows); the caller commits."""
    message.body = f"{message.body}; {event}" if message.body else event
    message.conversation.last_message_at = utcnow()


def _call_or_400() -> Message | Response:
    message = call_message(request.form.get("CallSid", "").strip())
    if message is None:
        return bad_request("CallSid is not a call this hotline answered")
    return message


def id_arg(name: str) -> int:
    """A row id from the query string; 0 (no such row) unless it is a plausible id."""
    value = request.args.get(name, "")
    number = int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else 0
    return number if number <= MAX_ID else 0


def form_of(message: Message) -> str:
    language = message.conversation.language
    return language if language in FORM_NAMES else "ne"


@voice_blueprint.post("")
@validate_twilio_request
def incoming() -> Response:
    call_sid = request.form.get("CallSid", "").strip()
    if not call_sid:
        return bad_request("missing or empty fields: CallSid")
    address = caller_address(request.form.get("From", ""), call_sid)
    conversation = store.conversation_for(services().vault, CHANNEL, address)
    now = utcnow()
    record_contact(conversation, conversation.last_inbound_at, now)  # commits with the call
    conversation.last_inbound_at = now
    message = store.record_inbound(conversation, "Phone call", call_sid, MessageStatus.NOT_ROUTED)
    log.info(
        "conversation %s: call %s", conversation.public_id, "again" if message is None else "in"
    )
    response = VoiceResponse()
    if conversation.contact.is_blocked(now):  # a console block: kept, but nobody is rung
        if message is not None:
            log_call(message, "blocked: rejected")
            db.session.commit()
        response.reject()
        return twiml(response)
    gather = response.gather(num_digits=1, action=url_for(".language"), timeout=6)
    speak(gather, "greeting", "ne")
    speak(gather, "greeting", "en")
    response.redirect(url_for(".language"))  # no key pressed: Nepali
    return twiml(response)


@voice_blueprint.post("/language")
@validate_twilio_request
def language() -> Response:
    message = _call_or_400()
    if isinstance(message, Response):
        return message
    form = LANGUAGE_KEYS.get(request.form.get("Digits", ""), "ne")
    message.conversation.language = form
    log_call(message, FORM_NAMES[form])
    db.session.commit()
    response = VoiceResponse()
    gather = response.gather(num_digits=1, action=url_for(".menu"), timeout=8)
    speak(gather, "danger", form)
    response.redirect(url_for(".menu"))  # no key pressed: a counsellor
    return twiml(response)


@voice_blueprint.post("/menu")
@validate_twilio_request
def menu() -> Response:
    message = _call_or_400()
    if isinstance(message, Response):
        return message
    digit, form = request.form.get("Digits", ""), form_of(message)
    response = VoiceResponse()
    if digit == "2":
        queue_call(message, "asked to be called back", {"call": True, "callback": True})
        speak(response, "callback_queued", form)
        response.hangup()
        return twiml(response)
    if digit == "9":
        handoff = queue_call(message, "danger key", {"call": True, "danger_key": True},
                             reason="danger", priority="urgent")  # fmt: skip
        app_services = services()
        available = handoffs.availability(
            handoff, app_services.schedule, current_app.config["HANDOFF_AVERAGE_MINUTES"]
        )
        if not available.on_duty and handoffs.claim_on_call_alert(handoff):
            app_services.notifier.notify_urgent(handoff)
    else:
        queue_call(message, "asked for a counsellor", {"call": True})
    return connect(message, form, response)


def queue_call(message: Message, event: str, summary: dict, *, reason: str = "asked",
               priority: str = "normal") -> Handoff:  # fmt: skip
    """Open (or join, or raise) the conversation's hand-off for this call."""
    conversation = message.conversation
    log_call(message, event)
    message.status = MessageStatus.FOR_COUNSELLOR.value
    db.session.commit()
    handoff, _created = handoffs.open_handoff(
        conversation, reason=reason, priority=priority, language=conversation.language,
        summary=summary, turn=message,
    )  # fmt: skip
    if priority == "urgent" and handoff.priority != "urgent":  # joined this call's hand-off
        handoff.priority = "urgent"
        handoff.summary = {**(handoff.summary or {}), **summary}
        audit("handoff_escalated", conversation=conversation, handoff=handoff.id)
        db.session.commit()
    return handoff


def on_duty_phones() -> list[tuple[int, str]]:
    """(user id, number) of the counsellors on duty with a phone for hotline calls."""
    vault = services().vault
    users = db.session.scalars(
        select(User)
        .filter_by(on_duty=True, active=True)
        .where(User.phone_encrypted.is_not(None))
        .order_by(User.id)
    )
    phones = []
    for user in users:
        try:
            phones.append((user.id, vault.decrypt(user.phone_encrypted or "")))
        except ValueError:
            log.warning("user %s: phone number cannot be decrypted (rotated key?)", user.id)
    return phones


def connect(message: Message, form: str, response: VoiceResponse) -> Response:
    config = current_app.config
    phones = on_duty_phones() if services().schedule.is_open(utcnow()) else []
    if not phones or not config["VOICE_CALLER_ID"]:
        log_call(message, "nobody to ring")
        db.session.commit()
        return voicemail(message, form, response)
    speak(response, "connecting", form)
    dial = response.dial(caller_id=config["VOICE_CALLER_ID"], timeout=config["VOICE_RING_SECONDS"],
                         action=url_for(".dial_result"))  # fmt: skip
    for user_id, number in phones:
        dial.number(number, url=url_for(".answered", user=user_id, form=form))
    log_call(message, f"ringing {len(phones)} counsellor(s)")
    db.session.commit()
    return twiml(response)


def voicemail(message: Message, form: str, response: VoiceResponse) -> Response:
    speak(response, "voicemail", form)
    response.record(
        max_length=current_app.config["VOICEMAIL_MAX_SECONDS"],
        play_beep=True,
        trim="trim-silence",
        action=url_for(".recorded"),
        recording_status_callback=url_for(".recording"),
        recording_status_callback_event="completed",
    )
    return twiml(response)


@voice_blueprint.post("/answered")
@validate_twilio_request
def answered() -> Response:
    """The counsellor who answered hears what the call is; the hand-off becomes theirs."""
    message = call_message(request.form.get("ParentCallSid", "").strip())
    user = db.session.get(User, id_arg("user"))
    form = request.args.get("form", "ne")
    if message is None or user is None:
        return bad_request("not a call this hotline is connecting")
    handoff = handoffs.active_handoff(message.conversation)
    if handoff is not None and handoff.status == HandoffStatus.WAITING.value:
        try:
            handoffs.claim(handoff, user)
            log_call(message, f"answered by {user.username}")
            db.session.commit()
        except HandoffError:
            pass  # taken in the console meanwhile: the call still goes through
    response = VoiceResponse()
    speak(response, "counsellor_whisper", form if form in FORM_NAMES else "ne")
    return twiml(response)


@voice_blueprint.post("/dial-result")
@validate_twilio_request
def dial_result() -> Response:
    message = _call_or_400()
    if isinstance(message, Response):
        return message
    response = VoiceResponse()
    if request.form.get("DialCallStatus", "") in ANSWERED:
        log_call(message, "call ended")
        db.session.commit()
        response.hangup()
        return twiml(response)
    log_call(message, "no answer")
    db.session.commit()
    return voicemail(message, form_of(message), response)


@voice_blueprint.post("/recorded")
@validate_twilio_request
def recorded() -> Response:
    message = _call_or_400()
    if isinstance(message, Response):
        return message
    response = VoiceResponse()
    speak(response, "voicemail_thanks", form_of(message))
    response.hangup()
    return twiml(response)


@voice_blueprint.post("/recording")
@validate_twilio_request
def recording() -> Response:
    """Twilio's recording status callback: the voicemail is ready to fetch."""
    message = _call_or_400()
    if isinstance(message, Response):
        return message
    form = request.form
    url = form.get("RecordingUrl", "")
    if form.get("RecordingStatus") != "completed" or not url:
        return Response(status=204)
    config = current_app.config
    if not is_account_url(url, config["TWILIO_API_BASE_URL"], config["TWILIO_ACCOUNT_SID"]):
        log.warning("voicemail not on this account's API: not fetched")
        return bad_request("RecordingUrl is not a recording of this account")
    if message.recording is None:
        add_recording(message.conversation, message, "voicemail", MediaRef(url, "audio/x-wav"))
        log_call(message, "voicemail left")
        if message.status != MessageStatus.FOR_COUNSELLOR.value:
            db.session.commit()
            queue_call(message, "voicemail", {"call": True, "voicemail": True})
        db.session.commit()
    return Response(status=204)


@voice_blueprint.post("/status")
@validate_twilio_request
def status() -> Response:
    """The call's status callback: a caller who hung up before choosing anything gave a
    "missed call" (calls cost money): queue a call back, if the hotline offers it."""
    message = call_message(request.form.get("CallSid", "").strip())
    if message is None or request.form.get("CallStatus", "") not in CALL_ENDED:
        return Response(status=204)
    conversation: Conversation = message.conversation
    contact = conversation.contact
    blocked = contact is not None and contact.is_blocked(utcnow())
    missed = message.status == MessageStatus.NOT_ROUTED.value and not blocked
    if missed and current_app.config["VOICE_MISSED_CALL_CALLBACK"] and _has_number(conversation):
        if handoffs.over_hourly_cap(CHANNEL, current_app.config["HANDOFFS_PER_HOUR"]):
            audit("handoff_refused", conversation=conversation, reason="hourly_cap",
                  channel=CHANNEL)  # fmt: skip
            db.session.commit()
        else:
            queue_call(message, "hung up before choosing: call back",
                       {"call": True, "missed_call": True})  # fmt: skip
    return Response(status=204)


def _has_number(conversation: Conversation) -> bool:
    contact = conversation.contact
    if contact is None or not contact.address_encrypted:
        return False
    try:
        return not services().vault.decrypt(contact.address_encrypted).startswith("withheld:")
    except ValueError:
        return False
