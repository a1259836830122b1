"""Blocking a contact from the console, like a helpline's caller block.

A supervisor blocks the person behind a conversation for 24 hours or until unblocked. Their
messages are still stored (nothing is lost, and a supervisor can read them) but get no reply,
reach neither the bot nor the counsellor queue, and cost no SMS. Blocking and unblocking are
audited; the conversation page shows the block and the button that lifts it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from webhooks.audit import audit
from webhooks.console.common import viewable
from webhooks.console.permissions import requires
from webhooks.extensions import db
from webhooks.models import utcnow

blocks_blueprint = Blueprint("blocks", __name__)

DURATIONS = {"24h": timedelta(hours=24), "permanent": None}


@blocks_blueprint.post("/conversations/<public_id>/block")
@requires("contact.block")
def block(public_id: str) -> BaseResponse:
    conversation, _handoff = viewable(public_id)
    duration = request.form.get("duration", "")
    if duration not in DURATIONS or conversation.contact is None:
        abort(400, description="Choose 24 hours or permanent.")
    contact = conversation.contact
    length = DURATIONS[duration]
    contact.blocked_permanently = length is None
    contact.blocked_until = None if length is None else utcnow() + length
    audit("contact_blocked", current_user, conversation, duration=duration)
    db.session.commit()
    flash("Blocked: this person's messages are kept but get no reply.", "warn")
    return redirect(url_for("console.conversation.view", public_id=public_id), code=303)


@blocks_blueprint.post("/conversations/<public_id>/unblock")
@requires("contact.block")
def unblock(public_id: str) -> BaseResponse:
    conversation, _handoff = viewable(public_id)
    if conversation.contact is None:
        abort(400, description="This contact no longer exists.")
    conversation.contact.blocked_permanently = False
    conversation.contact.blocked_until = None
    audit("contact_unblocked", current_user, conversation)
    db.session.commit()
    flash("Unblocked.", "success")
    return redirect(url_for("console.conversation.view", public_id=public_id), code=303)
