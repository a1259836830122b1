"""One conversation: the live transcript, the person's earlier contact, claim, reply (with
canned texts and referrals in her form), notes, transfer, reveal and erase.

Nothing a person wrote is ever marked safe: Jinja escapes it, the script uses textContent.
Every view and action is audited with ids only.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

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
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from webhooks.audit import audit
from webhooks.console.canned import canned_responses
from webhooks.console.common import (
    CHANNELS,
    REASONS,
    find_conversation,
    has_number,
    holds,
    latest_handoff,
    mask,
    may_view,
    message_json,
    readable_conversation_ids,
    summary_items,
    viewable,
    words,
)
from webhooks.console.permissions import has_permission, requires
from webhooks.console.wrapup import describe, form_definition, referral_names, wrapup_form
from webhooks.erasure import erase_conversation
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.handoffs.service import HandoffError
from webhooks.models import (
    Conversation,
    Direction,
    Handoff,
    HandoffStatus,
    Message,
    Note,
    User,
    WrapUp,
    utcnow,
)
from webhooks.outbound.delivery import OutsideWindowError
from webhooks.referrals.api import lookup_payload
from webhooks.referrals.taxonomy import NEEDS, resolve_need
from webhooks.reports import survey
from webhooks.services import services

log = logging.getLogger(__name__)

conversation_blueprint = Blueprint("conversation", __name__)

MAX_REPLY_CHARS = 1600
MAX_NOTE_CHARS = 4000
FORMS = {"en": "English", "ne": "नेपाली", "ne-Latn": "Nepali (Roman)"}


class ReplyForm(FlaskForm):
    body = TextAreaField(
        validators=[
            DataRequired("The reply is empty: nothing was sent."),
            Length(
                max=MAX_REPLY_CHARS,
                message=f"The reply is longer than {MAX_REPLY_CHARS} characters.",
            ),
        ]
    )


class NoteForm(FlaskForm):
    body = TextAreaField(
        validators=[
            DataRequired(f"A note must have some text (at most {MAX_NOTE_CHARS} characters)."),
            Length(
                max=MAX_NOTE_CHARS,
                message=f"A note must have some text (at most {MAX_NOTE_CHARS} characters).",
            ),
        ]
    )


class TransferForm(FlaskForm):
    to_user = IntegerField(validators=[InputRequired("Choose who takes it over.")])
    confirm_off_duty = BooleanField()
    return_to = HiddenField()


class ContactSafetyForm(FlaskForm):
    unsafe = BooleanField("Unsafe to contact")


class ActionForm(FlaskForm):
    """Claim and reveal: the CSRF token is the only field."""


class EraseForm(FlaskForm):
    confirm = StringField()


def transfer_choices(colleagues: list[User], exclude: int | None) -> dict[str, list[User]]:
    """On-duty colleagues first; the others listed apart, with a warning."""
    chosen = [u for u in colleagues if u.id != exclude]
    return {
        "on_duty": [u for u in chosen if u.on_duty],
        "off_duty": [u for u in chosen if not u.on_duty],
    }


def _colleagues() -> list[User]:
    return list(db.session.scalars(select(User).filter_by(active=True).order_by(User.username)))


def _messages(conversation: Conversation, after: int = 0) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message)
            .options(joinedload(Message.author), joinedload(Message.recording))
            .filter_by(conversation_id=conversation.id)
            .where(Message.id > after)
            .order_by(Message.id)
        )
    )


def _mark_seen(handoff: Handoff | None, last_id: int) -> None:
    """What the holder (or, while it waits, any counsellor) has now seen is no longer unread."""
    if handoff is None or not last_id:
        return
    may_mark = handoff.status == HandoffStatus.WAITING.value or holds(handoff)
    if may_mark and (handoff.seen_message_id or 0) < last_id:
        handoff.seen_message_id = last_id


def history(conversation: Conversation, current: Handoff | None) -> list[dict[str, Any]]:
    """The person's earlier hand-offs: this conversation's, and her case's on other channels."""
    ids = [conversation.id]
    if conversation.case_id is not None:
        ids = list(
            db.session.scalars(select(Conversation.id).filter_by(case_id=conversation.case_id))
        )
    query = (
        select(Handoff)
        .options(joinedload(Handoff.conversation), joinedload(Handoff.counsellor))
        .where(Handoff.conversation_id.in_(ids))
        .order_by(Handoff.created_at.desc())
    )
    if current is not None:
        query = query.where(Handoff.id != current.id)
    earlier = list(db.session.scalars(query))
    wrapups = {
        w.handoff_id: w
        for w in db.session.scalars(
            select(WrapUp).where(WrapUp.handoff_id.in_([h.id for h in earlier]))
        )
    }
    names = referral_names(list(wrapups.values()))
    readable = readable_conversation_ids()
    readable_ids = None if readable is None else set(db.session.scalars(readable))
    items = []
    for handoff in earlier:
        other = handoff.conversation
        wrapup = wrapups.get(handoff.id)
        items.append(
            {
                "handoff": handoff,
                "channel": CHANNELS.get(other.channel, other.channel),
                "same_conversation": other.id == conversation.id,
                "public_id": other.public_id,
                "readable": readable_ids is None or other.id in readable_ids,
                "reason": REASONS.get(handoff.reason, words(handoff.reason)),
                "wrapup": describe(wrapup, names) if wrapup else [],
            }
        )
    return items


