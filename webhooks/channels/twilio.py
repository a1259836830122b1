"""Twilio SMS and WhatsApp: signed webhooks in, TwiML out.

Twilio serves WhatsApp and SMS from numbers abroad; it has no two-way SMS inside Nepal (the
Android gateway channel covers that). ``From`` is ``whatsapp:+977…`` for WhatsApp. Signatures:
see ``twilio_signature``; delivery receipts: see ``webhooks.outbound.receipts``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

import phonenumbers
from flask import Blueprint, Response, abort, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from webhooks.channels.twilio_signature import SignatureRejected, check_signature, requested_url
from webhooks.conversations.inbound import InboundMessage, MediaRef
from webhooks.errors import bad_request
from webhooks.models import MessageStatus
from webhooks.outbound.receipts import Receipt, record_receipt
from webhooks.recordings import is_account_url, is_audio
from webhooks.services import services

log = logging.getLogger(__name__)

twilio_blueprint = Blueprint("twilio", __name__, url_prefix="/webhooks/twilio")
# Twilio's Message status values (twilio.com/docs/messaging/api/message-resource#message-status-
# values). A callback is sent for each change after creation, in no guaranteed order.
# "partially_delivered" is not delivered; "canceled" (a scheduled message) never went out;
# "read" (WhatsApp) proves delivery and is the one status allowed to override a failure.
TWILIO_STATUS = {
    "queued": MessageStatus.SENT, "accepted": MessageStatus.SENT,
    "scheduled": MessageStatus.SENT, "sending": MessageStatus.SENT,
    "sent": MessageStatus.SENT, "partially_delivered": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED, "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.FAILED, "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}  # fmt: skip
PROOF_OF_DELIVERY = {"read"}


WHATSAPP_PREFIX = "whatsapp:"
REQUIRED_FIELDS = ("MessageSid", "From", "To")


def validate_twilio_request(view: Callable[..., Any]) -> Callable[..., Any]:
    """403 unless X-Twilio-Signature matches. Only a test setting can turn this off."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        config = current_app.config
        if config["TWILIO_VALIDATE_SIGNATURES"] or not current_app.testing:
            url = requested_url(request, config["PUBLIC_BASE_URL"], bool(config["PROXY_COUNT"]))
            try:
                check_signature(url, request.form, request.headers, config["TWILIO_AUTH_TOKEN"],
                                config["TWILIO_WEBHOOK_SHARED_KEYS"])  # fmt: skip
            except SignatureRejected as rejected:
                log.warning("Twilio webhook refused: %s", rejected)
                abort(403, description=str(rejected))
        return view(*args, **kwargs)

    return checked


def parse_address(raw: str) -> tuple[str, str] | None:
    """``(channel, E.164 number)`` from Twilio's ``From``; None if it is not a phone number."""
    channel = "sms"
    if raw.startswith(WHATSAPP_PREFIX):
        channel, raw = "whatsapp", raw[len(WHATSAPP_PREFIX) :]
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return channel, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def voice_note(form: Any) -> MediaRef | None:
    """The first attachment if it is audio on our Twilio account (a WhatsApp voice note)."""
    url, content_type = form.get("MediaUrl0", ""), form.get("MediaContentType0", "")
    if not url or not is_audio(content_type):
        return None
    config = current_app.config
    if not is_account_url(url, config["TWILIO_API_BASE_URL"], config["TWILIO_ACCOUNT_SID"]):
        log.warning("Twilio webhook: audio not on this account's API (not fetched)")
        return None
    return MediaRef(url, content_type)


def twiml(replies: list[str]) -> Response:
    response = MessagingResponse()
    for reply in replies:
        response.message(reply)
    return Response(str(response), mimetype="text/xml")


@twilio_blueprint.post("/messages")
@validate_twilio_request
def inbound_message() -> Response:
    form = request.form
    missing = [name for name in REQUIRED_FIELDS if not form.get(name, "").strip()]
    has_media = form.get("NumMedia", "0").strip() not in {"", "0"}
    if "Body" not in form or (not form["Body"].strip() and not has_media):
        missing.append("Body")
    if missing:
        return bad_request(f"missing or empty fields: {', '.join(missing)}")
    parsed = parse_address(form["From"])
    if parsed is None:
        return bad_request("From is not a phone number")
    channel, address = parsed
    result = services().router.handle(
        InboundMessage(
            channel=channel,
            address=address,
            text=form["Body"],
            external_id=form["MessageSid"],
            has_media=has_media,
            audio=voice_note(form) if has_media else None,
        )
    )
    return twiml(result.replies)


@twilio_blueprint.post("/status")
@validate_twilio_request
def status_callback() -> Response | tuple[Response, int]:
    """Delivery receipts for messages we sent through Twilio's REST API."""
    sid, status = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    if not sid or not status:
        return bad_request("missing or empty fields: MessageSid, MessageStatus")
    mapped = TWILIO_STATUS.get(status)
    if mapped is None:
        return Response(status=202)  # a status we do not track (e.g. "receiving")
    receipt = Receipt(
        mapped,
        event_id=f"twilio-{status}",  # one report per status and message: a retry counts once
        error=f"Twilio status {status} {request.form.get('ErrorCode', '')}".strip(),
        overrides_failure=status in PROOF_OF_DELIVERY,
    )
    # ``ref`` is our reference, put in the callback URL when the message was created: it finds
    # the message even when the create call's answer (and with it the SID) was lost.
    known = record_receipt(sid, receipt, reference=request.args.get("ref"))
    return Response(status=204 if known else 202)
