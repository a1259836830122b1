"""Console pages and the JSON endpoints its script polls.

Privacy by default: counsellors see waiting hand-offs and their own conversations only, and
phone numbers masked; every view of a conversation and every action is audited (ids only).
Nothing a person wrote is ever marked safe: Jinja escapes it, the script uses textContent.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from webhooks.audit import audit
from webhooks.console import auth
from webhooks.console.canned import canned_responses
from webhooks.console.permissions import has_permission, requires
from webhooks.erasure import erase_conversation
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.handoffs.service import HandoffError
from webhooks.models import (
    AuditEvent,
    Conversation,
    Direction,
    Handoff,
    HandoffStatus,
    Message,
    MessageStatus,
    Note,
    Role,
    User,
    utcnow,
)
from webhooks.outbound.delivery import OutsideWindowError
from webhooks.services import services

log = logging.getLogger(__name__)

console_blueprint = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
)

MAX_REPLY_CHARS = 1600
MAX_NOTE_CHARS = 4000
AUDIT_PAGE_SIZE = 50
LANGUAGES = {"en": "English", "ne": "Nepali (Devanagari)", "ne-Latn": "Nepali (Roman)"}
CHANNELS = {"sms": "SMS", "whatsapp": "WhatsApp", "web": "Web chat", "android_sms": "SMS (Nepal)"}
OUTCOME_LABELS = {
    "information_given": "Information given",
    "referred": "Referred to a partner",
    "emergency_services_contacted": "Emergency services contacted",
    "returned_to_bot": "Returned to the bot",
    "no_response": "No response from the person",
    "other": "Other",
}
STATUS_LABELS = {
    MessageStatus.QUEUED.value: "queued",
    MessageStatus.SENT.value: "sent",
    MessageStatus.DELIVERED.value: "delivered",
    MessageStatus.FAILED.value: "FAILED",
    MessageStatus.REPLIED.value: "replied",
}
# Reachable while a password change is forced.
PASSWORD_CHANGE_ENDPOINTS = {"console.change_password", "console.logout", "console.static",
                             "console.login"}  # fmt: skip
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


# --- request plumbing ------------------------------------------------------------------------


def _is_api() -> bool:
    return request.path.startswith("/console/api/")


@console_blueprint.before_request
def protect_console() -> BaseResponse | None:
    auth.csrf.protect()  # every POST: form field csrf_token or header X-CSRFToken
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS
    ):
        if _is_api():
            abort(403, description="You must change your password first.")
        return redirect(url_for("console.change_password"))
    return None


@console_blueprint.after_request
def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "console.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@console_blueprint.errorhandler(HTTPException)
def console_error(error: HTTPException) -> tuple[Any, int]:
    status = error.code or 500
    message = error.description or error.name
    if getattr(error, "name", "") == "Bad Request" and "CSRF" in message:
        message = "This form has expired or was not sent from the console. Reload the page."
    if _is_api():
        return jsonify({"error": message}), status
    return render_template("console/error.html", status=status, message=message), status


@auth.login_manager.unauthorized_handler
def unauthorized() -> Any:
    if _is_api():
        return jsonify({"error": "Please log in again."}), 401
    flash("Please log in.", "info")
    return redirect(url_for("console.login", next=request.full_path.rstrip("?")))


@console_blueprint.app_template_filter("localtime")
def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(services().schedule.zone).strftime(fmt)


@console_blueprint.app_context_processor
def console_context() -> dict[str, Any]:
    return {
        "can": lambda permission: has_permission(current_user, permission),
        "LANGUAGES": LANGUAGES,
        "CHANNELS": CHANNELS,
    }


# --- helpers ---------------------------------------------------------------------------------


def mask(address: str) -> str:
    """Only the last three digits, never the length: ``•••••••678``."""
    digits = [ch for ch in address if ch.isdigit()]
    tail = "".join(digits[-3:]) if len(digits) >= 6 else ""
    return "•" * 7 + tail


def _conversation(public_id: str) -> Conversation:
    conversation = db.session.scalar(select(Conversation).filter_by(public_id=public_id))
    if conversation is None:
        abort(404, description="There is no such conversation.")
    return conversation


def _latest_handoff(conversation: Conversation) -> Handoff | None:
    return handoffs.active_handoff(conversation) or db.session.scalar(
        select(Handoff).filter_by(conversation_id=conversation.id).order_by(Handoff.id.desc())
    )


def _holds(handoff: Handoff | None) -> bool:
    return (
        handoff is not None
        and handoff.status == HandoffStatus.ACTIVE.value
        and handoff.counsellor_id == current_user.id
    )


def _may_view(handoff: Handoff | None) -> bool:
    if has_permission(current_user, "conversation.view_any"):
        return True
    if not has_permission(current_user, "conversation.view") or handoff is None:
        return False
    return handoff.status == HandoffStatus.WAITING.value or _holds(handoff)


def _viewable(public_id: str) -> tuple[Conversation, Handoff | None]:
    conversation = _conversation(public_id)
    handoff = _latest_handoff(conversation)
    if not _may_view(handoff):
        abort(403, description="This conversation is not yours to see.")
    return conversation, handoff


def _time(value: datetime | None) -> str:
    return localtime(value, "%d %b %H:%M") if value else ""


def message_json(message: Message) -> dict[str, Any]:
    if message.direction == Direction.INBOUND.value:
        who = "person"
    elif message.author_id is not None:
        who = "counsellor"
    elif message.status == MessageStatus.REPLIED.value:
        who = "bot"
    else:
        who = "system"
    return {
        "id": message.id,
        "direction": message.direction,
        "who": who,
        "author": message.author.username if message.author else None,
        "body": message.body,
        "status": message.status,
        "status_label": STATUS_LABELS.get(message.status, message.status.replace("_", " ")),
        "last_error": message.last_error,
        "time": _time(message.created_at),
        "encoding": message.sms_encoding,
        "segments": message.sms_segments,
    }


def _messages(conversation: Conversation, after: int = 0) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message)
            .filter_by(conversation_id=conversation.id)
            .where(Message.id > after)
            .order_by(Message.id)
        )
    )


def _summary_items(summary: Any) -> list[tuple[str, str]]:
    if not isinstance(summary, dict):
        return []
    items = []
    for key, value in summary.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        items.append((str(key).replace("_", " "), shown))
    return items


def _colleagues() -> list[User]:
    return list(
        db.session.scalars(
            select(User).filter_by(active=True).order_by(User.on_duty.desc(), User.username)
        )
    )


def _int_field(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit():
        abort(400, description=f"Missing or invalid {name.replace('_', ' ')}.")
    return int(raw)


def _safe_next(target: str | None, default: str) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/console"):
            return target
    return default


def _conversation_page(
    conversation: Conversation,
    handoff: Handoff | None,
    *,
    status: int = 200,
    error: str | None = None,
    draft: str = "",
    revealed: str | None = None,
) -> tuple[str, int]:
    messages = _messages(conversation)
    try:
        masked = mask(services().vault.decrypt(conversation.contact.address_encrypted))
    except ValueError:  # e.g. a rotated key: the conversation must stay readable
        masked = "•••••••"
    audit("conversation_viewed", current_user, conversation,
          handoff=handoff.id if handoff else None)  # fmt: skip
    db.session.commit()
    notes = db.session.scalars(
        select(Note).filter_by(conversation_id=conversation.id).order_by(Note.id)
    ).all()
    holds = _holds(handoff)
    active = handoff is not None and handoff.status == HandoffStatus.ACTIVE.value
    page = render_template(
        "console/conversation.html",
        conversation=conversation,
        handoff=handoff,
        messages=[message_json(message) for message in messages],
        last_id=messages[-1].id if messages else 0,
        masked=masked,
        revealed=revealed,
        notes=notes,
        summary=_summary_items(handoff.summary if handoff else None),
        holds=holds,
        can_claim=handoff is not None and handoff.status == HandoffStatus.WAITING.value,
        can_reply=holds and has_permission(current_user, "conversation.reply"),
        can_transfer=active and (holds or has_permission(current_user, "handoff.transfer_any")),
        can_close=active and (holds or has_permission(current_user, "handoff.close_any")),
        colleagues=[u for u in _colleagues() if handoff is None or u.id != handoff.counsellor_id],
        outcomes=[(o, OUTCOME_LABELS.get(o, o)) for o in handoffs.OUTCOMES],
        canned=canned_responses(),
        error=error,
        draft=draft,
        poll_ms=current_app.config["CONSOLE_POLL_MILLISECONDS"],
    )
    return page, status


# --- log-in, log-out, password ---------------------------------------------------------------


@console_blueprint.get("/")
def index() -> BaseResponse:
    return redirect(url_for("console.queue_page"))


@console_blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_url = _safe_next(request.values.get("next"), url_for("console.queue_page"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_url)
        return render_template("console/login.html", next_url=next_url, error=None)
    username = request.form.get("username", "")[:64]
    password = request.form.get("password", "")[: auth.MAX_PASSWORD_LENGTH]
    if not username.strip() or not password:
        return render_template(
            "console/login.html", next_url=next_url, error="Enter your username and password."
        ), 400
    result = auth.attempt_login(username, password)
    if result.user is None:
        return render_template("console/login.html", next_url=next_url, error=result.error), 401
    auth.start_session(result.user)
    if result.user.must_change_password:
        return redirect(url_for("console.change_password"))
    return redirect(next_url)


@console_blueprint.post("/logout")
def logout() -> BaseResponse:
    if current_user.is_authenticated:
        audit("logout", current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("console.login"))


@console_blueprint.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    forced = current_user.must_change_password
    if request.method == "GET":
        return render_template("console/password.html", forced=forced, error=None)
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    confirm = request.form.get("confirm_password", "")
    error = None
    if not auth.verify_password(current_user, current):
        error = "Your current password is not right."
    else:
        error = auth.validate_new_password(new, confirm, current)
    if error:
        audit("password_change_failed", current_user)
        db.session.commit()
        return render_template("console/password.html", forced=forced, error=error), 400
    auth.set_password(current_user, new, must_change=False)
    audit("password_changed", current_user)
    db.session.commit()
    auth.start_session(
        current_user._get_current_object()
    )  # new stamp: other sessions of this account end
    flash("Your password has been changed.", "success")
    return redirect(url_for("console.queue_page"))


# --- the queue -------------------------------------------------------------------------------


def _queue_data(language: str | None) -> dict[str, Any]:
    now = utcnow()
    breach_after = current_app.config["HANDOFF_REASSURE_AFTER_MINUTES"]
    show_breaches = has_permission(current_user, "queue.breaches")
    waiting = []
    for handoff in handoffs.queue(language or None):
        minutes = int((now - handoff.created_at).total_seconds() // 60)
        waiting.append(
            {
                "public_id": handoff.conversation.public_id,
                "url": url_for("console.conversation", public_id=handoff.conversation.public_id),
                "priority": handoff.priority,
                "reason": handoff.reason.replace("_", " "),
                "language": handoff.language or "",
                "language_label": LANGUAGES.get(handoff.language or "", "unknown"),
                "channel": CHANNELS.get(handoff.channel, handoff.channel),
                "since": _time(handoff.created_at),
                "waited_minutes": minutes,
                "breach": show_breaches and minutes >= breach_after,
            }
        )
    mine = []
    for handoff in db.session.scalars(
        select(Handoff)
        .filter_by(status=HandoffStatus.ACTIVE.value, counsellor_id=current_user.id)
        .order_by(Handoff.claimed_at)
    ):
        last = db.session.scalar(
            select(Message)
            .filter_by(conversation_id=handoff.conversation_id)
            .order_by(Message.id.desc())
            .limit(1)
        )
        mine.append(
            {
                "public_id": handoff.conversation.public_id,
                "url": url_for("console.conversation", public_id=handoff.conversation.public_id),
                "priority": handoff.priority,
                "language_label": LANGUAGES.get(handoff.language or "", "unknown"),
                "channel": CHANNELS.get(handoff.channel, handoff.channel),
                "last_message": _time(last.created_at) if last else "",
                "awaiting_reply": last is not None and last.direction == Direction.INBOUND.value,
            }
        )

    def count(**filters: Any) -> int:
        return db.session.scalar(select(func.count(Handoff.id)).filter_by(**filters)) or 0

    return {
        "waiting": waiting,
        "mine": mine,
        "counts": {
            "waiting": count(status=HandoffStatus.WAITING.value),
            "urgent": count(status=HandoffStatus.WAITING.value, priority="urgent"),
            "active": count(status=HandoffStatus.ACTIVE.value),
            "mine": len(mine),
        },
        "language": language or "",
    }


def _language_filter() -> str | None:
    language = request.args.get("language", "")
    if language and language not in LANGUAGES:
        abort(400, description="Unknown language filter.")
    return language or None


@console_blueprint.get("/queue")
@requires("queue.view")
def queue_page() -> str:
    language = _language_filter()
    return render_template(
        "console/queue.html",
        data=_queue_data(language),
        poll_ms=current_app.config["CONSOLE_POLL_MILLISECONDS"],
    )


@console_blueprint.get("/api/queue")
@requires("queue.view")
def queue_api() -> Response:
    return jsonify(_queue_data(_language_filter()))


# --- a conversation --------------------------------------------------------------------------


@console_blueprint.get("/conversations/<public_id>")
@requires("conversation.view")
def conversation(public_id: str) -> tuple[str, int]:
    conversation, handoff = _viewable(public_id)
    return _conversation_page(conversation, handoff)


@console_blueprint.get("/api/conversations/<public_id>/messages")
@requires("conversation.view")
def messages_api(public_id: str) -> Response:
    conversation, handoff = _viewable(public_id)
    after = request.args.get("after", "0")
    if not after.isdigit():
        abort(400, description="after must be a message id.")
    new = _messages(conversation, int(after))
    tracked = db.session.scalars(
        select(Message).where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.OUTBOUND.value,
            Message.author_id.is_not(None),
        )
    )
    return jsonify(
        {
            "messages": [message_json(message) for message in new],
            "statuses": [
                {
                    "id": message.id,
                    "status": message.status,
                    "status_label": STATUS_LABELS.get(message.status, message.status),
                    "last_error": message.last_error,
                }
                for message in tracked
            ],
            "state": conversation.state,
            "handoff": {
                "id": handoff.id if handoff else None,
                "status": handoff.status if handoff else None,
                "counsellor": handoff.counsellor.username
                if handoff and handoff.counsellor
                else None,
                "mine": _holds(handoff),
            },
        }
    )


def _send_reply(conversation: Conversation, handoff: Handoff | None, body: str) -> list[Message]:
    """Checks, then hands the reply to the outbox. Raises HTTP errors with clear messages.

    Returns the stored message(s): the outbox may split a long SMS into several.
    """
    if not _holds(handoff):
        abort(409, description="Only the counsellor holding this conversation can reply.")
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if not body.strip():
        abort(400, description="The reply is empty: nothing was sent.")
    if len(body) > MAX_REPLY_CHARS:
        abort(400, description=f"The reply is longer than {MAX_REPLY_CHARS} characters.")
    try:
        stored = services().outbox.queue(conversation, body, author=current_user)
    except OutsideWindowError as error:
        db.session.rollback()
        audit("reply_refused", current_user, conversation, reason="outside_whatsapp_window")
        db.session.commit()
        abort(409, description=str(error))
    except Exception as error:  # the sender's problem must not become a bare 500
        log.error("reply in conversation %s failed: %s", conversation.public_id,
                  type(error).__name__)  # fmt: skip
        db.session.rollback()
        abort(
            502,
            description="Sending failed unexpectedly. Check the transcript before trying again: "
            "the reply may have been saved and will then be retried automatically.",
        )
    messages = stored if isinstance(stored, list) else [stored]
    audit("reply_sent", current_user, conversation, handoff=handoff.id,
          messages=[message.id for message in messages])  # fmt: skip
    db.session.commit()
    return messages


@console_blueprint.post("/api/conversations/<public_id>/reply")
@requires("conversation.reply")
def reply_api(public_id: str) -> tuple[Response, int]:
    conversation, handoff = _viewable(public_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("body"), str):
        abort(400, description="Expected a JSON object with the reply text in 'body'.")
    messages = _send_reply(conversation, handoff, payload["body"])
    return jsonify({"messages": [message_json(message) for message in messages]}), 201


@console_blueprint.post("/conversations/<public_id>/reply")
@requires("conversation.reply")
def reply(public_id: str) -> Any:
    conversation, handoff = _viewable(public_id)
    body = request.form.get("body", "")
    try:
        _send_reply(conversation, handoff, body)
    except HTTPException as error:
        return _conversation_page(
            conversation, handoff, status=error.code or 400, error=error.description, draft=body
        )
    return redirect(url_for("console.conversation", public_id=public_id))


@console_blueprint.post("/conversations/<public_id>/claim")
@requires("handoff.claim")
def claim(public_id: str) -> Any:
    conversation = _conversation(public_id)
    handoff = _latest_handoff(conversation)
    try:
        if _holds(handoff):
            return redirect(url_for("console.conversation", public_id=public_id))
        if handoff is None or handoff.status not in (
            HandoffStatus.WAITING.value,
            HandoffStatus.ACTIVE.value,
        ):
            raise HandoffError("this conversation is no longer waiting for a counsellor")
        handoffs.claim(handoff, current_user)  # the service decides who wins a race
    except HandoffError as error:
        db.session.rollback()
        handoff = _latest_handoff(conversation)
        if not _may_view(handoff):
            message = f"Not claimed: {error}."
            return render_template("console/error.html", status=409, message=message), 409
        return _conversation_page(conversation, handoff, status=409,
                                  error=f"Not claimed: {error}.")  # fmt: skip
    return redirect(url_for("console.conversation", public_id=public_id))


@console_blueprint.post("/conversations/<public_id>/notes")
@requires("note.add")
def add_note(public_id: str) -> Any:
    conversation, handoff = _viewable(public_id)
    body = request.form.get("body", "").replace("\r\n", "\n")
    if not body.strip() or len(body) > MAX_NOTE_CHARS:
        return _conversation_page(
            conversation, handoff, status=400, draft="",
            error=f"A note must have some text (at most {MAX_NOTE_CHARS} characters).",
        )  # fmt: skip
    note = Note(conversation_id=conversation.id, author_id=current_user.id, body=body)
    db.session.add(note)
    db.session.flush()
    audit("note_added", current_user, conversation, note=note.id)
    db.session.commit()
    return redirect(url_for("console.conversation", public_id=public_id) + "#notes")


@console_blueprint.post("/conversations/<public_id>/transfer")
@requires("handoff.transfer")
def transfer(public_id: str) -> Any:
    conversation, handoff = _viewable(public_id)
    back = (
        url_for("console.supervise")
        if request.form.get("return_to") == "supervise"
        else url_for("console.conversation", public_id=public_id)
    )
    if not (_holds(handoff) or has_permission(current_user, "handoff.transfer_any")):
        abort(403, description="Only the counsellor holding this conversation can transfer it.")
    target = db.session.get(User, _int_field("to_user"))
    try:
        if target is None:
            raise HandoffError("there is no such account")
        if handoff is not None and target.id == handoff.counsellor_id:
            raise HandoffError("that counsellor already holds this conversation")
        if handoff is None:
            raise HandoffError("there is no hand-off to transfer")
        handoffs.transfer(handoff, target, current_user)
    except HandoffError as error:
        db.session.rollback()
        flash(f"Not transferred: {error}.", "error")
        return redirect(back, code=303)
    flash(f"Transferred to {target.username}.", "success")
    if back.endswith(public_id) and not _may_view(_latest_handoff(conversation)):
        return redirect(url_for("console.queue_page"), code=303)
    return redirect(back, code=303)


@console_blueprint.post("/conversations/<public_id>/close")
@requires("handoff.close")
def close(public_id: str) -> Any:
    conversation, handoff = _viewable(public_id)
    if not (_holds(handoff) or has_permission(current_user, "handoff.close_any")):
        abort(403, description="Only the counsellor holding this conversation can close it.")
    outcome = request.form.get("outcome", "")
    if outcome not in handoffs.OUTCOMES:
        return _conversation_page(conversation, handoff, status=400,
                                  error="Choose an outcome before closing.")  # fmt: skip
    seen = _int_field("seen_up_to")
    try:
        if handoff is None:
            raise HandoffError("there is no hand-off to close")
        handoffs.close(handoff, current_user, outcome, seen)
    except HandoffError as error:
        db.session.rollback()
        handoff = _latest_handoff(conversation)
        return _conversation_page(
            conversation, handoff, status=409,
            error=f"Not closed: {error}. Read the new message(s) below, then close again.",
        )  # fmt: skip
    flash("Conversation closed. The person's next message goes to the bot.", "success")
    return redirect(url_for("console.queue_page"), code=303)


@console_blueprint.post("/conversations/<public_id>/reveal")
@requires("contact.reveal")
def reveal(public_id: str) -> tuple[str, int]:
    conversation, handoff = _viewable(public_id)
    try:
        number = services().vault.decrypt(conversation.contact.address_encrypted)
    except ValueError:
        abort(409, description="This number cannot be decrypted with the current key.")
    audit("contact_revealed", current_user, conversation)
    db.session.commit()
    return _conversation_page(conversation, handoff, revealed=number)


@console_blueprint.post("/conversations/<public_id>/erase")
@requires("conversation.erase")
def erase(public_id: str) -> BaseResponse:
    """Delete what the person wrote and was sent, on their request (typed confirmation)."""
    conversation, _handoff = _viewable(public_id)
    if request.form.get("confirm", "").strip() != "ERASE":
        abort(400, description="Type ERASE to confirm: this cannot be undone.")
    result = erase_conversation(conversation, current_user, services().bot)
    note = "" if result.bot_copy_erased else " The bot's copy could not be erased now: retry."
    flash(f"Erased {result.messages} message(s) and {result.notes} note(s).{note}",
          "ok" if result.bot_copy_erased else "warn")  # fmt: skip
    return redirect(url_for("console.queue_page"))


# --- supervision -----------------------------------------------------------------------------


@console_blueprint.get("/supervise")
@requires("conversations.view_all")
def supervise() -> str:
    current = db.session.scalars(
        select(Handoff)
        .where(Handoff.status.in_([HandoffStatus.WAITING.value, HandoffStatus.ACTIVE.value]))
        .order_by(Handoff.status, Handoff.created_at)
    ).all()
    return render_template(
        "console/supervise.html",
        handoffs=current,
        colleagues=_colleagues(),
        now=utcnow(),
        breach_after=current_app.config["HANDOFF_REASSURE_AFTER_MINUTES"],
    )


def _users_page(status: int = 200, error: str | None = None, **extra: Any) -> tuple[str, int]:
    users = db.session.scalars(select(User).order_by(User.role.desc(), User.username)).all()
    page = render_template(
        "console/users.html",
        users=users,
        roles=[role.value for role in Role],
        now=utcnow(),
        error=error,
        **extra,
    )
    return page, status


@console_blueprint.get("/users")
@requires("users.manage")
def users() -> tuple[str, int]:
    return _users_page()


@console_blueprint.post("/users")
@requires("users.manage")
def create_user() -> tuple[str, int]:
    username = request.form.get("username", "").strip().lower()
    role = request.form.get("role", "")
    problem = auth.validate_username(username)
    if not problem and role not in {r.value for r in Role}:
        problem = "Choose a role."
    if not problem and db.session.scalar(select(User).filter_by(username=username)):
        problem = "An account with that username already exists."
    if problem:
        return _users_page(400, problem)
    user, password = auth.create_user(username, role)
    audit("user_created", current_user, user_id=user.id, role=role)
    db.session.commit()
    # Rendered once in this response (never flashed: the session cookie is not encrypted).
    return _users_page(201, one_time=(user.username, password))


def _active_supervisors() -> int:
    return (
        db.session.scalar(
            select(func.count(User.id)).filter_by(role=Role.SUPERVISOR.value, active=True)
        )
        or 0
    )


@console_blueprint.post("/users/<int:user_id>")
@requires("users.manage")
def update_user(user_id: int) -> Any:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, description="There is no such account.")
    action = request.form.get("action", "")
    one_time = None
    if action == "deactivate":
        if user.id == current_user.id:
            return _users_page(400, "You cannot deactivate your own account.")
        held = db.session.scalar(
            select(func.count(Handoff.id)).filter_by(
                counsellor_id=user.id, status=HandoffStatus.ACTIVE.value
            )
        )
        if held:
            return _users_page(
                409, f"{user.username} still holds {held} conversation(s): transfer them first."
            )
        user.active = False
        user.on_duty = False
        audit("user_deactivated", current_user, user_id=user.id)
    elif action == "activate":
        user.active = True
        audit("user_activated", current_user, user_id=user.id)
    elif action == "role":
        role = request.form.get("role", "")
        if role not in {r.value for r in Role}:
            return _users_page(400, "Choose a role.")
        if user.id == current_user.id and role != user.role:
            return _users_page(400, "You cannot change your own role.")
        user.role = role
        audit("user_role_changed", current_user, user_id=user.id, role=role)
    elif action == "reset_password":
        password = auth.one_time_password()
        auth.set_password(user, password, must_change=True)
        audit("password_reset", current_user, user_id=user.id)
        one_time = (user.username, password)
    elif action == "unlock":
        user.failed_logins = 0
        user.locked_until = None
        audit("user_unlocked", current_user, user_id=user.id)
    elif action in {"on_duty", "off_duty"}:
        if not has_permission(current_user, "duty.manage"):
            abort(403, description="You are not allowed to do this.")
        if action == "on_duty" and not user.active:
            return _users_page(400, "An inactive account cannot be on duty.")
        user.on_duty = action == "on_duty"
        audit("duty_changed", current_user, user_id=user.id, on_duty=user.on_duty)
    else:
        abort(400, description="Unknown account action.")
    db.session.commit()
    if one_time:
        return _users_page(200, one_time=one_time)
    flash(f"Account {user.username} updated.", "success")
    return redirect(url_for("console.users"), code=303)


@console_blueprint.get("/audit")
@requires("audit.view")
def audit_log() -> str:
    action = request.args.get("action", "")
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and int(page) > 0 else 1
    query = select(AuditEvent)
    if action:
        query = query.filter_by(action=action)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = db.session.scalars(
        query.order_by(AuditEvent.id.desc())
        .limit(AUDIT_PAGE_SIZE)
        .offset((page_number - 1) * AUDIT_PAGE_SIZE)
    ).all()
    actions = db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    return render_template(
        "console/audit.html",
        events=events,
        actions=actions,
        action=action,
        page=page_number,
        pages=pages,
        total=total,
    )