def conversation_page(
    conversation: Conversation,
    handoff: Handoff | None,
    *,
    status: int = 200,
    error: str | None = None,
    draft: str = "",
    revealed: str | None = None,
    close_form: Any = None,
    transfer_warning: User | None = None,
) -> tuple[str, int]:
    messages = _messages(conversation)
    last_id = messages[-1].id if messages else 0
    contact = conversation.contact
    if not has_number(conversation):  # web chat (a session token), erased, or expired
        masked = None
    else:
        try:
            masked = mask(services().vault.decrypt(contact.address_encrypted))
        except ValueError:  # e.g. a rotated key: the conversation must stay readable
            masked = "•••••••"
    _mark_seen(handoff, last_id)
    audit("conversation_viewed", current_user, conversation,
          handoff=handoff.id if handoff else None)  # fmt: skip
    db.session.commit()
    notes = db.session.scalars(
        select(Note)
        .options(joinedload(Note.author))
        .filter_by(conversation_id=conversation.id)
        .order_by(Note.id)
    ).all()
    is_holder = holds(handoff)
    active = handoff is not None and handoff.status == HandoffStatus.ACTIVE.value
    can_close = active and (is_holder or has_permission(current_user, "handoff.close_any"))
    if close_form is None and can_close:
        # Marked unsafe: nothing is sent unless the counsellor decides to.
        close_form = wrapup_form(formdata=None, seen_up_to=last_id,
                                 tell_person=not conversation.unsafe_to_contact)  # fmt: skip
    page = render_template(
        "console/conversation.html",
        conversation=conversation,
        handoff=handoff,
        messages=[message_json(message) for message in messages],
        last_id=last_id,
        masked=masked,
        revealed=revealed,
        contact=contact,
        blocked=contact is not None and contact.is_blocked(utcnow()),
        kept_until=conversation.last_message_at
        + timedelta(days=current_app.config["RETENTION_DAYS"]),
        notes=notes,
        summary=summary_items(handoff.summary if handoff else None),
        history=history(conversation, handoff),
        holds=is_holder,
        can_claim=handoff is not None and handoff.status == HandoffStatus.WAITING.value,
        can_reply=is_holder and has_permission(current_user, "conversation.reply"),
        can_transfer=active and (is_holder or has_permission(current_user, "handoff.transfer_any")),
        can_close=can_close,
        close_form=close_form,
        close_form_definition=form_definition(),
        survey_on=survey.enabled_for(conversation),
        can_mark_unsafe=has_permission(current_user, "contact.mark_unsafe")
        and (is_holder or has_permission(current_user, "conversation.view_any")),
        colleagues=transfer_choices(_colleagues(), handoff.counsellor_id if handoff else None),
        transfer_warning=transfer_warning,
        action_form=ActionForm(),
        canned=canned_responses(),
        needs=NEEDS,
        forms=FORMS,
        form_label=FORMS.get(conversation.language or "en", "English"),
        error=error,
        draft=draft,
        poll_ms=current_app.config["CONSOLE_POLL_MILLISECONDS"],
    )
    return page, status


@conversation_blueprint.get("/conversations/<public_id>")
@requires("conversation.view")
def view(public_id: str) -> tuple[str, int]:
    conversation, handoff = viewable(public_id)
    return conversation_page(conversation, handoff)


@conversation_blueprint.get("/api/conversations/<public_id>/messages")
@requires("conversation.view")
def messages_api(public_id: str) -> Response:
    conversation, handoff = viewable(public_id)
    after = request.args.get("after", "0")
    if not (after.isascii() and after.isdigit() and len(after) <= 18):
        abort(400, description="after must be a message id.")
    new = _messages(conversation, int(after))
    if new:
        _mark_seen(handoff, new[-1].id)
        db.session.commit()
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
                    "status_label": message_json(message)["status_label"],
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
                "mine": holds(handoff),
            },
        }
    )


