"""In-country SMS through SMS Gateway for Android (a Nepali SIM in an Android phone).

The app POSTs signed webhooks: ``X-Signature`` is hex HMAC-SHA256 of the raw body followed by
``X-Timestamp`` (Unix seconds), keyed with the signing key set in the app. Replies cannot go
back in the response: they are queued and sent through the app's API by the outbox, and the
app's ``sms:sent`` / ``sms:delivered`` / ``sms:failed`` webhooks update their delivery state.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import phonenumbers
from flask import Blueprint, Response, abort, current_app, jsonify, request

from webhooks.conversations.inbound import InboundMessage
from webhooks.errors import bad_request
from webhooks.extensions import db
from webhooks.models import Message, MessageStatus
from webhooks.outbound.delivery import record_delivery
from webhooks.services import services

android_sms_blueprint = Blueprint("android_sms", __name__, url_prefix="/webhooks/android-sms")

CHANNEL = "android_sms"
MAX_CLOCK_SKEW_SECONDS = 300
DELIVERY_EVENTS = {
    "sms:sent": MessageStatus.SENT,
    "sms:delivered": MessageStatus.DELIVERED,
    "sms:failed": MessageStatus.FAILED,
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
        signature = request.headers.get("X-Signature", "")
        timestamp = request.headers.get("X-Timestamp", "")
        if not signature or not timestamp.isdigit():
            abort(403, description="missing X-Signature or X-Timestamp")
        if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            abort(403, description="stale or future X-Timestamp")
        expected = expected_signature(key, request.get_data(), timestamp)
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
        event = json.loads(request.get_data())
    except (ValueError, UnicodeDecodeError):
        return bad_request("body must be JSON")
    if not isinstance(event, dict) or not isinstance(event.get("payload"), dict):
        return bad_request("expected an event with a payload object")
    kind, payload = event.get("event"), event["payload"]
    if kind == "sms:received":
        return _received(event, payload)
    if kind in DELIVERY_EVENTS:
        message_id = str(payload.get("messageId") or "")
        if not message_id:
            return bad_request("missing payload.messageId")
        known = record_delivery(message_id, DELIVERY_EVENTS[kind], payload.get("reason"))
        return jsonify({"ok": True, "known": known})
    return jsonify({"ok": True, "ignored": kind})  # e.g. system:ping


def _received(event: dict[str, Any], payload: dict[str, Any]) -> Response | tuple[Response, int]:
    event_id, text = event.get("id"), payload.get("message")
    missing = [
        name
        for name, value in (("id", event_id), ("payload.phoneNumber", payload.get("phoneNumber")))
        if not value
    ]
    if not isinstance(text, str) or not text.strip():
        missing.append("payload.message")
    if missing:
        return bad_request(f"missing or empty fields: {', '.join(missing)}")
    address = normalise_nepali_number(str(payload["phoneNumber"]))
    if address is None:
        return bad_request("payload.phoneNumber is not a phone number")
    app_services = services()
    result = app_services.router.handle(
        InboundMessage(
            channel=CHANNEL,
            address=address,
            text=text,
            external_id=f"asg-{event_id}",
            replies_in_band=False,
        )
    )
    if not result.duplicate:  # a redelivered event must not send the replies twice
        for reply_id in result.reply_ids:
            app_services.outbox.attempt(db.session.get(Message, reply_id))
    return jsonify({"ok": True, "duplicate": result.duplicate})
