"""In-country SMS through SMS Gateway for Android (a Nepali SIM in an Android phone).

The app POSTs signed webhooks: ``X-Signature`` is hex HMAC-SHA256 of the raw body followed by
``X-Timestamp`` (Unix seconds), keyed with the signing key set in the app
(android-sms-gateway modules/webhooks/plugins/PayloadSingingPlugin.kt). Replies cannot go back
in the response: they are queued and sent through the app's API by the outbox, and the app's
``sms:sent`` / ``sms:delivered`` / ``sms:failed`` webhooks update their delivery state.

The app gives up on a webhook after 5 s without data (30 s in all) and retries anything but a
2xx, with backoff, 15 times by default (modules/webhooks/workers/WebhookQueueProcessorWorker.kt,
WebhooksSettings.kt ``retryCount``). So every authentic event is answered at once: an
``sms:received`` is stored and the worker runs the bot turn and sends the replies (the event
id makes a retried event a no-op); an event we cannot use (an operator's alphanumeric sender,
an empty text) gets 200 with the reason, since a 4xx would only be retried for days.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import phonenumbers
from flask import Blueprint, Response, abort, current_app, jsonify, request

from webhooks import json_input as strict_json
from webhooks.conversations.inbound import InboundMessage
from webhooks.errors import bad_request
from webhooks.http_input import parse_id
from webhooks.models import MessageStatus
from webhooks.outbound.receipts import Receipt, record_receipt
from webhooks.services import services

android_sms_blueprint = Blueprint("android_sms", __name__, url_prefix="/webhooks/android-sms")

CHANNEL = "android_sms"
MAX_CLOCK_SKEW_SECONDS = 300
MAX_EVENT_BYTES = 16 * 1024  # an SMS event is well under 4 KB, even a 1,600-character one
SIGNATURE_HEX_CHARS = 64  # hex HMAC-SHA256
# One event per state change of each part (modules/webhooks/EventsReceiver.kt): "sms:delivered"
# once per delivered part, "sms:failed" when a part fails; "sms:cancelled" (app v1.67) when a
# pending message is cancelled on the phone, so it never went out.
DELIVERY_EVENTS = {
    "sms:sent": MessageStatus.SENT,
    "sms:delivered": MessageStatus.DELIVERED,
    "sms:failed": MessageStatus.FAILED,
    "sms:cancelled": MessageStatus.FAILED,
}


def expected_signature(key: str, raw_body: bytes, timestamp: str) -> str:
    return hmac.new(key.encode(), raw_body + timestamp.encode(), hashlib.sha256).hexdigest()


def verify_android_signature(view: Callable[..., Any]) -> Callable[..., Any]:
    """403 unless the body is signed with our key within the allowed clock skew."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        key = current_app.config["ANDROID_SMS_SIGNING_KEY"]
        if not key:
            abort(403, description="the Android SMS gateway channel is not configured")
        # The declared size first: a huge body is refused before it is read, let alone hashed.
        length = request.content_length
        if length is None or length > MAX_EVENT_BYTES:
            abort(413, description=f"an event has a Content-Length of at most {MAX_EVENT_BYTES}")
        signature = request.headers.get("X-Signature", "")
        timestamp = parse_id(request.headers.get("X-Timestamp"))
        if not signature or timestamp is None:
            abort(403, description="missing X-Signature or X-Timestamp")
        if abs(time.time() - timestamp) > MAX_CLOCK_SKEW_SECONDS:
            abort(403, description="stale or future X-Timestamp")
        if not (signature.isascii() and len(signature) == SIGNATURE_HEX_CHARS):
            abort(403, description="invalid X-Signature")
        expected = expected_signature(key, request.get_data(), str(timestamp))
        if not hmac.compare_digest(expected, signature.lower()):
            abort(403, description="invalid X-Signature")
        return view(*args, **kwargs)

    return checked


def normalise_nepali_number(raw: str) -> str | None:
    """E.164 for a sender number; local Nepali numbers (98…) need no country code."""
    try:
        number = phonenumbers.parse(raw, "NP")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@android_sms_blueprint.post("")
@verify_android_signature
def webhook() -> Response | tuple[Response, int]:
    try:
        event = strict_json.loads(request.get_data())
    except (ValueError, UnicodeDecodeError):
        return bad_request("body must be JSON")
    if not isinstance(event, dict) or not isinstance(event.get("payload"), dict):
        return bad_request("expected an event with a payload object")
    kind, payload = event.get("event"), event["payload"]
    if kind == "sms:received":
        return _received(event, payload)
    if kind in DELIVERY_EVENTS:
        return _delivery_report(event, kind, payload)
    return jsonify({"ok": True, "ignored": kind})  # e.g. system:ping


def _ignored(reason: str) -> Response:
    """An authentic event we do not use: 200, or the app retries it for days."""
    return jsonify({"ok": True, "ignored": reason})


def _received(event: dict[str, Any], payload: dict[str, Any]) -> Response | tuple[Response, int]:
    # "phoneNumber" is deprecated in favour of "sender" for received messages
    # (modules/webhooks/payload/MessageEventPayload.kt); older app versions send only it.
    event_id, text = event.get("id"), payload.get("message")
    sender = payload.get("sender") or payload.get("phoneNumber")
    missing = [name for name, value in (("id", event_id), ("payload.sender", sender)) if not value]
    if missing:
        return bad_request(f"missing or empty fields: {', '.join(missing)}")
    if not isinstance(text, str) or not text.strip():
        return _ignored("empty message")
    address = normalise_nepali_number(str(sender))
    if address is None:  # "NTC", "Ncell", bank alerts: nobody to answer
        return _ignored("sender is not a phone number")
    result = services().router.accept_for_later(
        InboundMessage(
            channel=CHANNEL,
            address=address,
            text=text,
            external_id=f"asg-{event_id}",
            replies_in_band=False,
        )
    )
    return jsonify({"ok": True, "queued": not result.duplicate, "duplicate": result.duplicate})


def _delivery_report(event: dict[str, Any], kind: str, payload: dict[str, Any]) -> Response:
    message_id = str(payload.get("messageId") or "")
    if not message_id:
        return _ignored("no payload.messageId")
    parts = payload.get("partsCount")  # sms:sent only; -1 when the app does not know
    receipt = Receipt(
        DELIVERY_EVENTS[kind],
        event_id=str(event.get("id") or "")[:64] or None,
        error=str(payload.get("reason") or kind)[:200],
        parts=parts if isinstance(parts, int) and not isinstance(parts, bool) else None,
        per_part=True,
    )
    return jsonify({"ok": True, "known": record_receipt(message_id, receipt)})