def _send_reply(
    conversation: Conversation, handoff: Handoff | None, form: ReplyForm
) -> list[Message]:
    """Checks, then hands the reply to the outbox. Raises HTTP errors with clear messages.

    Returns the stored message(s): the outbox may split a long SMS into several.
    """
    if not holds(handoff):
        abort(409, description="Only the counsellor holding this conversation can reply.")
    if form.body.data:
        form.body.data = form.body.data.replace("\r\n", "\n").replace("\r", "\n")
    if not form.validate():
        abort(400, description=next(iter(form.body.errors), "The reply is not valid."))
    try:
        stored = services().outbox.queue(conversation, form.body.data, author=current_user)
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


@conversation_blueprint.post("/api/conversations/<public_id>/reply")
@requires("conversation.reply")
def reply_api(public_id: str) -> tuple[Response, int]:
    conversation, handoff = viewable(public_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("body"), str):
        abort(400, description="Expected a JSON object with the reply text in 'body'.")
    # The token came in the X-CSRFToken header (checked for the whole console).
    form = ReplyForm(formdata=None, data={"body": payload["body"]}, meta={"csrf": False})
    messages = _send_reply(conversation, handoff, form)
    return jsonify({"messages": [message_json(message) for message in messages]}), 201


@conversation_blueprint.post("/conversations/<public_id>/reply")
@requires("conversation.reply")
def reply(public_id: str) -> Any:
    conversation, handoff = viewable(public_id)
    form = ReplyForm()
    try:
        _send_reply(conversation, handoff, form)
    except HTTPException as error:
        return conversation_page(conversation, handoff, status=error.code or 400,
                                 error=error.description, draft=form.body.data or "")  # fmt: skip
    return redirect(url_for(".view", public_id=public_id))


@conversation_blueprint.post("/conversations/<public_id>/claim")
@requires("handoff.claim")
def claim(public_id: str) -> Any:
    conversation = find_conversation(public_id)
    handoff = latest_handoff(conversation)
    try:
        if holds(handoff):
            return redirect(url_for(".view", public_id=public_id))
        if handoff is None or handoff.status not in (
            HandoffStatus.WAITING.value,
            HandoffStatus.ACTIVE.value,
        ):
            raise HandoffError("this conversation is no longer waiting for a counsellor")
        handoffs.claim(handoff, current_user)  # the service decides who wins a race
    except HandoffError as error:
        db.session.rollback()
        handoff = latest_handoff(conversation)
        if not may_view(conversation, handoff):
            message = f"Not claimed: {error}."
            return render_template("console/error.html", status=409, message=message), 409
        return conversation_page(conversation, handoff, status=409,
                                 error=f"Not claimed: {error}.")  # fmt: skip
    return redirect(url_for(".view", public_id=public_id))


@conversation_blueprint.post("/conversations/<public_id>/notes")
@requires("note.add")
def add_note(public_id: str) -> Any:
    conversation, handoff = viewable(public_id)
    form = NoteForm()
    if form.body.data:
        form.body.data = form.body.data.replace("\r\n", "\n")
    if not form.validate():
        error = next(iter(form.body.errors), "Not a valid note.")
        return conversation_page(conversation, handoff, status=400, error=error)
    note = Note(conversation_id=conversation.id, author_id=current_user.id, body=form.body.data)
    db.session.add(note)
    db.session.flush()
    audit("note_added", current_user, conversation, note=note.id)
    db.session.commit()
    return redirect(url_for(".view", public_id=public_id) + "#notes")


@conversation_blueprint.post("/conversations/<public_id>/contact-safety")
@requires("contact.mark_unsafe")
def contact_safety(public_id: str) -> BaseResponse:
    """Mark the conversation unsafe to contact (no survey, no closing message by default),
    or safe again: the counsellor holding it, or a supervisor."""
    conversation, handoff = viewable(public_id)
    if not (holds(handoff) or has_permission(current_user, "conversation.view_any")):
        abort(403, description="Only the counsellor holding this conversation can change this.")
    form = ContactSafetyForm()
    if not form.validate():
        abort(400, description="Reload the page and try again.")
    if conversation.unsafe_to_contact != form.unsafe.data:
        conversation.unsafe_to_contact = form.unsafe.data
        if form.unsafe.data:
            conversation.survey_asked_at = None  # a survey already sent is not waited for
        audit("contact_marked_unsafe" if form.unsafe.data else "contact_marked_safe",
              current_user, conversation)  # fmt: skip
        db.session.commit()
    flash("Marked unsafe to contact: nothing is sent to her unprompted." if form.unsafe.data
          else "Marked safe to contact.", "success")  # fmt: skip
    return redirect(url_for(".view", public_id=public_id) + "#contact-safety", code=303)


