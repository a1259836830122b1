"""The internal API for the action server: bearer-token auth, JSON in and out."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy import select

from webhooks.audit import audit
from webhooks.errors import bad_request
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.models import Conversation, Message
from webhooks.services import services

internal_blueprint = Blueprint("internal", __name__, url_prefix="/internal")


def require_internal_token(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        expected = current_app.config["INTERNAL_API_TOKEN"]
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
        if not token or not hmac.compare_digest(token.encode(), expected.encode()):
            abort(401, description="missing or invalid internal API token")
        return view(*args, **kwargs)

    return checked


@internal_blueprint.post("/handoffs")
@require_internal_token
def open_handoff() -> Response | tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return bad_request("expected a JSON object")
    reason, priority = body.get("reason"), body.get("priority", "normal")
    if reason not in handoffs.REASONS:
        return bad_request(f"reason must be one of {', '.join(handoffs.REASONS)}")
    if priority not in handoffs.PRIORITIES:
        return bad_request(f"priority must be one of {', '.join(handoffs.PRIORITIES)}")
    summary = body.get("summary") or {}
    if not isinstance(summary, dict):
        return bad_request("summary must be an object")
    turn = body.get("turn")
    if turn is not None and (isinstance(turn, bool) or not isinstance(turn, int)):
        return bad_request("turn must be the message id the gateway sent in the metadata")
    conversation = db.session.scalar(
        select(Conversation).filter_by(public_id=str(body.get("conversation_id", "")))
    )
    if conversation is None:
        abort(404, description="no such conversation")
    turn_message = db.session.get(Message, turn) if turn is not None else None
    if turn is not None and (
        turn_message is None or turn_message.conversation_id != conversation.id
    ):
        turn_message = None  # not a turn of this conversation (e.g. erased since): no key

    if handoffs.active_handoff(conversation) is None and handoffs.over_hourly_cap(
        conversation.channel, current_app.config["HANDOFFS_PER_HOUR"]
    ):
        # A flood (many new chats, each with a danger phrase) must not drown the queue. The
        # bot's reply for a refused hand-off still gives the emergency numbers.
        audit("handoff_refused", conversation=conversation, reason="hourly_cap",
              channel=conversation.channel)  # fmt: skip
        db.session.commit()
        return jsonify({"queued": False, "reason": "capacity"}), 429

    handoff, created = handoffs.open_handoff(
        conversation, reason=reason, priority=priority, language=body.get("language"),
        summary=summary, turn=turn_message,
    )  # fmt: skip
    app_services = services()
    availability = handoffs.availability(
        handoff, app_services.schedule, current_app.config["HANDOFF_AVERAGE_MINUTES"]
    )
    # Once per hand-off: when it is opened urgent, or raised to urgent later, out of hours.
    urgent_unanswerable = handoff.priority == "urgent" and not availability.on_duty
    if urgent_unanswerable and handoffs.claim_on_call_alert(handoff):
        app_services.notifier.notify_urgent(handoff)
    available_from = availability.available_from
    return jsonify(
        {
            "queued": True,
            "handoff_id": handoff.id,
            "on_duty": availability.on_duty,
            "expected_wait_minutes": availability.expected_wait_minutes,
            "available_from": (
                available_from.astimezone(app_services.schedule.zone).isoformat()
                if available_from
                else None
            ),
        }
    ), 201 if created else 200