@conversation_blueprint.post("/conversations/<public_id>/transfer")
@requires("handoff.transfer")
def transfer(public_id: str) -> Any:
    conversation, handoff = viewable(public_id)
    form = TransferForm()
    back = (
        url_for("console.queue.supervise")
        if form.return_to.data == "supervise"
        else url_for(".view", public_id=public_id)
    )
    if not (holds(handoff) or has_permission(current_user, "handoff.transfer_any")):
        abort(403, description="Only the counsellor holding this conversation can transfer it.")
    if not form.validate():
        abort(400, description="Missing or invalid to user: choose who takes it over.")
    target = db.session.get(User, form.to_user.data)
    try:
        if target is None:
            raise HandoffError("there is no such account")
        if handoff is None:
            raise HandoffError("there is no hand-off to transfer")
        if target.id == handoff.counsellor_id:
            raise HandoffError("that counsellor already holds this conversation")
        if not target.on_duty and target.active and not form.confirm_off_duty.data:
            # Nobody lands a conversation on someone who is not there without being told.
            return conversation_page(conversation, handoff, status=409, transfer_warning=target)
        handoffs.transfer(handoff, target, current_user)
    except HandoffError as error:
        db.session.rollback()
        flash(f"Not transferred: {error}.", "error")
        return redirect(back, code=303)
    off_duty = (
        "" if target.on_duty else " They are off duty: they will see it when they come on duty."
    )
    flash(f"Transferred to {target.username}.{off_duty}", "success")
    if back.endswith(public_id) and not may_view(conversation, latest_handoff(conversation)):
        return redirect(url_for("console.queue.page"), code=303)
    return redirect(back, code=303)


@conversation_blueprint.post("/conversations/<public_id>/reveal")
@requires("contact.reveal")
def reveal(public_id: str) -> tuple[str, int]:
    conversation, handoff = viewable(public_id)
    if not has_number(conversation):
        # A web chat's "address" is its session token: it would let anyone read and write
        # into the person's live chat. There is no number to reveal.
        abort(409, description="This conversation has no phone number to reveal.")
    try:
        number = services().vault.decrypt(conversation.contact.address_encrypted)
    except ValueError:
        abort(409, description="This number cannot be decrypted with the current key.")
    audit("contact_revealed", current_user, conversation)
    db.session.commit()
    return conversation_page(conversation, handoff, revealed=number)


@conversation_blueprint.post("/conversations/<public_id>/erase")
@requires("conversation.erase")
def erase(public_id: str) -> BaseResponse:
    """Delete what the person wrote and was sent, on their request (typed confirmation)."""
    conversation, _handoff = viewable(public_id)
    form = EraseForm()
    if (form.confirm.data or "").strip() != "ERASE":
        abort(400, description="Type ERASE to confirm: this cannot be undone.")
    result = erase_conversation(conversation, current_user, services().eraser)
    note = (
        ""
        if result.complete
        else " The copies kept by the bot or by Twilio could not all be deleted now: the "
        "worker keeps trying, and the audit log records when it is done."
    )
    flash(f"Erased {result.messages} message(s) and {result.notes} note(s).{note}",
          "ok" if result.complete else "warn")  # fmt: skip
    return redirect(url_for("console.queue.page"))


def referral_text(entry: dict[str, Any], form: str) -> str:
    """One directory entry as a line for the reply box, in the conversation's form."""
    name = (entry["name"].get("ne") if form == "ne" else None) or entry["name"]["en"]
    hours = (entry["hours"].get("ne") if form == "ne" else None) or entry["hours"].get("en")
    parts = [f"{name}: {entry['phone']}" if entry.get("phone") else name]
    if entry.get("open_24h"):
        parts.append({"en": "24 hours", "ne": "२४ घण्टा", "ne-Latn": "24 ghanta"}[form])
    elif hours:
        parts.append(hours)
    return ", ".join(parts)


@conversation_blueprint.get("/api/conversations/<public_id>/referrals")
@requires("referrals.view")
def referrals_api(public_id: str) -> Response:
    """Directory entries for the reply box, each with its text in the conversation's form.

    Only verified entries can be inserted: the person never gets an unchecked number.
    """
    conversation, _handoff = viewable(public_id)
    form = conversation.language if conversation.language in FORMS else "en"
    need_text = request.args.get("need", "")
    need = resolve_need(need_text)
    if need_text and need is None:
        abort(400, description="Unknown need.")
    payload = lookup_payload(need, request.args.get("place", "")[:100], form, 10,
                             verified_only=False, console=True)  # fmt: skip
    results = [
        {
            "id": entry["id"],
            "name": entry["name"]["en"],
            "verified": entry["verified"],
            "warning": entry.get("warning"),
            "text": referral_text(entry, form) if entry["verified"] else None,
        }
        for entry in payload["results"] + payload["fallback"]
    ]
    return jsonify({"form": form, "clarify": payload["clarify"], "results": results})
